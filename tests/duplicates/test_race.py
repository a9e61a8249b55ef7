"""Two registrations of one activity at the same moment still make exactly one alert.

Each registration checks inside its own transaction, and the second of two registrations in a
country checks only once the first has committed: on SQLite because one writer holds the
database at a time, on PostgreSQL because each check takes a lock per beneficiary country
until its commit. The pair's unique constraint keeps a pair from being raised twice. Threads
start together on a ``threading.Barrier``; nothing waits on the clock, only on conditions
with a deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from adam.duplicates import service as duplicates_service
from adam.duplicates.check import LOCK_CLASS
from adam.projects.models import Project
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


def _waiting_for_a_country_lock(app: Flask) -> int:
    with new_session(app) as session:
        return session.scalar(
            text(
                "SELECT count(*) FROM pg_locks "
                "WHERE locktype = 'advisory' AND classid = :cls AND NOT granted"
            ),
            {"cls": LOCK_CLASS},
        )


def test_a_registration_checks_after_the_other_in_its_country_commits(
    app: Flask,
    backend: str,
    orgs: dict[str, str],
    make_user: Callable[..., Account],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Force the interleaving that loses a duplicate without the lock: the first registration
    has checked (and found nothing) but not committed when the second one checks."""
    if backend == "sqlite":
        pytest.skip(
            "SQLite admits one writer at a time: the second registration's INSERT waits for the "
            "first commit, so its first check always sees the first project."
        )
    real = duplicates_service.check_project
    first_checked = threading.Event()
    second_waits = threading.Event()
    outcomes: dict[int, duplicates_service.CheckOutcome] = {}

    def check_then_hold(session: Any, project: Project, **kwargs: Any) -> Any:
        outcome = real(session, project, **kwargs)
        if not first_checked.is_set():
            first_checked.set()
            # Keep the country locked (not committed) until the other registration is seen
            # waiting for it, or for WAIT seconds.
            second_waits.wait(timeout=WAIT)
        outcomes[project.id] = outcome
        return outcome

    monkeypatch.setattr(duplicates_service, "check_project", check_then_hold)
    focal_points = [make_user("focal_point", country="TJ") for _ in range(2)]
    # Different first countries: their code counters are different rows, so only the
    # country lock can make the second registration wait.
    bodies = [project_body(), project_body(title=TWIN_TITLE, countries=["AF", "TJ"])]
    responses: list[TestResponse] = []

    def register(account: Account, body: dict[str, Any]) -> None:
        responses.append(
            app.test_client().post("/api/v1/projects", json=body, headers=account.headers)
        )

    first = threading.Thread(target=register, args=(focal_points[0], bodies[0]))
    first.start()
    assert first_checked.wait(timeout=WAIT)
    second = threading.Thread(target=register, args=(focal_points[1], bodies[1]))
    second.start()
    deadline = time.monotonic() + WAIT
    while not _waiting_for_a_country_lock(app) and time.monotonic() < deadline:
        second.join(timeout=0.01)
    assert _waiting_for_a_country_lock(app) == 1, "the second check did not wait for the lock"
    second_waits.set()
    first.join(timeout=WAIT)
    second.join(timeout=WAIT)

    assert sorted(r.status_code for r in responses) == [201, 201]
    by_title = {r.json["title"]: r.json for r in responses}
    earlier, later = by_title[bodies[0]["title"]], by_title[TWIN_TITLE]
    assert listed(earlier) == [] and listed(later) == [earlier["id"]]
    assert list(stored_alerts(app)) == [pair(earlier["id"], later["id"])]
