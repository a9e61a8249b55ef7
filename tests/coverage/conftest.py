"""Needs, events and recommendations written straight through the models (their APIs are
written elsewhere), and the suggestions run as their routes will run them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adam.coverage.models import CoverageLink
from adam.needs.models import Need, NeedState, Priority
from adam.pact.models import Event, EventKind, Recommendation, RecommendationState
from adam.reference.models import Country, Pillar, Theme
from adam.session import get_settings, new_session
from adam.workflows import coverage

# A need a focal point of TJ would write for what the default project_body() does.
BORDER_NEED = {
    "title": "Equip and train the border liaison offices on the Afghan border",
    "description": "The border liaison offices lack equipment and trained staff.",
    "themes": ["border-control"],
    "country": "TJ",
}
UNSERVED_NEED = {
    "title": "Opioid substitution therapy in the prisons of Khatlon",
    "description": "Treatment for people who inject drugs, in prisons.",
    "themes": ["demand-reduction"],
    "country": "TJ",
}


@pytest.fixture()
def make_need(app: Flask) -> Callable[..., int]:
    def make(
        *,
        title: str,
        country: str,
        themes: list[str] = (),  # type: ignore[assignment]
        description: str | None = None,
        state: NeedState = NeedState.OPEN,
        start: dt.date | None = dt.date(2025, 1, 1),
        end: dt.date | None = dt.date(2027, 12, 31),
        suggest: bool = True,
    ) -> int:
        with new_session(app) as session:
            need = Need(
                title=title,
                description=description,
                country=session.get(Country, country),
                country_code=country,
                priority=Priority.HIGH,
                state=state,
                start_date=start,
                end_date=end,
                themes=list(session.scalars(select(Theme).where(Theme.slug.in_(themes)))),
            )
            session.add(need)
            session.flush()
            if suggest:
                coverage.suggest_for_need(session, need, get_settings(app).coverage)
            session.commit()
            return need.id

    return make


@pytest.fixture()
def make_event(app: Flask) -> Callable[..., int]:
    def make(
        start: dt.date = dt.date(2024, 6, 1), kind: EventKind = EventKind.EXPERT_WORKING_GROUP
    ) -> int:
        with new_session(app) as session:
            event = Event(kind=kind, start_date=start, pillar=Pillar.REGIONAL_INITIATIVES)
            session.add(event)
            session.commit()
            return event.id

    return make


@pytest.fixture()
def make_recommendation(app: Flask, make_event: Callable[..., int]) -> Callable[..., int]:
    counter = iter(range(1, 10_000))

    def make(
        *,
        text: str,
        themes: list[str] = (),  # type: ignore[assignment]
        countries: list[str] = (),  # type: ignore[assignment]
        state: RecommendationState = RecommendationState.ENDORSED,
        event_start: dt.date = dt.date(2024, 6, 1),
        pillar: Pillar = Pillar.REGIONAL_INITIATIVES,
        suggest: bool = True,
    ) -> int:
        event_id = make_event(event_start)
        with new_session(app) as session:
            recommendation = Recommendation(
                code=f"EWG-TEST/{next(counter)}",
                text_en=text,
                event_id=event_id,
                pillar=pillar,
                state=state,
                themes=list(session.scalars(select(Theme).where(Theme.slug.in_(themes)))),
                countries=list(session.scalars(select(Country).where(Country.code.in_(countries)))),
            )
            session.add(recommendation)
            session.flush()
            if suggest:
                coverage.suggest_for_recommendation(
                    session, recommendation, get_settings(app).coverage
                )
            session.commit()
            return recommendation.id

    return make


def stored_links(app: Flask) -> list[CoverageLink]:
    with new_session(app) as session:
        links = list(session.scalars(select(CoverageLink).order_by(CoverageLink.id)).unique())
        session.expunge_all()
    return links


def links_of(client: FlaskClient, headers: dict[str, str], path: str) -> list[dict[str, Any]]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.json
    items: list[dict[str, Any]] = response.json["items"]
    return items
