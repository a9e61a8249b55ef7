"""Saving a recommendation proposes the projects that likely serve it, as saving a need does;
a withdrawn one keeps no pending suggestion, and an edit of its words matches it afresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account
from tests.coverage.conftest import links_of
from tests.pact.helpers import create_event, create_rec

BORDER = "Strengthen the border liaison offices on the Tajik-Afghan border."
TREATMENT = "Open opioid substitution therapy in the prisons of Khatlon."


def test_registering_answers_and_stores_the_projects_that_serve_it(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> None:
    project = register()
    event = create_event(client, coordinator, pillar="regional_initiatives")
    rec = create_rec(client, coordinator, event["id"], text_en=BORDER, themes=["border-control"])
    [suggested] = rec["suggested_projects"]
    assert suggested["project"]["id"] == project["id"] and suggested["state"] == "suggested"
    assert {r["field"] for r in suggested["reasons"]} >= {"words", "themes"}
    path = f"/api/v1/recommendations/{rec['id']}/links"
    assert [s["id"] for s in links_of(client, coordinator.headers, path)] == [suggested["id"]]
    # The answer is still the recommendation with its follow-up.
    assert rec["code"] and rec["projects"] == [] and rec["state"] == "proposed"


def test_an_edit_of_the_words_refreshes_and_a_withdrawal_drops_them(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> None:
    register()
    event = create_event(client, coordinator, pillar="regional_initiatives")
    rec = create_rec(
        client, coordinator, event["id"], text_en=TREATMENT, themes=["demand-reduction"]
    )
    assert rec["suggested_projects"] == []
    path = f"/api/v1/recommendations/{rec['id']}"
    edited = client.patch(
        path,
        json={"text_en": BORDER, "themes": ["border-control"]},
        headers={**coordinator.headers, "If-Match": rec["_etag"]},
    )
    assert edited.status_code == 200, edited.json
    assert len(edited.json["suggested_projects"]) == 1
    withdrawn = client.post(
        path + "/state", json={"state": "withdrawn", "note": "Merged."}, headers=coordinator.headers
    )
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["suggested_projects"] == []
    assert links_of(client, coordinator.headers, path + "/links") == []
