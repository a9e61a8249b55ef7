"""Shared pieces of the need tests: a valid body, a registered need, row counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adam.needs.models import Need, NeedHistory
from adam.pact.models import Event, EventKind, Recommendation
from adam.reference.models import Pillar
from adam.session import new_session
from tests.conftest import Account


def need_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "country": "TJ",
        "title": "Drug detection dogs for the Khatlon border posts",
        "description": "Twelve trained dogs with handlers and kennels.",
        "location": "Khatlon",
        "themes": ["border-control"],
        "priority": "high",
        "estimated_cost": {"amount": "450000.00", "currency": "USD"},
        "start_date": "2027-01-01",
        "end_date": "2028-12-31",
    }
    body.update(overrides)
    return body


def create(client: FlaskClient, account: Account, **overrides: Any) -> dict[str, Any]:
    """Register a need and return its JSON, with its ETag under ``_etag``."""
    response = client.post("/api/v1/needs", json=need_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.json
    return {**response.json, "_etag": response.headers["ETag"]}


def counts(app: Flask) -> tuple[int, int]:
    """How many needs and history rows are stored."""
    with new_session(app) as session:
        needs = session.scalar(select(func.count()).select_from(Need))
        history = session.scalar(select(func.count()).select_from(NeedHistory))
    return needs or 0, history or 0


def make_recommendation(app: Flask) -> int:
    with new_session(app) as session:
        event = Event(kind=next(iter(EventKind)), start_date=dt.date(2023, 5, 10))
        recommendation = Recommendation(
            code="EWG-2023-1/1", event=event, pillar=Pillar.REGIONAL_INITIATIVES
        )
        session.add_all([event, recommendation])
        session.commit()
        return recommendation.id
