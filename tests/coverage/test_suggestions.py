"""The matcher proposes the live projects that likely serve a need or a recommendation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adam.needs.models import NeedState
from adam.pact.models import RecommendationState
from tests.conftest import Account
from tests.coverage.conftest import BORDER_NEED, UNSERVED_NEED, links_of, stored_links


def test_a_need_is_suggested_the_project_that_serves_it_with_reasons(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    project = register()
    register(
        **{
            "title": "Prison reform in Dushanbe",
            "description": "Prison reform.",
            "themes": ["judicial-cooperation"],
        }
    )
    need_id = make_need(**BORDER_NEED)
    [link] = links_of(client, coordinator.headers, f"/api/v1/needs/{need_id}/links")
    assert link["state"] == "suggested"
    assert link["project"]["id"] == project["id"]
    assert link["need_id"] == need_id and link["recommendation_id"] is None
    assert 50 <= link["score"] <= 100
    fields = {r["field"]: r["detail"] for r in link["reasons"]}
    assert "border" in fields["words"] and "blo" in fields["words"]  # liaison offices
    assert fields["themes"] == "same theme: border-control"
    assert fields["countries"] == "same country: TJ"
    assert fields["dates"].startswith("periods overlap 2025-03")
    assert link["target"]["kind"] == "need" and link["target"]["country"] == "TJ"
    # The API's reasons keep their three fields; the stored ones also hold what they name,
    # for pages to say it in their reader's language.
    assert all(set(r) == {"field", "score", "detail"} for r in link["reasons"])
    stored = {r["field"]: r for r in stored_links(app)[0].reasons}
    assert "border" in stored["words"]["words"] and "BLO" in stored["words"]["words"]
    assert stored["words"]["more"] == 0
    assert stored["themes"]["themes"] == ["border-control"]
    assert stored["countries"]["countries"] == ["TJ"]
    assert stored["dates"]["from"] == "2025-03"
    assert len(stored["title"]["titles"]) == 2
    # The project's side lists it too.
    [same] = links_of(client, coordinator.headers, f"/api/v1/projects/{project['id']}/links")
    assert same["id"] == link["id"]


def test_a_need_no_project_answers_gets_no_suggestion(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    register()
    need_id = make_need(**UNSERVED_NEED)
    found = links_of(client, coordinator.headers, f"/api/v1/needs/{need_id}/links")
    assert found == [], [(x["score"], x["reasons"]) for x in found]


def test_a_project_of_another_country_or_period_is_not_suggested(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    register()
    elsewhere = make_need(**{**BORDER_NEED, "country": "AF"})
    later = make_need(**BORDER_NEED, start=dt.date(2030, 1, 1), end=dt.date(2031, 1, 1))
    assert links_of(client, coordinator.headers, f"/api/v1/needs/{elsewhere}/links") == []
    assert links_of(client, coordinator.headers, f"/api/v1/needs/{later}/links") == []


def test_a_met_need_gets_no_suggestion(
    app: Flask, register: Callable[..., dict[str, Any]], make_need: Callable[..., int]
) -> None:
    register()
    make_need(**BORDER_NEED, state=NeedState.MET)
    assert stored_links(app) == []


def test_a_recommendation_is_suggested_projects_running_after_its_event(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_recommendation: Callable[..., int],
) -> None:
    running = register()
    register(start_date="2019-01-01", end_date="2020-12-31")  # over before the event
    text = "Strengthen border liaison offices between Tajikistan and Afghanistan."
    # No countries named: any country.
    rec_id = make_recommendation(text=text, themes=["border-control"])
    [link] = links_of(client, coordinator.headers, f"/api/v1/recommendations/{rec_id}/links")
    assert link["project"]["id"] == running["id"]
    fields = {r["field"]: r["detail"] for r in link["reasons"]}
    assert "blo" in fields["words"] and fields["countries"] == "any country"
    assert link["target"] == {
        "kind": "recommendation",
        "id": rec_id,
        "code": link["target"]["code"],
        "title": text,
        "state": "endorsed",
        "url": f"/api/v1/recommendations/{rec_id}",
    }
    # Named countries: only their projects.
    other = make_recommendation(text=text, themes=["border-control"], countries=["AF"])
    assert links_of(client, coordinator.headers, f"/api/v1/recommendations/{other}/links") == []


def test_a_withdrawn_recommendation_gets_no_suggestion(
    app: Flask, register: Callable[..., dict[str, Any]], make_recommendation: Callable[..., int]
) -> None:
    register()
    make_recommendation(
        text="Strengthen border liaison offices on the Tajik-Afghan border.",
        state=RecommendationState.WITHDRAWN,
    )
    assert stored_links(app) == []
