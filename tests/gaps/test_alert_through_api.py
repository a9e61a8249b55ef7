"""The "no assistance yet" alert for needs registered and reopened through the API."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from adam.db import utcnow
from adam.gaps.alerts import alert_unassisted
from adam.needs.models import Need
from adam.session import get_settings, new_session
from tests.conftest import Account
from tests.needs.helpers import create


def _age(app: Flask, days: int) -> None:
    with new_session(app) as session:
        session.execute(update(Need).values(created_at=utcnow() - dt.timedelta(days=days)))
        session.commit()


def _alert(app: Flask) -> int:
    return alert_unassisted(lambda: new_session(app), get_settings(app).gaps)


def test_a_need_registered_through_the_api_is_alerted_once_past_the_delay(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    create(client, coordinator, priority="high")
    assert _alert(app) == 0  # too young
    _age(app, 400)
    assert _alert(app) == 1
    assert _alert(app) == 0


def test_a_need_opened_again_may_be_alerted_again(
    app: Flask, client: FlaskClient, coordinator: Account
) -> None:
    need = create(client, coordinator, priority="high")
    _age(app, 400)
    assert _alert(app) == 1
    path = f"/api/v1/needs/{need['id']}/state"
    for state in ("met", "open"):
        answer = client.post(path, json={"state": state}, headers=coordinator.headers)
        assert answer.status_code == 200, answer.json
    assert _alert(app) == 1
