"""Events of the mechanism: register, list with filters, read, edit (If-Match), withdraw."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.pact.helpers import counts, create_event, create_pcg, create_rec, event_body


def test_register_and_read_an_event(
    client: FlaskClient, coordinator: Account, donor: Account
) -> None:
    event = create_event(client, coordinator)
    assert event["kind"] == "expert_working_group"
    assert event["pillar"] == "precursors"
    assert [c["code"] for c in event["countries"]] == ["BG", "TR"]
    assert event["participants"] == {"countries": 34, "organizations": 10, "people": 140}
    assert event["date_precision"] == "day" and event["withdrawn_at"] is None
    assert event["_etag"] == f'"{event["id"]}-1"'
    url = f"/api/v1/events/{event['id']}"
    read = client.get(url, headers=donor.headers)
    assert read.status_code == 200 and read.json["place"] == "Sofia"
    cached = client.get(url, headers={**donor.headers, "If-None-Match": event["_etag"]})
    assert cached.status_code == 304


def test_only_coordinators_and_admins_write_events(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    coordinator: Account,
    donor: Account,
    focal_tj: Account,
    viewer: Account,
) -> None:
    for account in (donor, focal_tj, viewer):
        refused = client.post("/api/v1/events", json=event_body(), headers=account.headers)
        assert refused.status_code == 403, account.role
        assert refused.json["error"]["code"] == "forbidden"
        assert "coordinators" in refused.json["error"]["message"]
    assert counts(app)[0] == 0
    event = create_event(client, admin)
    url = f"/api/v1/events/{event['id']}"
    patch = client.patch(
        url, json={"host": "x"}, headers={**donor.headers, "If-Match": event["_etag"]}
    )
    assert patch.status_code == 403
    assert client.post(url + "/withdraw", json={}, headers=viewer.headers).status_code == 403
    assert client.get(url, headers=viewer.headers).status_code == 200
    assert client.get("/api/v1/events", headers=focal_tj.headers).json["total"] == 1


def test_bad_events_are_refused_and_nothing_written(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    cases = [
        ({"pillar": "drugs"}, "pillar", "Unknown pillar 'drugs'"),
        ({"kind": "summit"}, "kind", "Unknown event kind 'summit'"),
        ({"countries": ["XX"]}, "countries", "XX"),
        ({"routes": ["western"]}, "routes", "Unknown route 'western'"),
        ({"end_date": "2023-01-01"}, "end_date", "before the start date"),
        ({"participants": {"people": -1}}, "participants", ""),
        ({"start_date": None}, "start_date", ""),
    ]
    for change, field, words in cases:
        answer = client.post(
            "/api/v1/events", json=event_body(**change), headers=coordinator.headers
        )
        assert answer.status_code == 422, (change, answer.json)
        details = answer.json["error"]["details"]
        assert any(key.startswith(field) for key in details), details
        assert words in str(details), details
    assert counts(app) == (0, 0, 0, 0)


def test_filters(client: FlaskClient, coordinator: Account) -> None:
    sofia = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    dushanbe = create_event(
        client,
        coordinator,
        kind="expert_round_table",
        number=8,
        pillar=None,
        place="Dushanbe",
        start_date="2006-04-10",
        end_date="2006-04-11",
        countries=["AF", "TJ"],
        routes=["northern"],
    )

    def ids(query: str) -> list[int]:
        answer = client.get(f"/api/v1/events?{query}", headers=coordinator.headers)
        assert answer.status_code == 200, answer.json
        return [e["id"] for e in answer.json["items"]]

    assert ids("") == [pcg["id"], sofia["id"], dushanbe["id"]]
    assert ids("kind=policy_consultative_group") == [pcg["id"]]
    assert ids("pillar=precursors") == [sofia["id"]]
    assert ids("route=northern") == [dushanbe["id"]]
    assert ids("route=balkan,northern") == [sofia["id"], dushanbe["id"]]
    assert ids("country=tj") == [dushanbe["id"]]
    assert ids("year=2023") == [pcg["id"], sofia["id"]]
    assert ids("year=2006&kind=expert_round_table") == [dushanbe["id"]]
    unknown = client.get("/api/v1/events?country=XX", headers=coordinator.headers)
    assert unknown.status_code == 422 and "country" in unknown.json["error"]["details"]
    bad = client.get("/api/v1/events?pillar=drugs", headers=coordinator.headers)
    assert bad.status_code == 422
    assert "Unknown pillar 'drugs'" in str(bad.json["error"]["details"])


def test_edit_needs_if_match(client: FlaskClient, coordinator: Account) -> None:
    event = create_event(client, coordinator)
    url = f"/api/v1/events/{event['id']}"
    assert (
        client.patch(url, json={"host": "Bulgaria"}, headers=coordinator.headers).status_code == 428
    )
    changed = client.patch(
        url,
        json={"host": "Ministry of Interior of Bulgaria", "countries": ["BG"]},
        headers={**coordinator.headers, "If-Match": event["_etag"]},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["version"] == 2 and changed.headers["ETag"] == f'"{event["id"]}-2"'
    assert [c["code"] for c in changed.json["countries"]] == ["BG"]
    stale = client.patch(
        url, json={"host": "x"}, headers={**coordinator.headers, "If-Match": event["_etag"]}
    )
    assert stale.status_code == 412
    same = client.patch(
        url, json={"countries": ["BG"]}, headers={**coordinator.headers, "If-Match": "*"}
    )
    assert same.status_code == 200 and same.json["version"] == 2


def test_withdraw_is_soft_and_refused_while_recommendations_name_it(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    event = create_event(client, coordinator)
    other = create_event(client, coordinator, place="Ankara", pillar="financial_flows")
    rec = create_rec(client, coordinator, event["id"])
    url = f"/api/v1/events/{event['id']}"
    refused = client.post(url + "/withdraw", json={}, headers=coordinator.headers)
    assert refused.status_code == 409
    assert "withdraw them" in refused.json["error"]["message"]
    client.post(
        f"/api/v1/recommendations/{rec['id']}/state",
        json={"state": "withdrawn", "note": "Entered twice."},
        headers=coordinator.headers,
    )
    done = client.post(url + "/withdraw", json={}, headers=coordinator.headers)
    assert done.status_code == 200 and done.json["withdrawn_at"] is not None
    again = client.post(url + "/withdraw", json={}, headers=coordinator.headers)
    assert again.status_code == 200 and again.json["version"] == done.json["version"]
    listed = client.get("/api/v1/events", headers=coordinator.headers).json
    assert [e["id"] for e in listed["items"]] == [other["id"]]
    every = client.get("/api/v1/events?withdrawn=true", headers=coordinator.headers).json
    assert every["total"] == 2
    assert client.get(url, headers=coordinator.headers).status_code == 200
    edit = client.patch(url, json={"host": "x"}, headers={**coordinator.headers, "If-Match": "*"})
    assert edit.status_code == 409
    late = client.post(
        "/api/v1/recommendations",
        json={"event_id": event["id"], "text_en": "Late."},
        headers=coordinator.headers,
    )
    assert late.status_code == 422 and "withdrawn" in str(late.json["error"]["details"])
    assert counts(app)[0] == 2
