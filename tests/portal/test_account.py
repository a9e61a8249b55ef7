"""Signing in and out, sessions, the rate limit on failed sign-ins, passwords, languages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from adam.auth.models import PortalSession, User
from adam.portal.headers import CONTENT_SECURITY_POLICY
from adam.portal.signin import COOKIE
from adam.session import get_settings, new_session
from tests.conftest import Account
from tests.portal.helpers import PASSWORD, csrf_token, post_form, sign_in
from tests.settings_helpers import replace_settings


def _cookie(response_headers: list[str], name: str) -> str:
    return next(h for h in response_headers if h.startswith(f"{name}="))


def test_a_page_sends_strangers_to_the_sign_in_page_and_back(
    client: FlaskClient, person: Callable[..., Account]
) -> None:
    response = client.get("/projects?country=TJ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/projects?country%3DTJ"
    account = person("coordinator")
    token = csrf_token(client, response.headers["Location"])
    signed = client.post(
        "/sign-in",
        data={
            "csrf_token": token,
            "email": account.email.upper(),
            "password": PASSWORD,
            "next": "/projects?country=TJ",
        },
    )
    assert signed.status_code == 303
    assert signed.headers["Location"] == "/projects?country=TJ"
    cookie = _cookie(signed.headers.getlist("Set-Cookie"), COOKIE)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/projects").status_code == 200


def test_sign_in_never_redirects_off_the_site(app: Flask, person: Callable[..., Account]) -> None:
    account = person("viewer")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = post_form(
            app.test_client(),
            "/sign-in",
            {"email": account.email, "password": PASSWORD, "next": target},
        )
        assert response.headers["Location"] == "/projects"


def test_a_wrong_password_is_refused_in_the_readers_language(
    client: FlaskClient, person: Callable[..., Account]
) -> None:
    account = person("viewer")
    response = sign_in(client, account.email, "wrong password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert COOKIE not in "".join(response.headers.getlist("Set-Cookie"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru-RU,ru;q=0.9,en;q=0.5"
    russian = sign_in(client, account.email, "wrong password")
    assert "Неверный адрес электронной почты или пароль." in russian.get_data(as_text=True)


def test_a_new_session_id_at_each_sign_in_and_sign_out_ends_it(
    app: Flask, client: FlaskClient, person: Callable[..., Account]
) -> None:
    account = person("coordinator")
    first = _cookie(sign_in(client, account.email).headers.getlist("Set-Cookie"), COOKIE)
    second = _cookie(sign_in(client, account.email).headers.getlist("Set-Cookie"), COOKIE)
    assert first != second
    stolen = second.split(";")[0].split("=", 1)[1]
    response = post_form(client, "/sign-out", {}, token_from="/projects")
    assert response.status_code == 303
    assert client.get("/projects").status_code == 302
    # A copy of the cookie kept elsewhere is dead too: the server ended the session.
    other = app.test_client()
    other.set_cookie(COOKIE, stolen)
    assert other.get("/projects").status_code == 302


def test_an_idle_session_expires(app: Flask, browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("coordinator")
    idle = get_settings(app).portal.idle_minutes
    with new_session(app) as session:
        record = session.scalars(sa.select(PortalSession)).one()
        record.last_seen_at -= dt.timedelta(minutes=idle + 1)
        session.commit()
    assert browser.get("/projects").status_code == 302
    with new_session(app) as session:
        assert session.scalar(sa.select(PortalSession.ended_at)) is not None


def test_a_deactivated_account_is_signed_out(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("donor")
    with new_session(app) as session:
        session.execute(sa.update(User).values(is_active=False))
        session.commit()
    assert browser.get("/projects").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("coordinator")
    response = browser.post("/sign-out")
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert browser.get("/projects").status_code == 200  # still signed in


def test_failed_sign_ins_are_limited_per_account(
    client: FlaskClient, app: Flask, person: Callable[..., Account]
) -> None:
    account = person("viewer")
    allowed = int(get_settings(app).limits.sign_in_per_account.split()[0])
    for _ in range(allowed):
        assert sign_in(client, account.email, "guess").status_code == 401
    # Now even the right password waits: a guesser cannot tell it from a wrong one.
    blocked = sign_in(client, account.email)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # Another account from the same address is not locked out by this one's failures.
    other = person("viewer")
    assert sign_in(client, other.email).status_code == 303


def test_failed_sign_ins_are_limited_per_address(
    client: FlaskClient, app: Flask, person: Callable[..., Account]
) -> None:
    settings = get_settings(app)
    replace_settings(
        app,
        limits=dataclasses.replace(settings.limits, sign_in_per_address="3 per 15 minutes"),
    )
    for n in range(3):
        assert sign_in(client, f"nobody-{n}@example.org", "guess").status_code == 401
    assert sign_in(client, person("viewer").email).status_code == 429


@pytest.mark.parametrize("storage", ["redis://127.0.0.1:6379/15"])
def test_the_limit_is_shared_through_redis(
    database_url: str, tmp_path: object, storage: str, make_user: Callable[..., Account]
) -> None:
    """Two app processes (here: two apps) with one Redis see each other's failures."""
    import redis

    from adam.app import create_app

    try:
        redis.Redis.from_url(storage).flushdb()
    except redis.ConnectionError:
        pytest.skip("Redis is not running")
    config = {
        "ENV": "testing",
        "DATABASE_URL": database_url,
        "RATE_LIMIT_STORAGE": storage,
        "SIGN_IN_LIMIT_PER_ACCOUNT": "2 per 15 minutes",
    }
    first, second = create_app(config), create_app(config)
    try:
        account = make_user("viewer", password=PASSWORD)
        assert sign_in(first.test_client(), account.email, "guess").status_code == 401
        assert sign_in(second.test_client(), account.email, "guess").status_code == 401
        assert sign_in(first.test_client(), account.email).status_code == 429
    finally:
        redis.Redis.from_url(storage).flushdb()
        for app in (first, second):
            app.extensions["adam.engine"].dispose()


