"""A registration answer says which open needs and endorsed recommendations the project
likely serves; each is stored as a suggested link, and decided pairs are not offered again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adam.needs.models import NeedState
from adam.pact.models import RecommendationState
from tests.conftest import Account, project_body
from tests.coverage.conftest import BORDER_NEED, UNSERVED_NEED, stored_links

REC_TEXT = "Strengthen the border liaison offices on the Tajik-Afghan border."


def test_the_registration_answer_lists_the_open_needs_and_endorsed_recommendations(
    app: Flask,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
    make_recommendation: Callable[..., int],
) -> None:
    served = make_need(**BORDER_NEED)
    make_need(**UNSERVED_NEED)
    make_need(**BORDER_NEED, state=NeedState.MET)
    make_need(**{**BORDER_NEED, "country": "AF"})
    endorsed = make_recommendation(text=REC_TEXT, themes=["border-control"], countries=["TJ"])
    make_recommendation(text=REC_TEXT, state=RecommendationState.PROPOSED)
    make_recommendation(text=REC_TEXT, countries=["AF"])

    project = register()
    serves = project["serves"]
    assert {(s["kind"], s["id"]) for s in serves} == {
        ("need", served),
        ("recommendation", endorsed),
    }
    need = next(s for s in serves if s["kind"] == "need")
    assert need["country"] == "TJ" and need["priority"] == "high" and need["state"] == "open"
    assert need["url"] == f"/api/v1/needs/{served}"
    assert need["score"] >= 50 and any(r["field"] == "words" for r in need["reasons"])
    links = {link.id: link for link in stored_links(app)}
    for item in serves:
        assert links[item["link_id"]].state == "suggested"
        assert links[item["link_id"]].project_id == project["id"]


def test_a_project_serving_nothing_says_so(
    register: Callable[..., dict[str, Any]], make_need: Callable[..., int]
) -> None:
    make_need(**UNSERVED_NEED)
    assert register()["serves"] == []


def test_a_rejected_need_is_never_offered_again(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    need_id = make_need(**BORDER_NEED)
    project = register()
    [offered] = project["serves"]
    rejected = client.post(
        f"/api/v1/links/{offered['link_id']}/reject",
        json={"note": "Another activity."},
        headers=coordinator.headers,
    )
    assert rejected.status_code == 200, rejected.json
    # An edit of the project's text suggests again: not the rejected pair.
    edited = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"description": "Equipment and training for four border liaison offices."},
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["serves"] == []
    # Nor when the need is saved again.
    from adam.needs.models import Need
    from adam.session import get_settings, new_session
    from adam.workflows import coverage

    with new_session(app) as session:
        need = session.get(Need, need_id)
        assert need is not None
        refreshed = coverage.suggest_for_need(session, need, get_settings(app).coverage)
        session.commit()
    assert refreshed.new == []
    [link] = stored_links(app)
    assert link.state == "rejected" and link.decided_by_id == coordinator.id


def test_a_confirmed_need_is_not_suggested_anew(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    make_need(**BORDER_NEED)
    project = register()
    [offered] = project["serves"]
    confirmed = client.post(
        f"/api/v1/links/{offered['link_id']}/confirm", json={}, headers=coordinator.headers
    )
    assert confirmed.status_code == 200 and confirmed.json["state"] == "confirmed"
    edited = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"title": "Border liaison offices on the Tajik-Afghan border, phase 1"},
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert edited.status_code == 200 and edited.json["serves"] == []
    [link] = stored_links(app)
    assert link.state == "confirmed"


def test_a_dry_run_of_a_registration_still_answers_without_serves(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    answer = client.post(
        "/api/v1/duplicates/check", json=project_body(), headers=coordinator.headers
    )
    assert answer.status_code == 200
    assert "serves" not in answer.json
