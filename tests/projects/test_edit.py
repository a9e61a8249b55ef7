"""Editing with If-Match, history, withdrawal and restore."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account


def _patch(
    client: FlaskClient, account: Account, project: dict[str, Any], etag: str, **changes: Any
):
    return client.patch(
        f"/api/v1/projects/{project['id']}",
        json=changes,
        headers={**account.headers, "If-Match": etag},
    )


def test_patch_with_current_etag_changes_fields_and_bumps_version(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    project = register()
    response = _patch(
        client,
        coordinator,
        project,
        project["_etag"],
        title="Border liaison offices, Khatlon",
        countries=["TJ", "AF"],
        budget={"amount": "1300000", "currency": "EUR"},
    )
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2
    assert response.headers["ETag"] == f'"{project["id"]}-2"'
    assert [c["code"] for c in response.json["countries"]] == ["AF", "TJ"]
    assert response.json["budget"] == {"amount": "1300000.00", "currency": "EUR"}
    assert response.json["donors"] == project["donors"]


def test_stale_etag_gets_412_and_changes_nothing(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    project = register()
    assert (
        _patch(client, coordinator, project, project["_etag"], status="suspended").status_code
        == 200
    )
    stale = _patch(client, coordinator, project, project["_etag"], title="Overwritten")
    assert stale.status_code == 412
    assert stale.json["error"]["code"] == "precondition_failed"
    current = client.get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers).json
    assert current["title"] == project["title"]
    assert current["status"] == "suspended"


def test_patch_without_if_match_is_refused(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    project = register()
    response = client.patch(
        f"/api/v1/projects/{project['id']}", json={"title": "x"}, headers=coordinator.headers
    )
    assert response.status_code == 428
    assert response.json["error"]["code"] == "precondition_required"


def test_concurrent_writers_with_one_etag_exactly_one_wins(
    app: Flask, coordinator: Account, register: Any
) -> None:
    project = register()
    barrier = threading.Barrier(4)
    results: list[int] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        response = _patch(client, coordinator, project, project["_etag"], title=f"Writer {n}")
        with lock:
            results.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [200, 412, 412, 412]
    final = app.test_client().get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers)
    assert final.json["version"] == 2
    assert final.json["title"].startswith("Writer ")


def test_history_records_create_and_each_change_with_old_and_new_values(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    project = register()
    _patch(client, coordinator, project, project["_etag"], status="closed", themes=["forensics"])
    history = client.get(f"/api/v1/projects/{project['id']}/history", headers=coordinator.headers)
    assert history.status_code == 200
    created, changed = history.json
    assert created["action"] == "create" and created["version"] == 1
    assert created["actor"]["email"] == coordinator.email
    assert created["changes"]["title"] == {"old": None, "new": project["title"]}
    assert changed["action"] == "update" and changed["version"] == 2
    assert changed["changes"] == {
        "status": {"old": "implementation", "new": "closed"},
        "themes": {"old": ["border-control"], "new": ["forensics"]},
    }


def test_patch_that_changes_nothing_keeps_the_version(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    project = register()
    response = _patch(client, coordinator, project, project["_etag"], title=project["title"])
    assert response.status_code == 200
    assert response.json["version"] == 1
    history = client.get(f"/api/v1/projects/{project['id']}/history", headers=coordinator.headers)
    assert len(history.json) == 1


def test_withdraw_hides_keeps_and_restore_brings_back(
    client: FlaskClient, coordinator: Account, make_user: Any, register: Any
) -> None:
    project = register()
    viewer = make_user("viewer")
    url = f"/api/v1/projects/{project['id']}"
    assert client.delete(url, headers=coordinator.headers).status_code == 204
    assert client.get(url, headers=viewer.headers).status_code == 404
    assert client.get("/api/v1/projects", headers=viewer.headers).json["total"] == 0
    kept = client.get(url, headers=coordinator.headers)
    assert kept.status_code == 200 and kept.json["withdrawn_at"] is not None
    listed = client.get("/api/v1/projects?withdrawn=true", headers=coordinator.headers).json
    assert [p["id"] for p in listed["items"]] == [project["id"]]
    restored = client.post(f"{url}/restore", headers=coordinator.headers)
    assert restored.status_code == 200 and restored.json["withdrawn_at"] is None
    assert client.get(url, headers=viewer.headers).status_code == 200
    actions = [h["action"] for h in client.get(f"{url}/history", headers=coordinator.headers).json]
    assert actions == ["create", "withdraw", "restore"]


def test_withdraw_with_stale_etag_is_refused(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    project = register()
    _patch(client, coordinator, project, project["_etag"], status="closed")
    response = client.delete(
        f"/api/v1/projects/{project['id']}",
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert response.status_code == 412
    assert client.get("/api/v1/projects", headers=coordinator.headers).json["total"] == 1


def test_if_none_match_answers_304_for_the_current_version(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    project = register()
    url = f"/api/v1/projects/{project['id']}"
    response = client.get(url, headers={**coordinator.headers, "If-None-Match": project["_etag"]})
    assert response.status_code == 304
