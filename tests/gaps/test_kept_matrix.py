"""The kept matrix, brought up to date after each kind of write, equals one computed whole; and
it recomputes the project figures of the countries a write touched, not the others."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adam.coverage.models import CoverageLink, LinkState
from adam.duplicates.models import DuplicateAlert
from adam.gaps import matrix as kept_matrix
from adam.gaps import service as gaps_service
from adam.projects.facts import refresh_facts
from adam.projects.models import project_fact_version
from adam.session import new_session
from tests.conftest import Account
from tests.gaps.conftest import TODAY, World, open_alert
from tests.needs.helpers import need_body


@pytest.fixture()
def recomputed(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[set[str] | None]]:
    """The countries whose project figures each request recomputed (None: all), once the
    matrix is kept; a whole recomputation fails the test."""
    gaps_service.clear_cache()
    # The world's helpers clear the cache after each write; these tests must not.
    monkeypatch.setattr(gaps_service, "clear_cache", lambda: None)
    with new_session(app) as session:
        for by in ("theme", "pillar"):
            gaps_service.matrix(session, by=by, today=TODAY)
    calls: list[set[str] | None] = []
    real = kept_matrix.project_cells

    def spy(session: Any, **kwargs: Any) -> Any:
        countries = kwargs.get("countries")
        calls.append(None if countries is None else set(countries))
        return real(session, **kwargs)

    def whole(*args: Any) -> Any:
        raise AssertionError("the matrix was computed whole")

    monkeypatch.setattr(kept_matrix, "project_cells", spy)
    monkeypatch.setattr(kept_matrix, "_whole", whole)
    yield calls
    kept_matrix.clear_cache()


def assert_up_to_date(app: Flask, today: dt.date = TODAY) -> None:
    with new_session(app) as session:
        for by in ("theme", "pillar"):
            kept = gaps_service.matrix(session, by=by, today=today)
            assert kept == gaps_service.compute_matrix(session, by=by, today=today), by
            assert gaps_service.matrix(session, by=by, today=today) is kept  # nothing new


def test_a_project_registered_edited_and_withdrawn(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    world: World,
    register: Any,
    recomputed: list[set[str] | None],
) -> None:
    register(
        title="Border liaison office in Osh",
        description="A liaison office with two donors.",
        countries=["KG"],
        themes=["border-control"],
        donors=["gb-fcdo", "us-inl"],
        end_date=None,
    )
    assert_up_to_date(app)
    assert recomputed == [{"KG"}, {"KG"}]  # by theme, by pillar

    recomputed.clear()
    p5 = world.projects["p5"]  # AF, moved to UZ: both change
    response = client.patch(
        f"/api/v1/projects/{p5['id']}",
        json={"countries": ["UZ"]},
        headers={**coordinator.headers, "If-Match": p5["_etag"]},
    )
    assert response.status_code == 200, response.json
    assert_up_to_date(app)
    assert recomputed == [{"AF", "UZ"}, {"AF", "UZ"}]

    recomputed.clear()
    p1 = world.projects["p1"]
    response = client.delete(
        f"/api/v1/projects/{p1['id']}", headers={**coordinator.headers, "If-Match": p1["_etag"]}
    )
    assert response.status_code in (200, 204), response.json
    assert_up_to_date(app)
    assert recomputed == [{"TJ"}, {"TJ"}]


def test_a_need_registered_and_its_state_changed(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    world: World,
    recomputed: list[set[str] | None],
) -> None:
    response = client.post(
        "/api/v1/needs", json=need_body(priority="high"), headers=coordinator.headers
    )
    assert response.status_code == 201, response.json
    assert_up_to_date(app)
    response = client.post(
        f"/api/v1/needs/{world.ids['n1']}/state",
        json={"state": "met", "note": "Scanners delivered."},
        headers=coordinator.headers,
    )
    assert response.status_code == 200, response.json
    assert_up_to_date(app)
    assert recomputed == [set(), set()] * 2  # no project figures to read again


def test_a_link_confirmed(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    world: World,
    recomputed: list[set[str] | None],
) -> None:
    with new_session(app) as session:
        link_id = session.scalar(
            select(CoverageLink.id).where(
                CoverageLink.need_id == world.ids["n1"], CoverageLink.state == LinkState.SUGGESTED
            )
        )
        before = gaps_service.matrix(session, by="theme", today=TODAY)
    assert before.cells[("TJ", "border-control")].unassisted_high_needs == 2
    response = client.post(
        f"/api/v1/links/{link_id}/confirm", json={"note": "Serves it."}, headers=coordinator.headers
    )
    assert response.status_code == 200, response.json
    assert_up_to_date(app)
    with new_session(app) as session:
        after = gaps_service.matrix(session, by="theme", today=TODAY)
    assert after.cells[("TJ", "border-control")].unassisted_high_needs == 1


def test_a_duplicate_alert_opened_and_resolved(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    world: World,
    recomputed: list[set[str] | None],
) -> None:
    ids = {name: p["id"] for name, p in world.projects.items()}
    open_alert(app, ids["p2"], ids["p6"])
    assert_up_to_date(app)
    with new_session(app) as session:
        cell = gaps_service.matrix(session, by="theme", today=TODAY).cells[("TJ", "border-control")]
        alert_id = session.scalar(
            select(DuplicateAlert.id).where(
                DuplicateAlert.project_a_id == min(ids["p2"], ids["p6"]),
                DuplicateAlert.project_b_id == max(ids["p2"], ids["p6"]),
            )
        )
    assert cell.duplicate_alerts == 2
    response = client.post(
        f"/api/v1/alerts/{alert_id}/resolution",
        json={"resolution": "related"},
        headers=coordinator.headers,
    )
    assert response.status_code == 200, response.json
    assert_up_to_date(app)
    assert recomputed == [set(), set()] * 2


def test_today_moving_on_and_back(
    app: Flask, world: World, recomputed: list[set[str] | None]
) -> None:
    """p6 (TJ) ends in 30 days, p4 (TJ) ended yesterday: only TJ is read again."""
    later = TODAY + dt.timedelta(days=31)
    assert_up_to_date(app, later)
    assert recomputed == [{"TJ"}, {"TJ"}]
    with new_session(app) as session:
        cell = gaps_service.matrix(session, by="theme", today=later).cells[("TJ", "border-control")]
    assert cell.projects == 2  # p1 and p2 left
    recomputed.clear()
    assert_up_to_date(app, TODAY - dt.timedelta(days=2))
    assert recomputed == [{"TJ"}, {"TJ"}]


def test_the_numbers_move_with_the_commit_only(
    app: Flask, client: FlaskClient, coordinator: Account, world: World, register: Any
) -> None:
    def versions() -> dict[str, int]:
        with new_session(app) as session:
            return dict(
                session.execute(
                    select(project_fact_version.c.country_code, project_fact_version.c.version)
                ).all()
            )

    before = versions()
    register(countries=["TJ", "AF"], themes=["border-control"], end_date=None)
    after = versions()
    assert after["TJ"] == before["TJ"] + 1 and after["AF"] == before["AF"] + 1
    assert {k: v for k, v in after.items() if k not in ("TJ", "AF")} == {
        k: v for k, v in before.items() if k not in ("TJ", "AF")
    }
    # Refused (an unknown theme): nothing written, no number raised.
    response = client.post(
        "/api/v1/projects",
        json={"title": "x", "countries": ["TJ"], "themes": ["no-such-theme"]},
        headers=coordinator.headers,
    )
    assert response.status_code == 422
    with new_session(app) as session:  # facts refreshed, then rolled back
        refresh_facts(session, [world.projects["p1"]["id"]])
        session.rollback()
        session.commit()
    assert versions() == after
