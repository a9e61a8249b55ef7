"""Every write of an event leaves one row in its history, in the write's transaction; the
history is read as the event is (a withdrawn one by coordinators and administrators only)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adam.cli import main
from adam.pact.models import Event, EventHistory
from adam.session import new_session
from tests.conftest import Account
from tests.pact.helpers import create_event, create_rec


def _history(client: FlaskClient, account: Account, event_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/events/{event_id}/history", headers=account.headers)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def test_registration_and_edit_are_recorded_with_actor_and_diff(
    client: FlaskClient, coordinator: Account, admin: Account, donor: Account
) -> None:
    event = create_event(client, coordinator)
    [created] = _history(client, donor, event["id"])
    assert created["action"] == "create" and created["actor"]["id"] == coordinator.id
    assert created["changes"]["place"] == {"old": None, "new": "Sofia"}
    assert created["changes"]["countries"] == {"old": None, "new": ["BG", "TR"]}
    assert created["changes"]["start_date"] == {"old": None, "new": "2023-06-13"}
    assert created["note"] is None
    url = f"/api/v1/events/{event['id']}"
    edited = client.patch(
        url,
        json={"host": "Bulgaria", "countries": ["TR", "BG", "RS"], "place": "Sofia"},
        headers={**admin.headers, "If-Match": event["_etag"]},
    )
    assert edited.status_code == 200, edited.json
    created_again, updated = _history(client, coordinator, event["id"])
    assert created_again == created
    assert updated["action"] == "update" and updated["actor"]["id"] == admin.id
    assert updated["changes"] == {
        "host": {"old": None, "new": "Bulgaria"},
        "countries": {"old": ["BG", "TR"], "new": ["BG", "RS", "TR"]},
    }
    # The same values again change nothing: no row, no version step.
    same = client.patch(
        url,
        json={"host": "Bulgaria", "countries": ["BG", "RS", "TR"]},
        headers={**admin.headers, "If-Match": edited.headers["ETag"]},
    )
    assert same.status_code == 200 and same.json["version"] == edited.json["version"]
    assert len(_history(client, coordinator, event["id"])) == 2


def test_withdrawal_with_its_note_and_restoration_are_recorded(
    app: Flask, client: FlaskClient, coordinator: Account, admin: Account
) -> None:
    event = create_event(client, coordinator)
    url = f"/api/v1/events/{event['id']}"
    rec = create_rec(client, coordinator, event["id"])
    refused = client.post(url + "/withdraw", json={"note": "x"}, headers=coordinator.headers)
    assert refused.status_code == 409
    assert [h["action"] for h in _history(client, coordinator, event["id"])] == ["create"]
    client.post(
        f"/api/v1/recommendations/{rec['id']}/state",
        json={"state": "withdrawn", "note": "Entered twice."},
        headers=coordinator.headers,
    )
    done = client.post(
        url + "/withdraw", json={"note": "  Entered twice.  "}, headers=coordinator.headers
    )
    assert done.status_code == 200
    again = client.post(url + "/withdraw", json={}, headers=coordinator.headers)
    assert again.status_code == 200
    restored = client.post(url + "/restore", headers=admin.headers)
    assert restored.status_code == 200 and restored.json["withdrawn_at"] is None
    history = _history(client, coordinator, event["id"])
    assert [h["action"] for h in history] == ["create", "withdraw", "restore"]
    withdrawn, back = history[1], history[2]
    assert withdrawn["actor"]["id"] == coordinator.id and withdrawn["note"] == "Entered twice."
    assert withdrawn["changes"] == {"withdrawn": {"old": False, "new": True}}
    assert back["actor"]["id"] == admin.id and back["note"] is None
    assert back["changes"] == {"withdrawn": {"old": True, "new": False}}


def test_history_is_refused_where_the_event_is(
    client: FlaskClient, coordinator: Account, donor: Account
) -> None:
    for missing in (999999, 0, 2**40):
        unknown = client.get(f"/api/v1/events/{missing}/history", headers=donor.headers)
        assert unknown.status_code == 404, missing
        assert unknown.json["error"]["code"] == "not_found"
    event = create_event(client, coordinator)
    url = f"/api/v1/events/{event['id']}"
    assert client.post(url + "/withdraw", json={}, headers=coordinator.headers).status_code == 200
    hidden = client.get(url + "/history", headers=donor.headers)
    assert hidden.status_code == 404 and hidden.json["error"]["code"] == "not_found"
    assert client.get(url, headers=donor.headers).status_code == 404
    assert len(_history(client, coordinator, event["id"])) == 2
    assert client.get(url + "/history").status_code == 401


def test_the_demo_loader_records_each_event_it_registers(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["seed", "--demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with new_session(app) as session:
        events = session.scalar(select(func.count()).select_from(Event))
        rows = session.execute(select(EventHistory.event_id, EventHistory.action)).all()
    assert events == 14
    assert {action for _event_id, action in rows} == {"create"}
    assert len({event_id for event_id, _action in rows}) == 14 == len(rows)
