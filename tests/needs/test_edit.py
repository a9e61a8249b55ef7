"""Editing a need with If-Match, its state changes and its history."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.needs.helpers import counts, create


def _patch(client: FlaskClient, account: Account, need: dict[str, Any], etag: str, **changes: Any):
    return client.patch(
        f"/api/v1/needs/{need['id']}", json=changes, headers={**account.headers, "If-Match": etag}
    )


def _state(client: FlaskClient, account: Account, need: dict[str, Any], **body: Any):
    return client.post(f"/api/v1/needs/{need['id']}/state", json=body, headers=account.headers)


def _history(client: FlaskClient, account: Account, need: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/needs/{need['id']}/history", headers=account.headers)
    assert response.status_code == 200
    return response.json


def test_etag_flow(client: FlaskClient, focal_tj: Account) -> None:
    need = create(client, focal_tj)
    url = f"/api/v1/needs/{need['id']}"
    cached = client.get(url, headers={**focal_tj.headers, "If-None-Match": need["_etag"]})
    assert cached.status_code == 304
    missing = client.patch(url, json={"title": "x"}, headers=focal_tj.headers)
    assert missing.status_code == 428
    assert missing.json["error"]["code"] == "precondition_required"
    changed = _patch(client, focal_tj, need, need["_etag"], priority="low", themes=["forensics"])
    assert changed.status_code == 200, changed.json
    assert changed.json["version"] == 2
    assert changed.headers["ETag"] == f'"{need["id"]}-2"'
    assert [t["slug"] for t in changed.json["themes"]] == ["forensics"]
    stale = _patch(client, focal_tj, need, need["_etag"], title="Overwritten")
    assert stale.status_code == 412
    assert stale.json["error"]["code"] == "precondition_failed"
    other = _patch(client, focal_tj, need, f'"{need["id"] + 1}-2"', title="Overwritten")
    assert other.status_code == 412
    current = client.get(url, headers=focal_tj.headers).json
    assert current["title"] == need["title"] and current["priority"] == "low"
    any_version = _patch(client, focal_tj, need, "*", title="Dogs for Khatlon")
    assert any_version.status_code == 200 and any_version.json["version"] == 3


def test_history_of_create_update_and_state(client: FlaskClient, focal_tj: Account) -> None:
    need = create(client, focal_tj)
    _patch(
        client,
        focal_tj,
        need,
        need["_etag"],
        title="Dogs for Khatlon",
        estimated_cost={"amount": "500000", "currency": "EUR"},
    )
    response = _state(client, focal_tj, need, state="partly_met", note="UNODC covers half.")
    assert response.status_code == 200, response.json
    assert response.json["state"] == "partly_met"
    created, updated, state = _history(client, focal_tj, need)
    assert created["action"] == "create" and created["version"] == 1
    assert created["changes"]["title"] == {"old": None, "new": need["title"]}
    assert created["changes"]["themes"] == {"old": None, "new": ["border-control"]}
    assert created["actor"]["id"] == focal_tj.id
    assert updated["action"] == "update" and updated["version"] == 2
    assert updated["changes"] == {
        "title": {"old": need["title"], "new": "Dogs for Khatlon"},
        "estimated_cost": {
            "old": {"amount": "450000.00", "currency": "USD"},
            "new": {"amount": "500000.00", "currency": "EUR"},
        },
    }
    assert state["action"] == "state" and state["version"] == 3
    assert state["changes"] == {"state": {"old": "open", "new": "partly_met"}}
    assert state["note"] == "UNODC covers half."


def test_a_patch_that_changes_nothing_writes_no_history(
    client: FlaskClient, app: Flask, focal_tj: Account
) -> None:
    need = create(client, focal_tj)
    same = _patch(client, focal_tj, need, need["_etag"], title=need["title"])
    assert same.status_code == 200 and same.json["version"] == 1
    assert counts(app) == (1, 1)


def test_withdraw_and_reopen(client: FlaskClient, app: Flask, focal_tj: Account) -> None:
    need = create(client, focal_tj)
    withdrawn = _state(client, focal_tj, need, state="withdrawn", note="Funded by the budget.")
    assert withdrawn.status_code == 200 and withdrawn.json["state"] == "withdrawn"
    listed = client.get("/api/v1/needs", headers=focal_tj.headers).json
    assert listed["total"] == 0
    shown = client.get("/api/v1/needs?state=withdrawn", headers=focal_tj.headers).json
    assert [n["id"] for n in shown["items"]] == [need["id"]]
    blocked = _patch(client, focal_tj, need, withdrawn.headers["ETag"], title="x")
    assert blocked.status_code == 409
    reopened = _state(client, focal_tj, need, state="open", note="The budget fell through.")
    assert reopened.status_code == 200 and reopened.json["state"] == "open"
    assert client.get("/api/v1/needs", headers=focal_tj.headers).json["total"] == 1
    assert [h["action"] for h in _history(client, focal_tj, need)] == ["create", "state", "state"]
    # The same state again is no change.
    assert _state(client, focal_tj, need, state="open").json["version"] == reopened.json["version"]
    assert counts(app) == (1, 3)


def test_a_withdrawn_need_is_seen_only_by_those_who_may_write_it(
    client: FlaskClient,
    focal_tj: Account,
    donor: Account,
    coordinator: Account,
    make_user: Callable[..., Account],
) -> None:
    need = create(client, focal_tj)
    assert _state(client, focal_tj, need, state="withdrawn", note="Asked twice.").status_code == 200
    focal_af = make_user("focal_point", country="AF")
    for account, seen in ((focal_tj, True), (coordinator, True), (donor, False), (focal_af, False)):
        read = client.get(f"/api/v1/needs/{need['id']}", headers=account.headers)
        assert read.status_code == (200 if seen else 404), (account.role, read.json)
        links = client.get(f"/api/v1/needs/{need['id']}/links", headers=account.headers)
        assert links.status_code == (200 if seen else 404), (account.role, links.json)
        listed = client.get("/api/v1/needs?state=withdrawn", headers=account.headers).json
        assert [n["id"] for n in listed["items"]] == ([need["id"]] if seen else [])
        assert listed["total"] == (1 if seen else 0)


def test_state_with_a_stale_if_match_is_412(client: FlaskClient, focal_tj: Account) -> None:
    need = create(client, focal_tj)
    _patch(client, focal_tj, need, need["_etag"], title="Dogs")
    response = client.post(
        f"/api/v1/needs/{need['id']}/state",
        json={"state": "met"},
        headers={**focal_tj.headers, "If-Match": need["_etag"]},
    )
    assert response.status_code == 412


def test_bad_state_is_422(client: FlaskClient, app: Flask, focal_tj: Account) -> None:
    need = create(client, focal_tj)
    for body in ({"state": "closed"}, {}, {"state": "met", "extra": 1}):
        assert _state(client, focal_tj, need, **body).status_code == 422
    assert counts(app) == (1, 1)


def test_focal_point_cannot_move_a_need_to_another_country_or_touch_one(
    client: FlaskClient, app: Flask, focal_tj: Account, coordinator: Account
) -> None:
    own = create(client, focal_tj)
    moved = _patch(client, focal_tj, own, own["_etag"], country="AF")
    assert moved.status_code == 403
    afghan = create(client, coordinator, country="AF")
    assert _patch(client, focal_tj, afghan, afghan["_etag"], title="x").status_code == 403
    assert _state(client, focal_tj, afghan, state="met").status_code == 403
    assert counts(app) == (2, 2)
    # A coordinator may move it.
    assert _patch(client, coordinator, own, own["_etag"], country="AF").status_code == 200


def test_bad_patches_write_nothing(client: FlaskClient, app: Flask, focal_tj: Account) -> None:
    need = create(client, focal_tj)
    for changes, field in (
        ({"end_date": "2026-01-01"}, "end_date"),  # before the stored start
        ({"themes": ["nope"]}, "themes"),
        ({"country": "XX"}, "country"),
        ({"estimated_cost": {"currency": "USD"}}, "estimated_cost.amount"),
        ({"recommendation_id": 77}, "recommendation_id"),
        ({"state": "met"}, "state"),
        ({"illustrative": True}, "illustrative"),
    ):
        response = _patch(client, focal_tj, need, need["_etag"], **changes)
        assert response.status_code == 422, (changes, response.json)
        assert field in response.json["error"]["details"], response.json
    empty = _patch(client, focal_tj, need, need["_etag"])
    assert empty.status_code == 422
    after = client.get(f"/api/v1/needs/{need['id']}", headers=focal_tj.headers).json
    assert after["version"] == 1 and after["end_date"] == need["end_date"]
    assert counts(app) == (1, 1)


def test_cost_can_be_cleared(client: FlaskClient, focal_tj: Account) -> None:
    need = create(client, focal_tj)
    response = _patch(client, focal_tj, need, need["_etag"], estimated_cost=None)
    assert response.status_code == 200
    assert response.json["estimated_cost"] is None


def test_concurrent_writers_with_one_etag_exactly_one_wins(app: Flask, focal_tj: Account) -> None:
    need = create(app.test_client(), focal_tj)
    barrier = threading.Barrier(4)
    results: list[int] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = _patch(client, focal_tj, need, need["_etag"], title=f"Writer {n}")
        with lock:
            results.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 412, 412, 412]
    assert counts(app) == (1, 2)
