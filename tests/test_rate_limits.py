"""Rate limits (adam.limits): password guesses, tokens issued and the API's budget per account,
counted in memory (each app on its own) and in a real Redis (every app sharing it)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adam.app import create_app
from adam.reference.models import Organization
from adam.session import new_session
from tests.adam_server import adam_serve
from tests.conftest import Account
from tests.portal.helpers import sign_in as portal_sign_in

REDIS_URL = os.environ.get("ADAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "a long test passphrase"
TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"


def _flushed_redis() -> Iterator[str]:
    """The test's own Redis database, empty before and after; fails under CI if Redis is down."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI and is unreachable: {error}")
        pytest.skip(f"Redis unreachable: {error}")
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "memory":
        yield "memory://"
    else:
        yield from _flushed_redis()


@pytest.fixture()
def redis_storage() -> Iterator[str]:
    yield from _flushed_redis()


@pytest.fixture()
def make_app(
    app: Flask, database_url: str, tmp_path: Path, storage: str
) -> Iterator[Callable[..., Flask]]:
    """Apps on the test database with these settings, as if started with them (the ``app``
    fixture empties the database afterwards)."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        made.append(
            create_app(
                {
                    "ENV": "testing",
                    "DATABASE_URL": database_url,
                    "UPLOAD_DIR": str(tmp_path / "uploads"),
                    "RATE_LIMIT_STORAGE": storage,
                    **config,
                }
            )
        )
        return made[-1]

    yield make
    for each in made:
        each.extensions["adam.engine"].dispose()


@pytest.fixture()
def member(make_user: Callable[..., Account]) -> Account:
    return make_user("viewer", password=PASSWORD)


def issue(client: FlaskClient, email: str, password: str = PASSWORD, **kwargs: Any) -> TestResponse:
    return client.post(TOKENS, auth=(email, password), **kwargs)


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def assert_too_many(response: TestResponse, says: str) -> int:
    """The API's 429: the JSON error shape, Retry-After in whole seconds; returns them."""
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["status"] == 429 and error["code"] == "too_many_requests"
    assert error["details"] == {}
    assert says in error["message"], error["message"]
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert f"in {retry_after} s" in error["message"]
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) >= int(time.time())
    return int(retry_after)


def test_failed_token_requests_are_limited_per_account(
    make_app: Callable[..., Flask], member: Account, make_user: Callable[..., Account]
) -> None:
    client = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes").test_client()
    for _ in range(3):
        assert issue(client, member.email, "guess").status_code == 401
    # Now even the right password waits, however the address is spelt: a guesser cannot
    # tell it from a wrong one.
    blocked = issue(client, f"  {member.email.upper()} ")
    seconds = assert_too_many(blocked, "Too many failed sign-ins")
    assert 1 <= seconds <= 15 * 60 + 1
    assert blocked.headers["X-RateLimit-Limit"] == "3"
    # Another account from the same address is not locked out by this one's failures.
    other = make_user("viewer", password=PASSWORD)
    assert issue(client, other.email).status_code == 201


def test_the_portal_and_the_api_share_the_guesses(
    make_app: Callable[..., Flask], member: Account
) -> None:
    """Two doors to one password: switching between them buys a guesser nothing."""
    app = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    client = app.test_client()
    assert portal_sign_in(client, member.email, "guess").status_code == 401
    assert portal_sign_in(client, member.email, "guess").status_code == 401
    assert issue(client, member.email, "guess").status_code == 401
    assert_too_many(issue(client, member.email), "Too many failed sign-ins")
    # The portal answers with its page, and the same Retry-After.
    page = portal_sign_in(app.test_client(), member.email)
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert "Too many attempts" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) >= 1


