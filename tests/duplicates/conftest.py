"""Helpers shared by the duplicate-alert tests: the pair of titles, and reading alerts back.

The default ``project_body()`` is "Border liaison offices on the Tajik-Afghan border" in TJ,
funded by gb-fcdo and implemented by unodc. ``TWIN_TITLE`` is the same activity as another
organization's record would title it; ``UNRELATED`` is another activity of the same
implementer in the same country and period.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adam.duplicates.models import DuplicateAlert
from adam.session import get_settings, new_session
from tests.conftest import Account

TWIN_TITLE = "Strengthening border liaison offices, Tajik-Afghan border"
UNRELATED = {
    "title": "Prison reform and drug treatment in Dushanbe",
    "description": "Opioid substitution therapy in three prisons.",
    "themes": ["demand-reduction"],
}

Pair = tuple[int, int]


def pair(first: int, second: int) -> Pair:
    return (first, second) if first < second else (second, first)


def stored_alerts(app: Flask) -> dict[Pair, DuplicateAlert]:
    """Every alert in the database, by its pair of project ids (read in a fresh session)."""
    with new_session(app) as session:
        rows = session.scalars(select(DuplicateAlert).order_by(DuplicateAlert.id)).all()
        session.expunge_all()
    alerts: dict[Pair, DuplicateAlert] = {}
    for alert in rows:
        key = (alert.project_a_id, alert.project_b_id)
        assert key not in alerts, f"two alerts for the pair {key}"
        alerts[key] = alert
    return alerts


def threshold(app: Flask) -> float:
    return get_settings(app).matcher.threshold


def listed(written: dict[str, Any]) -> list[int]:
    """Ids of the possible duplicates a 201/200 answer lists, in its order."""
    return [d["project"]["id"] for d in written["possible_duplicates"]]


@pytest.fixture()
def patch_project(client: FlaskClient, coordinator: Account) -> Callable[..., dict[str, Any]]:
    """PATCH a project (with its current ETag) as a coordinator; return the 200 answer."""

    def patch(project_id: int, **changes: Any) -> dict[str, Any]:
        url = f"/api/v1/projects/{project_id}"
        etag = client.get(url, headers=coordinator.headers).headers["ETag"]
        response = client.patch(
            url, json=changes, headers={**coordinator.headers, "If-Match": etag}
        )
        assert response.status_code == 200, response.json
        return response.json

    return patch