def test_changing_ones_password_signs_out_the_other_browsers(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("focal_point")
    account = browser.account  # type: ignore[attr-defined]
    other = app.test_client()
    assert sign_in(other, account.email).status_code == 303
    short = post_form(
        browser,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert short.status_code == 422
    assert "too short" in short.get_data(as_text=True)
    wrong = post_form(
        browser,
        "/account/password",
        {"current_password": "nope", "new_password": "x" * 12, "confirm_password": "x" * 12},
    )
    assert wrong.status_code == 422 and "current password is wrong" in wrong.get_data(as_text=True)
    done = post_form(
        browser,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "x" * 12, "confirm_password": "x" * 12},
    )
    assert done.status_code == 303
    assert browser.get("/projects").status_code == 200
    assert other.get("/projects").status_code == 302
    assert sign_in(app.test_client(), account.email, "x" * 12).status_code == 303


def test_the_language_follows_the_browser_then_the_switch_kept_on_the_account(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    assert "Проекты" in browser.get("/projects").get_data(as_text=True)
    switched = post_form(
        browser, "/language", {"language": "en", "next": "/projects"}, token_from="/projects"
    )
    assert switched.headers["Location"] == "/projects"
    assert 'lang="en"' in browser.get("/projects").get_data(as_text=True)
    # Kept for the person: a new browser of theirs, asking for Russian, gets English.
    account = browser.account  # type: ignore[attr-defined]
    fresh = app.test_client()
    fresh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    sign_in(fresh, account.email)
    assert 'lang="en"' in fresh.get("/projects").get_data(as_text=True)
    with new_session(app) as session:
        assert session.scalar(sa.select(User.locale).where(User.id == account.id)) == "en"


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/sign-in")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script


def test_the_session_cookie_is_secure_in_production(
    database_url: str, make_user: Callable[..., Account]
) -> None:
    from adam.app import create_app

    app = create_app({"ENV": "production", "DATABASE_URL": database_url, "SECRET_KEY": "s" * 40})
    try:
        account = make_user("viewer", password=PASSWORD)
        response = sign_in(app.test_client(), account.email)
        assert "Secure" in _cookie(response.headers.getlist("Set-Cookie"), COOKIE)
    finally:
        app.extensions["adam.engine"].dispose()


def test_an_unknown_address_is_a_page_outside_the_api_and_json_inside(
    client: FlaskClient,
) -> None:
    page = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Такой страницы нет." in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"