def test_failed_token_requests_are_limited_per_address(
    make_app: Callable[..., Flask], member: Account
) -> None:
    client = make_app(SIGN_IN_LIMIT_PER_ADDRESS="3 per 15 minutes").test_client()
    guesser = {"REMOTE_ADDR": "192.0.2.7"}
    for n in range(3):
        response = issue(client, f"nobody-{n}@example.org", "guess", environ_base=guesser)
        assert response.status_code == 401
    assert_too_many(issue(client, member.email, environ_base=guesser), "Too many failed")
    assert issue(client, member.email, environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 201


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_client_address_behind_a_trusted_proxy(
    make_app: Callable[..., Flask], member: Account, proxies: int
) -> None:
    """With TRUSTED_PROXY_COUNT, the proxy's X-Forwarded-For names the client; without,
    the header is anyone's to write and changes nothing."""
    client = make_app(
        SIGN_IN_LIMIT_PER_ADDRESS="2 per 15 minutes", TRUSTED_PROXY_COUNT=proxies
    ).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(2):
        headers = {"X-Forwarded-For": "198.51.100.1"}
        response = issue(
            client, f"nobody-{n}@example.org", "x", headers=headers, environ_base=proxy
        )
        assert response.status_code == 401
    other_client = {"X-Forwarded-For": "198.51.100.2"}
    response = issue(client, member.email, headers=other_client, environ_base=proxy)
    assert response.status_code == (201 if proxies else 429)


def test_tokens_issued_are_limited_per_account(
    make_app: Callable[..., Flask], member: Account, make_user: Callable[..., Account]
) -> None:
    client = make_app(TOKEN_LIMIT_PER_ACCOUNT="2 per 15 minutes").test_client()
    assert issue(client, member.email, "guess").status_code == 401  # refusals do not count
    for _ in range(2):
        assert issue(client, member.email).status_code == 201
    assert_too_many(issue(client, member.email), "Too many tokens were issued")
    assert issue(client, make_user("viewer", password=PASSWORD).email).status_code == 201


def test_the_api_budget_is_per_account_and_leaves_out_health_and_openapi(
    app: Flask,
    make_app: Callable[..., Flask],
    member: Account,
    make_user: Callable[..., Account],
) -> None:
    client = make_app(API_RATE_LIMIT="3 per 15 minutes").test_client()
    for remaining in (2, 1, 0):
        response = client.get(ME, headers=bearer(member.token))
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        assert "Retry-After" not in response.headers  # a success is no reason to wait
    assert_too_many(client.get(ME, headers=bearer(member.token)), "Too many requests")
    # A new token of the same account shares its budget; another account has its own.
    fresh = issue(client, member.email)
    assert fresh.status_code == 201
    assert client.get(ME, headers=bearer(fresh.json["token"])).status_code == 429
    assert client.get(ME, headers=make_user("viewer").headers).status_code == 200
    for path in ("/healthz", "/api/v1/healthz", "/api/v1/openapi.json"):
        response = client.get(path, headers=bearer(member.token))
        assert response.status_code == 200, path
        assert "X-RateLimit-Remaining" not in response.headers


def test_a_refused_write_writes_nothing(
    app: Flask, make_app: Callable[..., Flask], make_user: Callable[..., Account]
) -> None:
    admin = make_user("admin")
    client = make_app(API_RATE_LIMIT="1 per 15 minutes").test_client()
    assert client.get(ME, headers=admin.headers).status_code == 200
    body = {"code": "xx-ngo", "name": "An NGO", "type": "ngo"}
    assert_too_many(client.post("/api/v1/organizations", json=body, headers=admin.headers), "")
    with new_session(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0


def test_the_limit_lifts_after_retry_after(
    make_app: Callable[..., Flask], make_user: Callable[..., Account]
) -> None:
    client = make_app(API_RATE_LIMIT="3 per 2 seconds").test_client()
    # A burst of four takes milliseconds of the 2-second window, but the window may turn
    # over inside one; each attempt is a new account with a budget of its own, so three
    # bursts that all straddle a turnover would be a broken limit, not bad luck.
    bursts = []
    for _attempt in range(3):
        member = make_user("viewer")
        statuses = [client.get(ME, headers=member.headers).status_code for _ in range(4)]
        refused_at = time.monotonic()
        bursts.append(statuses)
        if statuses == [200, 200, 200, 429]:
            break
    else:
        pytest.fail(f"no burst of four ended with one 429: {bursts}")
    blocked = client.get(ME, headers=bearer(member.token))
    seconds = assert_too_many(blocked, "Too many requests")
    assert 1 <= seconds <= 3
    deadline = refused_at + seconds + 0.5
    while (response := client.get(ME, headers=bearer(member.token))).status_code == 429:
        assert time.monotonic() < deadline, "the limit did not lift within Retry-After"
        time.sleep(0.05)
    assert response.status_code == 200


def test_two_apps_share_the_budget_through_redis_only(
    make_app: Callable[..., Flask], member: Account, storage: str
) -> None:
    """Two processes (here: two apps) with one Redis count together, like gunicorn's
    workers; in memory, each counts on its own."""
    settings = {"API_RATE_LIMIT": "3 per 15 minutes", "SIGN_IN_LIMIT_PER_ACCOUNT": "2 per hour"}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    shared = storage.startswith("redis://")
    assert first.get(ME, headers=bearer(member.token)).status_code == 200
    assert second.get(ME, headers=bearer(member.token)).status_code == 200
    assert first.get(ME, headers=bearer(member.token)).status_code == 200
    assert second.get(ME, headers=bearer(member.token)).status_code == (429 if shared else 200)
    assert issue(first, member.email, "guess").status_code == 401
    assert issue(second, member.email, "guess").status_code == 401
    assert issue(first, member.email).status_code == (429 if shared else 201)


def test_adam_serve_with_two_workers_counts_in_redis(
    app: Flask, database_url: str, tmp_path: Path, member: Account, redis_storage: str
) -> None:
    """gunicorn's two workers take the connections as they come; one budget holds for both."""
    env = {
        "ADAM_UPLOAD_DIR": str(tmp_path / "uploads"),
        "ADAM_RATE_LIMIT_STORAGE": redis_storage,
        "ADAM_API_RATE_LIMIT": "5 per 15 minutes",
    }
    serving = adam_serve(
        database_url, tmp_path / "serve.log", "--workers", "2", "--threads", "2", env=env
    )
    with serving as (base, _process):
        # A new connection each time, so either worker may take it.
        statuses = [
            httpx.get(f"{base}{ME}", headers=bearer(member.token), timeout=10).status_code
            for _ in range(12)
        ]
    assert statuses == [200] * 5 + [429] * 7, statuses


def test_the_refusal_speaks_russian(make_app: Callable[..., Flask], member: Account) -> None:
    client = make_app(API_RATE_LIMIT="1 per 15 minutes").test_client()
    russian = bearer(member.token, **{"Accept-Language": "ru"})
    assert client.get(ME, headers=russian).status_code == 200
    response = client.get(ME, headers=russian)
    assert response.status_code == 429
    error = response.json["error"]
    assert error["code"] == "too_many_requests"
    seconds = response.headers["Retry-After"]
    assert error["message"] == (
        f"Слишком много запросов от этой учётной записи; повторите через {seconds} с."
    )
    guesses = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="1 per 15 minutes").test_client()
    assert issue(guesses, member.email, "guess").status_code == 401
    refused = issue(guesses, member.email, headers={"Accept-Language": "ru"})
    assert refused.json["error"]["message"].startswith("Слишком много неудачных попыток входа")


def test_an_unreachable_redis_counts_in_the_process_meanwhile(
    app: Flask, database_url: str, tmp_path: Path, member: Account
) -> None:
    """No 500 when Redis is down: the limits hold in each process until it is back."""
    down = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            # Nothing listens on port 1: the connection is refused at once.
            "RATE_LIMIT_STORAGE": "redis://127.0.0.1:1/0",
            "API_RATE_LIMIT": "2 per 15 minutes",
        }
    )
    try:
        client = down.test_client()
        assert client.get(ME, headers=bearer(member.token)).status_code == 200
        assert client.get(ME, headers=bearer(member.token)).status_code == 200
        assert_too_many(client.get(ME, headers=bearer(member.token)), "Too many requests")
        assert issue(client, member.email).status_code == 201
    finally:
        down.extensions["adam.engine"].dispose()


def test_openapi_declares_the_429_of_token_issuing(client: FlaskClient) -> None:
    operation = client.get("/api/v1/openapi.json").json["paths"][TOKENS]["post"]
    refusal = operation["responses"]["429"]
    assert refusal["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "Error" in refusal["content"]["application/json"]["schema"]["$ref"]
