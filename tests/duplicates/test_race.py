"""Two registrations of one activity at the same moment still make exactly one alert.

Each registration checks before it commits, and checks again after (``since`` the moment it
started, minus a window); whichever commits last sees the other in that second pass, and the
pair's unique constraint keeps the two passes from raising it twice. Threads start together on
a ``threading.Barrier``; nothing waits on the clock.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from adam.auth.actor import Actor
from adam.db import utcnow
from adam.duplicates import service as duplicates_service
from adam.duplicates.index import index_project
from adam.projects import service as projects_service
from adam.projects.models import Project
from adam.projects.schemas import ProjectInSchema
from adam.session import new_session
from tests.conftest import Account, project_body
from tests.duplicates.conftest import TWIN_TITLE, listed, pair, stored_alerts

WAIT = 60  # seconds a thread waits for the other before the test fails instead of hanging


def _together(app: Flask, requests: list[tuple[Account, dict[str, Any]]]) -> list[TestResponse]:
    """POST each body as its account, all threads released at once; the responses in order."""
    barrier = threading.Barrier(len(requests))
    responses: list[TestResponse | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def run(index: int, account: Account, body: dict[str, Any]) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=WAIT)
            responses[index] = client.post("/api/v1/projects", json=body, headers=account.headers)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(i, account, body))
        for i, (account, body) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT * 2)
    assert not any(t.is_alive() for t in threads), "a registration never finished"
    assert not errors, errors
    return [r for r in responses if r is not None]


def _stored_ids(app: Flask) -> set[int]:
    with new_session(app) as session:
        return set(session.scalars(select(Project.id)))


@pytest.mark.parametrize("country", ["TJ", "KG", "UZ"])
def test_simultaneous_registrations_by_two_focal_points_make_one_alert(
    app: Flask, orgs: dict[str, str], make_user: Callable[..., Account], country: str
) -> None:
    focal_points = [make_user("focal_point", country=country) for _ in range(2)]
    bodies = [
        project_body(countries=[country]),
        project_body(countries=[country], title=TWIN_TITLE),
    ]

    responses = _together(app, list(zip(focal_points, bodies, strict=True)))

    assert [r.status_code for r in responses] == [201, 201], [r.json for r in responses]
    first, second = (r.json for r in responses)
    assert _stored_ids(app) == {first["id"], second["id"]}
    alerts = stored_alerts(app)
    assert list(alerts) == [pair(first["id"], second["id"])]
    alert_id = alerts[pair(first["id"], second["id"])].id
    # The one that committed last saw the other, in one pass or the other.
    seen = [
        d
        for written, other in ((first, second), (second, first))
        for d in written["possible_duplicates"]
        if d["project"]["id"] == other["id"]
    ]
    assert seen and {d["alert_id"] for d in seen} == {alert_id}
    assert {r.json["duplicate_check"] for r in responses} == {"done"}


def test_four_simultaneous_registrations_make_one_alert_per_pair(
    app: Flask, orgs: dict[str, str], make_user: Callable[..., Account]
) -> None:
    accounts = [make_user("focal_point", country="TJ") for _ in range(4)]
    titles = [project_body()["title"], TWIN_TITLE, TWIN_TITLE, project_body()["title"]]
    responses = _together(
        app, [(a, project_body(title=t)) for a, t in zip(accounts, titles, strict=True)]
    )
    assert [r.status_code for r in responses] == [201] * 4
    ids = [r.json["id"] for r in responses]
    assert set(stored_alerts(app)) == {pair(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]}


def test_both_first_passes_missing_each_other_are_caught_after_commit(
    app: Flask,
    backend: str,
    orgs: dict[str, str],
    make_user: Callable[..., Account],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Force the interleaving: both first checks run before either registration commits."""
    if backend == "sqlite":
        pytest.skip(
            "SQLite admits one writer at a time: the second registration's INSERT waits for the "
            "first commit, so its first check always sees the first project."
        )
    real = duplicates_service.check_project
    both_checked = threading.Barrier(2)
    first_passes: list[list[int]] = []

    def check_then_wait(*args: Any, **kwargs: Any) -> duplicates_service.CheckOutcome:
        outcome = real(*args, **kwargs)
        if kwargs.get("since") is None:
            first_passes.append([f.project["id"] for f in outcome.found])
            both_checked.wait(timeout=WAIT)
        return outcome

    monkeypatch.setattr(duplicates_service, "check_project", check_then_wait)
    focal_points = [make_user("focal_point", country="TJ") for _ in range(2)]
    # Different first countries: their code counters are different rows, so neither
    # registration waits on the other's lock before both have checked.
    bodies = [project_body(), project_body(title=TWIN_TITLE, countries=["AF", "TJ"])]

    responses = _together(app, list(zip(focal_points, bodies, strict=True)))

    assert [r.status_code for r in responses] == [201, 201], [r.json for r in responses]
    assert first_passes == [[], []]
    first, second = (r.json for r in responses)
    alerts = stored_alerts(app)
    assert list(alerts) == [pair(first["id"], second["id"])]
    assert first["id"] in listed(second) or second["id"] in listed(first)


def _actor(account: Account) -> Actor:
    return Actor(user_id=account.id, email=account.email, role=account.role)


def _register(session: Any, account: Account, **overrides: Any) -> Project:
    data = ProjectInSchema().load(project_body(**overrides))
    return projects_service.register_project(session, actor=_actor(account), data=data)


def test_check_since_sees_a_project_committed_after_the_first_check(
    app: Flask, orgs: dict[str, str], coordinator: Account
) -> None:
    settings = app.extensions["adam.matcher"]
    with app.app_context(), new_session(app) as early, new_session(app) as ours:
        # A twin stored before our registration started (indexed, never checked).
        old = _register(early, coordinator, title=TWIN_TITLE)
        index_project(early, old)
        early.commit()
        started = max(utcnow(), old.updated_at + dt.timedelta(microseconds=1))

        project = _register(ours, coordinator)
        first = duplicates_service.check_project(ours, project, settings=settings)
        ours.commit()
        assert [f.project["id"] for f in first.found] == [old.id]

        # Another registration of the activity commits while ours was matching; its own
        # check ran before ours committed, so it raised nothing.
        with new_session(app) as theirs:
            late_twin = _register(theirs, coordinator, title=TWIN_TITLE)
            index_project(theirs, late_twin)
            theirs.commit()
            late_id = late_twin.id
        assert set(stored_alerts(app)) == {pair(old.id, project.id)}

        late = duplicates_service.check_project(
            ours, project, settings=settings, reindex=False, since=started
        )
        ours.commit()

        # The pass after commit sees only what was written since: the late twin, not the old.
        assert [f.project["id"] for f in late.found] == [late_id]
        assert len(late.new_alerts) == 1 and not late.failed
        merged = duplicates_service.merge(first, late)
        assert sorted(f.project["id"] for f in merged.found) == sorted([old.id, late_id])
        alerts = stored_alerts(app)
        assert set(alerts) == {pair(old.id, project.id), pair(late_id, project.id)}
        assert alerts[pair(late_id, project.id)].raised_by_project_id == project.id

        # Run again, the pass finds the same twin and raises nothing new.
        again = duplicates_service.check_project(
            ours, project, settings=settings, reindex=False, since=started
        )
        ours.commit()
        assert [f.project["id"] for f in again.found] == [late_id] and again.new_alerts == []
        assert len(stored_alerts(app)) == 2
