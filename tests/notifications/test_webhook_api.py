"""The webhook API: who may manage subscriptions, what input is refused, what is never shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import Account
from tests.notifications.conftest import create_webhook

WEBHOOKS = "/api/v1/webhooks"
URL = "https://receiver.example.org/adam"


class StrictClient(FlaskClient):
    """Refuses server errors and non-JSON error bodies outright."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code >= 400:
            assert response.mimetype == "application/json", response.headers
            assert set(response.json["error"]) == {"status", "code", "message", "details"}
        return response


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    app.test_client_class = StrictClient
    return app.test_client()


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_staff_manage_webhooks(
    client: FlaskClient, make_user: Callable[..., Account], role: str
) -> None:
    account = make_user(role)
    created = client.post(
        WEBHOOKS, json={"url": URL, "description": "Ops channel"}, headers=account.headers
    )
    assert created.status_code == 201
    hook = created.json
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    assert hook["events"] == ["alert.created"] and hook["active"] is True
    assert created.headers["Location"] == f"{WEBHOOKS}/{hook['id']}"
    url = f"{WEBHOOKS}/{hook['id']}"

    # The secret is shown once: no later answer carries it.
    for response in (
        client.get(url, headers=account.headers),
        client.get(WEBHOOKS, headers=account.headers),
        client.patch(url, json={"description": "Renamed"}, headers=account.headers),
    ):
        assert response.status_code == 200
        assert "secret" not in response.get_data(as_text=True)
    assert client.get(url, headers=account.headers).json["description"] == "Renamed"

    assert client.delete(url, headers=account.headers).status_code == 204
    after = client.get(url, headers=account.headers).json
    assert after["active"] is False and after["deactivated_at"] is not None
    listed = client.get(WEBHOOKS, headers=account.headers).json
    assert [h["id"] for h in listed] == [hook["id"]]  # deactivated, never deleted
    assert client.get(f"{WEBHOOKS}?active=true", headers=account.headers).json == []
    reactivated = client.patch(url, json={"active": True}, headers=account.headers)
    assert reactivated.json["active"] is True and reactivated.json["deactivated_at"] is None
    log = client.get(f"{url}/deliveries", headers=account.headers)
    assert log.status_code == 200 and log.json == {
        "items": [],
        "page": 1,
        "per_page": 50,
        "total": 0,
    }


@pytest.mark.parametrize(
    "user",
    [
        {"role": "viewer"},
        {"role": "donor", "org": "gb-fcdo"},
        {"role": "focal_point", "country": "TJ"},
    ],
)
def test_others_get_403_with_a_reason(
    client: FlaskClient,
    make_user: Callable[..., Account],
    coordinator: Account,
    orgs: dict[str, str],
    user: dict[str, str],
) -> None:
    hook = create_webhook(client, coordinator, URL)
    account = make_user(**user)
    url = f"{WEBHOOKS}/{hook['id']}"
    for method, path, body in [
        ("get", WEBHOOKS, None),
        ("post", WEBHOOKS, {"url": URL}),
        ("get", url, None),
        ("patch", url, {"active": False}),
        ("delete", url, None),
        ("get", f"{url}/deliveries", None),
    ]:
        response = getattr(client, method)(path, json=body, headers=account.headers)
        assert response.status_code == 403, (method, path)
        assert response.json["error"]["code"] == "forbidden"
        assert (
            "coordinators and administrators may manage webhooks"
            in (response.json["error"]["message"])
        )
    assert client.get(url, headers=coordinator.headers).json["active"] is True
    assert len(client.get(WEBHOOKS, headers=coordinator.headers).json) == 1


def test_no_token_is_401(client: FlaskClient) -> None:
    assert client.get(WEBHOOKS).status_code == 401
    assert client.post(WEBHOOKS, json={"url": URL}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": "ftp://example.org/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "/relative/path"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://user:secret@example.org/hook"}, "url"),
        ({"url": "http://example.org:99999/hook"}, "url"),
        ({"url": "https://example.org/" + "a" * 2000}, "url"),
        ({"url": 12}, "url"),
        ({"url": URL, "events": ["alert.deleted"]}, "events.0"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": "alert.created"}, "events"),
        ({"url": URL, "active": "maybe"}, "active"),
        ({"url": URL, "description": "x" * 501}, "description"),
        ({"url": URL, "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: FlaskClient, coordinator: Account, body: dict[str, Any], field: str
) -> None:
    response = client.post(WEBHOOKS, json=body, headers=coordinator.headers)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["details"], response.json
    assert client.get(WEBHOOKS, headers=coordinator.headers).json == []


def test_unknown_event_message_lists_the_known_ones(
    client: FlaskClient, coordinator: Account
) -> None:
    response = client.post(
        WEBHOOKS, json={"url": URL, "events": ["alert.deleted"]}, headers=coordinator.headers
    )
    assert "alert.created" in response.json["error"]["details"]["events.0"][0]


def test_patch_validates_too(client: FlaskClient, coordinator: Account) -> None:
    hook = create_webhook(client, coordinator, URL)
    url = f"{WEBHOOKS}/{hook['id']}"
    for body in ({"url": "gopher://x"}, {"events": ["nope"]}, {"id": 5}):
        assert client.patch(url, json=body, headers=coordinator.headers).status_code == 422
    changed = client.patch(
        url,
        json={"url": "http://10.0.0.5:8080/in", "events": ["alert.created"]},
        headers=coordinator.headers,
    )
    assert changed.status_code == 200 and changed.json["url"] == "http://10.0.0.5:8080/in"


@pytest.mark.parametrize(
    "path",
    [f"{WEBHOOKS}/999", f"{WEBHOOKS}/0", f"{WEBHOOKS}/99999999999", f"{WEBHOOKS}/999/deliveries"],
)
def test_unknown_webhook_is_404(client: FlaskClient, coordinator: Account, path: str) -> None:
    assert client.get(path, headers=coordinator.headers).status_code == 404


def test_bad_delivery_log_query_is_422(client: FlaskClient, coordinator: Account) -> None:
    hook = create_webhook(client, coordinator, URL)
    for query in ("status=lost", "page=0", "per_page=1000", "colour=red"):
        response = client.get(
            f"{WEBHOOKS}/{hook['id']}/deliveries?{query}", headers=coordinator.headers
        )
        assert response.status_code == 422, query


def test_non_json_body_is_415(client: FlaskClient, coordinator: Account) -> None:
    response = client.post(
        WEBHOOKS, data="url=https://x", content_type="text/plain", headers=coordinator.headers
    )
    assert response.status_code == 415
