"""The needs API proposes, in its answer, the projects that likely serve the need written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account
from tests.coverage.conftest import BORDER_NEED, UNSERVED_NEED, links_of
from tests.needs.helpers import need_body


def _post(client: FlaskClient, account: Account, **fields: Any) -> Any:
    body = need_body(start_date="2025-01-01", end_date="2027-12-31", **fields)
    response = client.post("/api/v1/needs", json=body, headers=account.headers)
    assert response.status_code == 201, response.json
    return response


def test_registering_a_need_answers_and_stores_its_suggested_projects(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    answer = _post(client, coordinator, **BORDER_NEED).json
    [suggested] = answer["suggested_projects"]
    assert suggested["state"] == "suggested"
    assert suggested["project"]["id"] == project["id"]
    assert suggested["score"] >= 50
    assert {r["field"] for r in suggested["reasons"]} >= {"words", "themes", "countries"}
    # Stored: the need's links list the same suggestion.
    [stored] = links_of(client, coordinator.headers, f"/api/v1/needs/{answer['id']}/links")
    assert stored["id"] == suggested["id"]


def test_a_need_no_project_serves_answers_an_empty_list(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> None:
    register()
    answer = _post(client, coordinator, **UNSERVED_NEED).json
    assert answer["suggested_projects"] == []


def test_a_met_need_keeps_no_pending_suggestion_and_reopened_is_matched_again(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> None:
    register()
    response = _post(client, coordinator, **BORDER_NEED)
    need = response.json
    path = f"/api/v1/needs/{need['id']}"
    met = client.post(
        path + "/state", json={"state": "met", "note": "Funded."}, headers=coordinator.headers
    )
    assert met.status_code == 200, met.json
    assert met.json["suggested_projects"] == []
    assert links_of(client, coordinator.headers, path + "/links") == []
    reopened = client.post(path + "/state", json={"state": "open"}, headers=coordinator.headers)
    assert [s["project"]["code"] for s in reopened.json["suggested_projects"]] != []


def test_an_edit_of_the_words_refreshes_the_suggestions(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> None:
    register()
    response = _post(client, coordinator, **UNSERVED_NEED)
    assert response.json["suggested_projects"] == []
    edited = client.patch(
        f"/api/v1/needs/{response.json['id']}",
        json={k: BORDER_NEED[k] for k in ("title", "description", "themes")},
        headers={**coordinator.headers, "If-Match": response.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.json
    assert len(edited.json["suggested_projects"]) == 1
    # A change of the priority alone keeps them as they are.
    again = client.patch(
        f"/api/v1/needs/{response.json['id']}",
        json={"priority": "low"},
        headers={**coordinator.headers, "If-Match": edited.headers["ETag"]},
    )
    assert again.json["suggested_projects"] == edited.json["suggested_projects"]
