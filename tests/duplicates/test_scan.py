"""``adam duplicates scan`` and ``adam duplicates reindex`` over projects stored without a check.

Projects here are stored through the projects service alone, as a bulk load would: no index
row, no duplicate check, no alert. The scan must raise the alerts a registration would have.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from adam.auth.actor import Actor
from adam.cli import main
from adam.duplicates import check as duplicates_check
from adam.duplicates.models import DuplicateAlert, ProjectSearch
from adam.projects import service as projects_service
from adam.projects.schemas import ProjectInSchema
from adam.session import get_settings, new_session
from tests.conftest import Account, project_body
from tests.duplicates.conftest import TWIN_TITLE, UNRELATED, listed, pair, stored_alerts

REPORT = re.compile(
    r"Scanned (\d+) project-country entries \((\d+) newly indexed\), "
    r"scored (\d+) pairs, raised (\d+) new alerts\."
)
AF = {
    "title": "Mobile detection teams at the Hairatan border crossing",
    "description": "Sniffer dogs and container scanners for mobile teams at Hairatan.",
    "countries": ["AF"],
    "donors": ["us-inl"],
}
AF_TWIN = {**AF, "title": "Hairatan border crossing mobile detection teams"}


def _run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _scan(app: Flask, *args: str) -> dict[str, int]:
    output = _run(app, "duplicates", "scan", *args)
    match = REPORT.search(output)
    assert match, output
    entries, indexed, scored, raised = (int(g) for g in match.groups())
    return {"entries": entries, "indexed": indexed, "scored": scored, "raised": raised}


@pytest.fixture()
def store(app: Flask, orgs: dict[str, str], coordinator: Account) -> Callable[..., int]:
    """Store a project as a bulk load would (no index row, no check); return its id."""
    actor = Actor(user_id=coordinator.id, email=coordinator.email, role=coordinator.role)

    def make(**overrides: Any) -> int:
        with app.app_context(), new_session(app) as session:
            data = ProjectInSchema().load(project_body(**overrides))
            project = projects_service.register_project(session, actor=actor, data=data)
            session.commit()
            return project.id

    return make


def _indexed(app: Flask) -> set[int]:
    with new_session(app) as session:
        return set(session.scalars(select(ProjectSearch.project_id)))


def _withdraw(client: FlaskClient, account: Account, project_id: int) -> None:
    response = client.delete(f"/api/v1/projects/{project_id}", headers=account.headers)
    assert response.status_code == 204


def test_scan_raises_the_missing_alerts_once(
    app: Flask, client: FlaskClient, coordinator: Account, store: Callable[..., int]
) -> None:
    tj = [store(), store(title=TWIN_TITLE)]
    af = [store(**AF), store(**AF_TWIN)]
    store(**UNRELATED)  # same implementer, another subject: no alert
    store(title=TWIN_TITLE, status="cancelled")
    withdrawn = store(title=TWIN_TITLE)
    _withdraw(client, coordinator, withdrawn)
    store(title=TWIN_TITLE, countries=["KG"])  # the same text in another country
    assert stored_alerts(app) == {} and _indexed(app) == set()

    report = _scan(app)

    assert report["raised"] == 2 and report["indexed"] == 8
    assert report["entries"] == 6  # live project-country entries: TJ 3 (+1 unrelated), AF 2, KG 1
    alerts = stored_alerts(app)
    assert set(alerts) == {pair(*tj), pair(*af)}
    assert {a.status for a in alerts.values()} == {"open"}
    assert all(a.score >= get_settings(app).matcher.threshold for a in alerts.values())
    assert all(any(r["field"] == "title" for r in a.reasons) for a in alerts.values())

    again = _scan(app)
    assert again["raised"] == 0 and again["indexed"] == 0
    assert set(stored_alerts(app)) == set(alerts)


def test_scan_shows_a_progress_bar_on_stderr(app: Flask, store: Callable[..., int]) -> None:
    store()
    store(title=TWIN_TITLE)
    result = app.test_cli_runner().invoke(main, ["duplicates", "scan"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Scanning" in result.stderr and "raised 1 new alerts" in result.stdout


def test_scan_country_limits_it(app: Flask, store: Callable[..., int]) -> None:
    tj = [store(), store(title=TWIN_TITLE)]
    af = [store(**AF), store(**AF_TWIN)]

    only_af = _scan(app, "--country", "AF")
    assert only_af["raised"] == 1 and only_af["entries"] == 2
    assert set(stored_alerts(app)) == {pair(*af)}

    only_tj = _scan(app, "--country", "tj")
    assert only_tj["raised"] == 1
    assert set(stored_alerts(app)) == {pair(*af), pair(*tj)}
    assert _scan(app)["raised"] == 0


def test_scan_of_a_country_with_nothing_in_it(app: Flask, store: Callable[..., int]) -> None:
    store()
    store(title=TWIN_TITLE)
    assert _scan(app, "--country", "UZ") == {"entries": 0, "indexed": 2, "scored": 0, "raised": 0}
    assert stored_alerts(app) == {}


def test_scan_country_finds_pairs_that_also_share_another_country(
    app: Flask, store: Callable[..., int]
) -> None:
    both = [store(countries=["TJ", "AF"]), store(title=TWIN_TITLE, countries=["TJ", "AF"])]
    report = _scan(app, "--country", "TJ")
    assert report["raised"] == 1
    assert set(stored_alerts(app)) == {pair(*both)}


def test_a_pair_sharing_two_countries_gets_one_alert_from_a_full_scan(
    app: Flask, store: Callable[..., int]
) -> None:
    both = [store(countries=["TJ", "AF"]), store(title=TWIN_TITLE, countries=["AF", "TJ"])]
    report = _scan(app)
    assert report["raised"] == 1 and report["entries"] == 4
    assert set(stored_alerts(app)) == {pair(*both)}


def test_scan_reraises_deleted_alerts_and_reindexes_deleted_rows(
    app: Flask, register: Callable[..., dict[str, Any]]
) -> None:
    first = register()
    second = register(title=TWIN_TITLE)
    assert set(stored_alerts(app)) == {pair(first["id"], second["id"])}
    with new_session(app) as session:
        session.execute(delete(DuplicateAlert))
        session.execute(delete(ProjectSearch).where(ProjectSearch.project_id == first["id"]))
        session.commit()

    report = _scan(app)

    assert report["raised"] == 1 and report["indexed"] == 1
    assert set(stored_alerts(app)) == {pair(first["id"], second["id"])}
    assert _indexed(app) == {first["id"], second["id"]}


def test_scan_leaves_resolved_pairs_alone(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> None:
    first = register()
    second = register(title=TWIN_TITLE)
    alert_id = second["possible_duplicates"][0]["alert_id"]
    response = client.post(
        f"/api/v1/alerts/{alert_id}/resolution",
        json={"resolution": "not_duplicate"},
        headers=coordinator.headers,
    )
    assert response.status_code == 200

    assert _scan(app)["raised"] == 0

    alert = stored_alerts(app)[pair(first["id"], second["id"])]
    assert (alert.id, alert.status, alert.resolution) == (alert_id, "resolved", "not_duplicate")


def test_scan_finds_what_a_failed_check_missed(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = register()

    def fail(*_args: Any, **_kwargs: Any) -> list[int]:
        raise RuntimeError("matcher exploded")

    with monkeypatch.context() as patch:
        patch.setattr(duplicates_check, "candidate_query", fail)
        second = register(title=TWIN_TITLE)
    assert second["duplicate_check"] == "failed" and stored_alerts(app) == {}

    assert _scan(app)["raised"] == 1
    assert set(stored_alerts(app)) == {pair(first["id"], second["id"])}
    listing = client.get(f"/api/v1/alerts?project={second['id']}", headers=coordinator.headers)
    assert listing.json["total"] == 1


def test_reindex_indexes_the_projects_missing_from_the_index(
    app: Flask, backend: str, store: Callable[..., int], register: Callable[..., dict[str, Any]]
) -> None:
    stored = [store(), store(**AF)]
    assert _indexed(app) == set()

    output = _run(app, "duplicates", "reindex")

    counted = 2  # the word-count snapshot, on both backends
    assert f"Indexed 2 projects; word statistics over {counted} projects." in output
    assert _indexed(app) == set(stored)
    with new_session(app) as session:
        row = session.get(ProjectSearch, stored[0])
        assert row is not None and "border" in row.title_terms.split()
    assert "Indexed 0 projects" in _run(app, "duplicates", "reindex")

    # The index is what registration searches: a new twin now finds the stored project.
    twin = register(title=TWIN_TITLE)
    assert listed(twin) == [stored[0]]
