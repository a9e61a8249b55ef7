"""Withdrawn events and recommendations exist only for staff (and are restored by them); a
focal point notes progress only where a recommendation names their country; an edit cannot
break an endorsement it stands on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account
from tests.pact.helpers import create_event, create_pcg, create_rec


def _post(client: FlaskClient, account: Account, path: str, **body: Any) -> Any:
    return client.post(path, json=body, headers=account.headers)


def test_a_withdrawn_recommendation_is_seen_by_staff_only(
    client: FlaskClient, coordinator: Account, viewer: Account, donor: Account
) -> None:
    event = create_event(client, coordinator)
    rec = create_rec(client, coordinator, event["id"])
    path = f"/api/v1/recommendations/{rec['id']}"
    assert _post(client, coordinator, path + "/state", state="withdrawn").status_code == 200
    for account in (viewer, donor):
        assert client.get(path, headers=account.headers).status_code == 404
        assert client.get(path + "/history", headers=account.headers).status_code == 404
        assert client.get(path + "/links", headers=account.headers).status_code == 404
        listed = client.get("/api/v1/recommendations?state=withdrawn", headers=account.headers).json
        assert listed["items"] == [] and listed["total"] == 0
    assert client.get(path, headers=coordinator.headers).status_code == 200
    listed = client.get("/api/v1/recommendations?state=withdrawn", headers=coordinator.headers)
    assert [r["id"] for r in listed.json["items"]] == [rec["id"]]


def test_a_withdrawn_event_is_seen_by_staff_only_and_restored(
    client: FlaskClient, coordinator: Account, viewer: Account
) -> None:
    event = create_event(client, coordinator)
    path = f"/api/v1/events/{event['id']}"
    assert _post(client, coordinator, path + "/withdraw").status_code == 200
    assert client.get(path, headers=viewer.headers).status_code == 404
    assert client.get("/api/v1/events?withdrawn=true", headers=viewer.headers).status_code == 403
    staff_list = client.get("/api/v1/events?withdrawn=true", headers=coordinator.headers).json
    assert [e["id"] for e in staff_list["items"]] == [event["id"]]
    assert _post(client, viewer, path + "/restore").status_code == 404
    restored = _post(client, coordinator, path + "/restore")
    assert restored.status_code == 200 and restored.json["withdrawn_at"] is None
    assert client.get(path, headers=viewer.headers).status_code == 200


def test_a_focal_point_notes_progress_where_the_recommendation_names_their_country(
    client: FlaskClient, coordinator: Account, make_user: Callable[..., Account]
) -> None:
    event = create_event(client, coordinator)
    tajik = create_rec(client, coordinator, event["id"], countries=["TJ"])
    everywhere = create_rec(client, coordinator, event["id"], countries=[])
    focal_af = make_user("focal_point", country="AF")
    note = {"noted_on": "2024-01-10", "text": "Training held in Kunduz."}
    refused = _post(client, focal_af, f"/api/v1/recommendations/{tajik['id']}/notes", **note)
    assert refused.status_code == 403, refused.json
    assert "name their country" in refused.json["error"]["message"]
    taken = _post(client, focal_af, f"/api/v1/recommendations/{everywhere['id']}/notes", **note)
    assert taken.status_code == 201, taken.json
    focal_tj = make_user("focal_point", country="TJ")
    ours = _post(client, focal_tj, f"/api/v1/recommendations/{tajik['id']}/notes", **note)
    assert ours.status_code == 201, ours.json


def test_an_edit_cannot_break_an_endorsement(client: FlaskClient, coordinator: Account) -> None:
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    rec = create_rec(client, coordinator, event["id"])
    endorsed = _post(
        client,
        coordinator,
        f"/api/v1/recommendations/{rec['id']}/state",
        state="endorsed",
        endorsed_by=pcg["id"],
    )
    assert endorsed.status_code == 200, endorsed.json
    not_pcg = client.patch(
        f"/api/v1/events/{pcg['id']}",
        json={"kind": "expert_working_group"},
        headers={**coordinator.headers, "If-Match": pcg["_etag"]},
    )
    assert not_pcg.status_code == 409, not_pcg.json
    assert rec["code"] in not_pcg.json["error"]["message"]
    later = client.patch(
        f"/api/v1/events/{event['id']}",
        json={"start_date": "2024-03-01", "end_date": "2024-03-02"},
        headers={**coordinator.headers, "If-Match": event["_etag"]},
    )
    assert later.status_code == 409, later.json
    unchanged = client.get(f"/api/v1/events/{pcg['id']}", headers=coordinator.headers).json
    assert unchanged["kind"] == "policy_consultative_group"
