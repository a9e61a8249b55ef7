"""A recommendation's state (endorsed by a PCG event, superseded, withdrawn, proposed again),
its follow-up status and progress notes, each recorded in its history."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.pact.helpers import counts, create_event, create_pcg, create_rec


def _state(client: FlaskClient, account: Account, rec: dict[str, Any], **body: Any) -> Any:
    return client.post(
        f"/api/v1/recommendations/{rec['id']}/state", json=body, headers=account.headers
    )


def test_endorse_needs_a_pcg_event(app: Flask, client: FlaskClient, coordinator: Account) -> None:
    event = create_event(client, coordinator)
    early_pcg = create_pcg(client, coordinator, number=4, start_date="2006-11-27", end_date=None)
    pcg = create_pcg(client, coordinator)
    rec = create_rec(client, coordinator, event["id"])
    before = counts(app)
    missing = _state(client, coordinator, rec, state="endorsed")
    assert missing.status_code == 422
    assert "Name the PCG event" in str(missing.json["error"]["details"]["endorsed_by"])
    not_pcg = _state(client, coordinator, rec, state="endorsed", endorsed_by=event["id"])
    assert not_pcg.status_code == 422
    assert "not a meeting of the Policy Consultative Group" in not_pcg.json["error"]["message"]
    unknown = _state(client, coordinator, rec, state="endorsed", endorsed_by=9999)
    assert (
        unknown.status_code == 422 and "No event with id 9999" in unknown.json["error"]["message"]
    )
    before_it = _state(client, coordinator, rec, state="endorsed", endorsed_by=early_pcg["id"])
    assert before_it.status_code == 422 and "before the event" in before_it.json["error"]["message"]
    wrong_pair = _state(client, coordinator, rec, state="withdrawn", endorsed_by=pcg["id"])
    assert wrong_pair.status_code == 422
    bad_state = _state(client, coordinator, rec, state="adopted")
    assert bad_state.status_code == 422 and "Unknown state 'adopted'" in str(bad_state.json)
    assert counts(app) == before
    done = _state(client, coordinator, rec, state="endorsed", endorsed_by=pcg["id"], note="PCG 17")
    assert done.status_code == 200, done.json
    assert done.json["state"] == "endorsed" and done.json["endorsed_by"]["id"] == pcg["id"]
    assert done.json["version"] == 2 and done.headers["ETag"] == f'"{rec["id"]}-2"'
    again = _state(client, coordinator, rec, state="endorsed", endorsed_by=pcg["id"])
    assert again.status_code == 200 and again.json["version"] == 2
    assert counts(app)[2] == before[2] + 1


def test_transitions_and_their_history(
    client: FlaskClient, coordinator: Account, admin: Account
) -> None:
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    old = create_rec(client, coordinator, event["id"])
    new = create_rec(client, coordinator, event["id"], text_en="A later, better wording.")
    assert (
        _state(client, coordinator, old, state="endorsed", endorsed_by=pcg["id"]).status_code == 200
    )
    self_ = _state(client, coordinator, old, state="superseded", superseded_by=old["id"])
    assert self_.status_code == 422 and "itself" in self_.json["error"]["message"]
    no_ref = _state(client, coordinator, old, state="superseded")
    assert no_ref.status_code == 422
    replaced = _state(
        client, admin, old, state="superseded", superseded_by=new["id"], note="Updated in 2024."
    )
    assert replaced.status_code == 200
    assert replaced.json["superseded_by"] == {"id": new["id"], "code": new["code"]}
    back = _state(client, coordinator, old, state="endorsed", endorsed_by=pcg["id"])
    assert back.status_code == 409
    message = back.json["error"]["message"]
    assert "is superseded; it cannot become endorsed" in message and "withdrawn" in message
    assert (
        _state(client, coordinator, old, state="withdrawn", note="Entered by mistake.").status_code
        == 200
    )
    edit = client.patch(
        f"/api/v1/recommendations/{old['id']}",
        json={"text_en": "x"},
        headers={**coordinator.headers, "If-Match": "*"},
    )
    assert edit.status_code == 409
    reopened = _state(client, coordinator, old, state="proposed")
    assert reopened.status_code == 200
    assert reopened.json["endorsed_by"] is None and reopened.json["superseded_by"] is None
    history = client.get(
        f"/api/v1/recommendations/{old['id']}/history", headers=coordinator.headers
    ).json
    assert [h["action"] for h in history] == ["create", "state", "state", "withdraw", "restore"]
    assert history[1]["changes"]["endorsed_by"] == {"old": None, "new": pcg["id"]}
    assert history[2]["changes"] == {
        "state": {"old": "endorsed", "new": "superseded"},
        "superseded_by": {"old": None, "new": new["id"]},
    }
    assert history[2]["actor"]["id"] == admin.id and history[2]["note"] == "Updated in 2024."
    assert history[3]["note"] == "Entered by mistake."
    assert history[4]["changes"]["state"] == {"old": "withdrawn", "new": "proposed"}
    # A withdrawn or superseded recommendation cannot replace another.
    third = create_rec(client, coordinator, event["id"], text_en="Third.")
    _state(client, coordinator, new, state="withdrawn")
    refused = _state(client, coordinator, third, state="superseded", superseded_by=new["id"])
    assert refused.status_code == 422 and "withdrawn itself" in refused.json["error"]["message"]


def test_follow_up_and_notes(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    donor: Account,
    focal_tj: Account,
    viewer: Account,
) -> None:
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    rec = create_rec(client, coordinator, event["id"])
    url = f"/api/v1/recommendations/{rec['id']}"
    early = client.post(
        url + "/follow-up",
        json={"status": "under_way", "note": "Started."},
        headers=coordinator.headers,
    )
    assert early.status_code == 409 and "only endorsed" in early.json["error"]["message"]
    _state(client, coordinator, rec, state="endorsed", endorsed_by=pcg["id"])
    before = counts(app)
    for body in (
        {"status": "under_way"},
        {"status": "under_way", "note": " "},
        {"status": "done", "note": "x"},
    ):
        bad = client.post(url + "/follow-up", json=body, headers=coordinator.headers)
        assert bad.status_code == 422, body
    assert counts(app) == before
    moved = client.post(
        url + "/follow-up",
        json={"status": "under_way", "note": "Two projects started."},
        headers=coordinator.headers,
    )
    assert moved.status_code == 200 and moved.json["follow_up"] == "under_way"
    same = client.post(
        url + "/follow-up",
        json={"status": "under_way", "note": "Still."},
        headers=coordinator.headers,
    )
    assert same.status_code == 409 and "add a progress note" in same.json["error"]["message"]
    [*_, last] = client.get(url + "/history", headers=donor.headers).json
    assert last["action"] == "follow_up" and last["note"] == "Two projects started."
    assert last["changes"] == {"follow_up": {"old": "not_started", "new": "under_way"}}

    # Notes: focal points (liaison officers too) and coordinators write; donors, viewers read.
    for account in (donor, viewer):
        refused = client.post(
            url + "/notes", json={"noted_on": "2024-03-01", "text": "x"}, headers=account.headers
        )
        assert refused.status_code == 403
        assert "focal points, liaison officers" in refused.json["error"]["message"]
    first = client.post(
        url + "/notes",
        json={"noted_on": "2024-03-01", "text": "Training held in Dushanbe."},
        headers=focal_tj.headers,
    )
    assert first.status_code == 201, first.json
    assert first.json["author"]["id"] == focal_tj.id
    second = client.post(
        url + "/notes",
        json={"noted_on": "2024-05-20", "text": "Equipment delivered."},
        headers=coordinator.headers,
    )
    assert second.status_code == 201
    older = client.post(
        url + "/notes",
        json={"noted_on": "2024-01-10", "text": "Typed late, about January."},
        headers=focal_tj.headers,
    )
    assert older.status_code == 201
    for body, field in (
        ({"noted_on": "2999-01-01", "text": "Future."}, "noted_on"),
        ({"noted_on": "2024-01-01", "text": "  "}, "text"),
        ({"text": "No day."}, "noted_on"),
    ):
        bad = client.post(url + "/notes", json=body, headers=focal_tj.headers)
        assert bad.status_code == 422, body
        assert field in bad.json["error"]["details"]
    notes = client.get(url + "/notes", headers=viewer.headers).json
    assert [n["text"] for n in notes] == [
        "Equipment delivered.",
        "Training held in Dushanbe.",
        "Typed late, about January.",
    ]
    shown = client.get(url, headers=donor.headers).json
    assert shown["latest_note"]["text"] == "Equipment delivered."
    assert counts(app)[3] == 3
