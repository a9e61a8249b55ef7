"""project_fact follows every write: what the service keeps equals a copy made afresh."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adam.projects.facts import rebuild_facts
from adam.projects.models import project_cell_fact, project_fact
from adam.session import new_session
from tests.conftest import Account


def _rows(app: Flask) -> list[tuple[Any, ...]]:
    with new_session(app) as session:
        return sorted(tuple(r) for r in session.execute(select(project_fact)).all())


def _rebuilt(app: Flask) -> list[tuple[Any, ...]]:
    with new_session(app) as session:
        rebuild_facts(session)
        rows = sorted(tuple(r) for r in session.execute(select(project_fact)).all())
        session.rollback()
    return rows


def test_facts_follow_registration_edit_withdrawal_and_restoration(
    app: Flask, client: FlaskClient, coordinator: Account, register: Any
) -> None:
    first = register(countries=["TJ", "AF"], themes=["border-control", "forensics"])
    register(budget=None, start_date=None, end_date=None, status="pipeline")
    kept = _rows(app)
    assert kept == _rebuilt(app)
    assert len(kept) == (1 + 2 + 2 + 1 + 1) + (1 + 1 + 1 + 1 + 1)
    url = f"/api/v1/projects/{first['id']}"
    response = client.patch(
        url,
        json={"countries": ["KG"], "budget": {"amount": "5.00", "currency": "EUR"}},
        headers={**coordinator.headers, "If-Match": first["_etag"]},
    )
    assert response.status_code == 200, response.json
    assert _rows(app) == _rebuilt(app)
    etag = response.headers["ETag"]
    withdrawn = client.delete(url, headers={**coordinator.headers, "If-Match": etag})
    assert withdrawn.status_code in (200, 204), withdrawn.json
    assert _rows(app) == _rebuilt(app)
    assert all(row[3] for row in _rows(app) if row[0] == first["id"])
    body = client.get("/api/v1/stats/projects?by=country", headers=coordinator.headers).json
    assert {r["country"]["code"] for r in body["rows"]} == {"TJ"}
    restored = client.post(f"{url}/restore", headers=coordinator.headers)
    assert restored.status_code == 200, restored.json
    assert _rows(app) == _rebuilt(app)
    body = client.get("/api/v1/stats/projects?by=country", headers=coordinator.headers).json
    assert {r["country"]["code"]: r["projects"] for r in body["rows"]} == {"TJ": 1, "KG": 1}


def _cell_rows(app: Flask, rebuilt: bool = False) -> list[tuple[Any, ...]]:
    with new_session(app) as session:
        if rebuilt:
            rebuild_facts(session)
        rows = sorted(tuple(r) for r in session.execute(select(project_cell_fact)).all())
        session.rollback()
    return rows


def test_cell_facts_hold_each_country_theme_and_donor_and_follow_writes(
    app: Flask, client: FlaskClient, coordinator: Account, register: Any
) -> None:
    first = register(
        countries=["TJ", "AF"],
        themes=["border-control", "forensics"],
        donors=["gb-fcdo", "us-inl"],
    )
    register(budget=None, status="pipeline")
    kept = _cell_rows(app)
    assert kept == _cell_rows(app, rebuilt=True)
    mine = [row for row in kept if row[0] == first["id"]]
    assert len(mine) == 2 * 2 * 2  # countries x themes x donors
    assert {row[1] for row in mine} == {"TJ", "AF"}
    assert len({row[3] for row in mine}) == 2 and 0 not in {row[3] for row in mine}
    assert len([row for row in kept if row[0] != first["id"]]) == 1
    url = f"/api/v1/projects/{first['id']}"
    response = client.patch(
        url,
        json={"countries": ["KG"], "donors": ["gb-fcdo"], "status": "closed"},
        headers={**coordinator.headers, "If-Match": first["_etag"]},
    )
    assert response.status_code == 200, response.json
    kept = _cell_rows(app)
    assert kept == _cell_rows(app, rebuilt=True)
    mine = [row for row in kept if row[0] == first["id"]]
    assert {(row[1], row[5]) for row in mine} == {("KG", "closed")} and len(mine) == 2
    withdrawn = client.delete(
        url, headers={**coordinator.headers, "If-Match": response.headers["ETag"]}
    )
    assert withdrawn.status_code in (200, 204), withdrawn.json
    kept = _cell_rows(app)
    assert kept == _cell_rows(app, rebuilt=True)
    assert all(row[4] for row in kept if row[0] == first["id"])
