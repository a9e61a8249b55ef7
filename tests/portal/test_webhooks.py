"""The webhook pages: staff list, subscribe (the secret shown once) and deactivate."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.portal.helpers import csrf_token, post_form


def test_a_coordinator_subscribes_sees_the_secret_once_and_deactivates(
    browser_of: Callable[..., FlaskClient], coordinator: object
) -> None:
    client = browser_of("coordinator")
    assert 'href="/webhooks"' in client.get("/projects").get_data(as_text=True)  # the menu
    response = post_form(
        client,
        "/webhooks/new",
        {
            "url": "https://receiver.example.org/adam",
            "events": "alert.created",
            "description": "<b>ministry</b>",
        },
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = response.get_data(as_text=True).split('id="secret" readonly value="')[1].split('"')[0]
    assert len(secret) >= 16
    listing = client.get("/webhooks").get_data(as_text=True)
    assert "https://receiver.example.org/adam" in listing and secret not in listing
    assert "&lt;b&gt;ministry&lt;/b&gt;" in listing and "<b>ministry" not in listing
    # The API sees the same subscription.
    api = client.get("/api/v1/webhooks", headers=coordinator.headers)  # type: ignore[attr-defined]
    (hook,) = api.json
    assert hook["active"] is True
    response = post_form(client, f"/webhooks/{hook['id']}/deactivate", {}, token_from="/webhooks")
    assert response.status_code == 303
    api = client.get("/api/v1/webhooks", headers=coordinator.headers)  # type: ignore[attr-defined]
    assert api.json[0]["active"] is False
    assert "/deactivate" not in client.get("/webhooks").get_data(as_text=True)


def test_a_bad_address_is_shown_on_the_form_with_what_was_typed(
    browser_of: Callable[..., FlaskClient],
) -> None:
    client = browser_of("admin")
    response = post_form(client, "/webhooks/new", {"url": "ftp://user:pw@x/y", "description": "D"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="ftp://user:pw@x/y"' in html and 'value="D"' in html
    assert "https://" in html and "Choose at least one event." in html


def test_others_may_not_manage_webhooks(browser_of: Callable[..., FlaskClient]) -> None:
    for role in ("focal_point", "donor", "viewer"):
        client = browser_of(role)
        assert 'href="/webhooks"' not in client.get("/projects").get_data(as_text=True)
        assert client.get("/webhooks").status_code == 403
        assert client.get("/webhooks/new").status_code == 403
        token = csrf_token(client, "/projects")
        data = {"csrf_token": token, "url": "https://x.example.org/", "events": "alert.created"}
        assert client.post("/webhooks/new", data=data).status_code == 403
