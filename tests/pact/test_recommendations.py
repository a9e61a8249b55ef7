"""Recommendations: register, read, list with filters, edit (If-Match), roles, bad input."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.pact.helpers import counts, create_event, create_pcg, create_rec, rec_body


def test_register_generates_a_readable_code(
    client: FlaskClient, coordinator: Account, donor: Account, focal_tj: Account
) -> None:
    event = create_event(client, coordinator)
    first = create_rec(client, coordinator, event["id"])
    assert first["code"] == "EWG-2023-SOFIA/1"
    assert first["pillar"] == "precursors"  # the event's
    assert first["state"] == "proposed" and first["follow_up"] == "not_started"
    assert first["event"]["id"] == event["id"] and first["endorsed_by"] is None
    assert [t["slug"] for t in first["themes"]] == ["precursor-control"]
    assert first["addressees"] == ["governments", "unodc"]
    assert first["illustrative"] is False
    assert first["projects"] == [] and first["budgets"] == [] and first["latest_note"] is None
    second = create_rec(client, coordinator, event["id"], text_en=None, text_ru="Текст.")
    assert second["code"] == "EWG-2023-SOFIA/2" and second["text_ru"] == "Текст."
    pcg = create_pcg(client, coordinator)
    named = create_rec(client, coordinator, pcg["id"], pillar="financial_flows", code="PP-7")
    assert named["code"] == "PP-7" and named["pillar"] == "financial_flows"
    numbered = create_rec(client, coordinator, pcg["id"], pillar="financial_flows")
    assert numbered["code"] == "PCG-2023-17/1"
    for account in (donor, focal_tj):
        read = client.get(f"/api/v1/recommendations/{first['id']}", headers=account.headers)
        assert read.status_code == 200 and read.headers["ETag"] == f'"{first["id"]}-1"'


def test_only_coordinators_and_admins_write(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    coordinator: Account,
    donor: Account,
    focal_tj: Account,
    viewer: Account,
) -> None:
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    rec = create_rec(client, admin, event["id"])
    url = f"/api/v1/recommendations/{rec['id']}"
    before = counts(app)
    for account in (donor, focal_tj, viewer):
        created = client.post(
            "/api/v1/recommendations", json=rec_body(event["id"]), headers=account.headers
        )
        assert created.status_code == 403
        patched = client.patch(
            url, json={"text_en": "x"}, headers={**account.headers, "If-Match": rec["_etag"]}
        )
        assert patched.status_code == 403
        state = client.post(
            url + "/state",
            json={"state": "endorsed", "endorsed_by": pcg["id"]},
            headers=account.headers,
        )
        assert state.status_code == 403, account.role
        assert state.json["error"]["code"] == "forbidden"
        assert "state" in state.json["error"]["message"]
        follow = client.post(
            url + "/follow-up", json={"status": "under_way", "note": "x"}, headers=account.headers
        )
        assert follow.status_code == 403
        assert client.get(url, headers=account.headers).status_code == 200
        assert client.get(url + "/history", headers=account.headers).status_code == 200
    assert counts(app) == before
    assert client.get(url, headers=coordinator.headers).json["state"] == "proposed"


def test_bad_input_is_refused_clearly_and_nothing_written(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    before = counts(app)
    cases = [
        ({"pillar": "drugs"}, "pillar", "Unknown pillar 'drugs': use one of regional_initiatives"),
        ({"text_en": None}, "text_en", "in English, in Russian, or in both"),
        ({"text_en": "  "}, "text_ru", "in English, in Russian, or in both"),
        ({"event_id": 9999}, "event_id", "No event with id 9999"),
        ({"themes": ["nope"]}, "themes", "nope"),
        ({"countries": ["XX"]}, "countries", "XX"),
        ({"addressees": ["everyone"]}, "addressees", "Unknown addressee 'everyone'"),
        ({"routes": ["western"]}, "routes", "Unknown route"),
        ({"code": "has space"}, "code", "A code is"),
        ({"illustrative": 1}, "illustrative", ""),
    ]
    for change, field, words in cases:
        answer = client.post(
            "/api/v1/recommendations",
            json={**rec_body(event["id"]), **change},
            headers=coordinator.headers,
        )
        assert answer.status_code == 422, (change, answer.json)
        details = answer.json["error"]["details"]
        assert any(key.startswith(field) for key in details), (change, details)
        assert words in str(details), (change, details)
    # A PCG names no pillar: the recommendation must.
    no_pillar = client.post(
        "/api/v1/recommendations", json=rec_body(pcg["id"]), headers=coordinator.headers
    )
    assert no_pillar.status_code == 422
    assert "Give the pillar" in str(no_pillar.json["error"]["details"]["pillar"])
    assert counts(app) == before
    create_rec(client, coordinator, event["id"], code="PP-1")
    taken = client.post(
        "/api/v1/recommendations",
        json=rec_body(event["id"], code="PP-1"),
        headers=coordinator.headers,
    )
    assert taken.status_code == 409 and "PP-1" in taken.json["error"]["message"]


def test_edit_with_if_match_and_history(
    client: FlaskClient, coordinator: Account, admin: Account
) -> None:
    event = create_event(client, coordinator)
    rec = create_rec(client, coordinator, event["id"])
    url = f"/api/v1/recommendations/{rec['id']}"
    assert client.patch(url, json={"text_ru": "x"}, headers=coordinator.headers).status_code == 428
    changed = client.patch(
        url,
        json={
            "text_ru": "Усилить расследования.",
            "countries": ["TJ", "AF"],
            "routes": ["northern"],
        },
        headers={**admin.headers, "If-Match": rec["_etag"]},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["version"] == 2
    assert [c["code"] for c in changed.json["countries"]] == ["AF", "TJ"]
    stale = client.patch(
        url, json={"text_ru": "y"}, headers={**admin.headers, "If-Match": rec["_etag"]}
    )
    assert stale.status_code == 412
    emptied = client.patch(
        url, json={"text_en": None, "text_ru": None}, headers={**admin.headers, "If-Match": "*"}
    )
    assert emptied.status_code == 422
    unknown = client.patch(
        url, json={"pillar": "drugs"}, headers={**admin.headers, "If-Match": "*"}
    )
    assert unknown.status_code == 422 and "Unknown pillar" in str(unknown.json["error"]["details"])
    same = client.patch(
        url, json={"routes": ["northern"]}, headers={**admin.headers, "If-Match": "*"}
    )
    assert same.status_code == 200 and same.json["version"] == 2
    history = client.get(url + "/history", headers=coordinator.headers).json
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[0]["actor"]["id"] == coordinator.id
    assert history[0]["changes"]["state"] == {"old": None, "new": "proposed"}
    assert history[1]["actor"]["id"] == admin.id
    assert history[1]["changes"]["countries"] == {"old": ["TJ"], "new": ["AF", "TJ"]}
    assert history[1]["changes"]["text_ru"] == {"old": None, "new": "Усилить расследования."}
    assert set(history[1]["changes"]) == {"text_ru", "countries", "routes"}


def test_filters(client: FlaskClient, coordinator: Account) -> None:
    sofia = create_event(client, coordinator)
    ankara = create_event(
        client, coordinator, place="Ankara", pillar="financial_flows", countries=["TR"], routes=[]
    )
    pcg = create_pcg(client, coordinator)
    a = create_rec(client, coordinator, sofia["id"], routes=["balkan"])
    b = create_rec(
        client,
        coordinator,
        ankara["id"],
        text_en="Trace virtual assets of opiate traffickers.",
        text_ru="Отслеживать виртуальные активы.",
        themes=["financial-flows"],
        countries=["AF"],
    )
    c = create_rec(client, coordinator, sofia["id"], text_en="Withdrawn one.")
    client.post(
        f"/api/v1/recommendations/{b['id']}/state",
        json={"state": "endorsed", "endorsed_by": pcg["id"]},
        headers=coordinator.headers,
    )
    client.post(
        f"/api/v1/recommendations/{c['id']}/state",
        json={"state": "withdrawn"},
        headers=coordinator.headers,
    )

    def ids(query: str) -> list[int]:
        answer = client.get(f"/api/v1/recommendations?{query}", headers=coordinator.headers)
        assert answer.status_code == 200, answer.json
        return [r["id"] for r in answer.json["items"]]

    assert ids("") == [b["id"], a["id"]]  # by code; withdrawn left out
    assert ids("state=withdrawn") == [c["id"]]
    assert ids("state=endorsed") == [b["id"]]
    assert ids("pillar=precursors") == [a["id"]]
    assert ids("theme=financial-flows") == [b["id"]]
    assert ids("country=af") == [b["id"]]
    assert ids("route=balkan") == [a["id"]]
    assert ids(f"event={pcg['id']}") == [b["id"]]  # endorsed by it
    assert ids(f"event={sofia['id']}") == [a["id"]]
    assert ids("follow_up=not_started") == [b["id"], a["id"]]
    assert ids("q=VIRTUAL assets") == [b["id"]]
    assert ids("q=виртуальные") == [b["id"]]
    assert ids("q=backtracking") == [a["id"]]
    for query, field in (
        ("pillar=drugs", "pillar"),
        ("country=XX", "country"),
        ("event=999", "event"),
    ):
        bad = client.get(f"/api/v1/recommendations?{query}", headers=coordinator.headers)
        assert bad.status_code == 422, query
        assert any(key.startswith(field) for key in bad.json["error"]["details"])
