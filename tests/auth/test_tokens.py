"""Bearer tokens: issued for HTTP Basic credentials, checked on every request, revocable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adam.auth.models import ApiToken
from adam.db import utcnow
from adam.session import new_session
from tests.conftest import Account

PASSWORD = "correct horse battery staple"
TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response: TestResponse, says: str | None = None) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers.get("WWW-Authenticate"), "a 401 must say how to authenticate"
    error = response.json["error"]
    assert error["status"] == 401 and error["code"] == "unauthorized"
    if says is not None:
        assert says in error["message"], error["message"]


@pytest.fixture()
def member(make_user: Callable[..., Account]) -> Account:
    """A viewer who can sign in with a password."""
    return make_user("viewer", password=PASSWORD)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return client.post(TOKENS, auth=(email, password))


def test_basic_credentials_give_a_working_token(client: FlaskClient, member: Account) -> None:
    before = utcnow()
    response = sign_in(client, member.email)

    assert response.status_code == 201, response.json
    token = response.json["token"]
    assert token and token != member.token
    expires_at = dt.datetime.fromisoformat(response.json["expires_at"])
    # The testing configuration issues tokens for one day.
    assert before + dt.timedelta(hours=23) < expires_at <= utcnow() + dt.timedelta(days=1)

    me = client.get(ME, headers=bearer(token))
    assert me.status_code == 200, me.json
    assert me.json["id"] == member.id
    assert me.json["email"] == member.email
    assert me.json["role"] == "viewer"
    assert "password" not in me.json and "password_hash" not in me.json


def test_email_is_matched_case_insensitively(client: FlaskClient, member: Account) -> None:
    assert sign_in(client, member.email.upper()).status_code == 201


def test_each_sign_in_gives_a_new_independent_token(client: FlaskClient, member: Account) -> None:
    first = sign_in(client, member.email).json["token"]
    second = sign_in(client, member.email).json["token"]
    assert first != second
    assert client.delete(f"{TOKENS}/current", headers=bearer(first)).status_code == 204
    assert_unauthorized(client.get(ME, headers=bearer(first)))
    assert client.get(ME, headers=bearer(second)).status_code == 200
    assert client.get(ME, headers=member.headers).status_code == 200


def test_wrong_password_is_401_and_says_nothing_about_the_account(
    client: FlaskClient, member: Account
) -> None:
    wrong = sign_in(client, member.email, "not the right password")
    unknown = sign_in(client, "nobody@example.org")
    assert_unauthorized(wrong, "Wrong e-mail or password")
    assert_unauthorized(unknown)
    assert wrong.json == unknown.json


def test_account_without_password_cannot_sign_in_with_basic(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    token_only = make_user("viewer")
    assert_unauthorized(sign_in(client, token_only.email, "not-a-real-password"))
    assert_unauthorized(sign_in(client, token_only.email, ""))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sometoken"},
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!not-base64!!!"},
    ],
    ids=["none", "bearer", "basic-empty", "basic-garbage"],
)
def test_sign_in_without_basic_credentials_is_401(
    client: FlaskClient, member: Account, headers: dict[str, str]
) -> None:
    assert_unauthorized(client.post(TOKENS, headers=headers))


def test_revoking_the_current_token(client: FlaskClient, member: Account) -> None:
    token = sign_in(client, member.email).json["token"]
    assert client.get(ME, headers=bearer(token)).status_code == 200

    response = client.delete(f"{TOKENS}/current", headers=bearer(token))
    assert response.status_code == 204
    assert response.get_data() == b""

    assert_unauthorized(client.get(ME, headers=bearer(token)), "not valid")
    assert_unauthorized(client.delete(f"{TOKENS}/current", headers=bearer(token)))


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer adam_not-a-token-anyone-was-given",
        "Bearer ' OR 1=1 --",
        "Bearer \u0436\u0443\u0447\u043a\u0430",
        "Token adam_whatever",
        "Basic dmlld2VyQGV4YW1wbGUub3JnOnBhc3N3b3Jk",
    ],
)
def test_missing_unknown_or_garbage_bearer_is_401(
    client: FlaskClient, member: Account, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for path in (ME, "/api/v1/projects"):
        assert_unauthorized(client.get(path, headers=headers))


def test_the_token_itself_is_case_sensitive(client: FlaskClient, member: Account) -> None:
    assert_unauthorized(client.get(ME, headers=bearer(member.token.upper())))


def test_expired_token_is_401(app: Flask, client: FlaskClient, member: Account) -> None:
    assert client.get(ME, headers=member.headers).status_code == 200
    with new_session(app) as session:
        session.execute(
            sa.update(ApiToken)
            .where(ApiToken.user_id == member.id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        session.commit()
    assert_unauthorized(client.get(ME, headers=member.headers), "expired")
    # Signing in again gives a fresh token.
    fresh = sign_in(client, member.email).json["token"]
    assert client.get(ME, headers=bearer(fresh)).status_code == 200


def test_deactivated_user_loses_access(
    client: FlaskClient, admin: Account, member: Account
) -> None:
    issued = sign_in(client, member.email).json["token"]

    response = client.patch(
        f"/api/v1/users/{member.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.status_code == 200, response.json
    assert response.json["is_active"] is False

    for token in (member.token, issued):
        assert_unauthorized(client.get(ME, headers=bearer(token)))
        assert_unauthorized(client.get("/api/v1/projects", headers=bearer(token)))
    assert_unauthorized(sign_in(client, member.email))

    # Reactivation lets them sign in again, but the old tokens stay dead.
    response = client.patch(
        f"/api/v1/users/{member.id}", json={"is_active": True}, headers=admin.headers
    )
    assert response.status_code == 200 and response.json["is_active"] is True
    assert_unauthorized(client.get(ME, headers=member.headers))
    fresh = sign_in(client, member.email)
    assert fresh.status_code == 201
    assert client.get(ME, headers=bearer(fresh.json["token"])).status_code == 200


def test_deactivating_someone_else_does_not_touch_your_token(
    client: FlaskClient, admin: Account, member: Account, coordinator: Account
) -> None:
    response = client.patch(
        f"/api/v1/users/{member.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.status_code == 200
    assert client.get(ME, headers=admin.headers).status_code == 200
    assert client.get(ME, headers=coordinator.headers).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/healthz", "/api/v1/openapi.json"])
def test_public_endpoints_need_no_token(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"


def test_health_reports_the_database(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_openapi_documents_the_token_endpoint(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/auth/tokens" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_me_describes_a_scoped_account(
    client: FlaskClient, make_user: Callable[..., Account], orgs: dict[str, str]
) -> None:
    focal = make_user("focal_point", country="TJ", org="tj-dca")
    response = client.get(ME, headers=focal.headers)
    assert response.status_code == 200
    body = response.json
    assert body["id"] == focal.id and body["email"] == focal.email
    assert body["role"] == "focal_point"
    assert body["country"] == "TJ" and body["organization"] == "tj-dca"
    assert body["is_active"] is True


def test_me_needs_a_token(client: FlaskClient) -> None:
    assert_unauthorized(client.get(ME))


def test_patch_changes_role_scope_and_name_with_the_creation_rules(
    client: FlaskClient, admin: Account, member: Account, coordinator: Account, orgs: dict
) -> None:
    url = f"/api/v1/users/{member.id}"
    refused = client.patch(url, json={"role": "donor"}, headers=admin.headers)
    assert refused.status_code == 422, refused.json
    assert "organization" in str(refused.json)

    response = client.patch(
        url,
        json={"role": "donor", "organization": orgs["fcdo"], "name": "Jo"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["role"], body["organization"], body["name"]) == ("donor", "gb-fcdo", "Jo")

    response = client.patch(
        url,
        json={"role": "focal_point", "country": "tj", "organization": None},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.json
    assert (response.json["country"], response.json["organization"]) == ("TJ", None)

    unknown = client.patch(url, json={"country": "ZZ"}, headers=admin.headers)
    assert unknown.status_code == 422
    forbidden = client.patch(url, json={"name": "X"}, headers=coordinator.headers)
    assert forbidden.status_code == 403
