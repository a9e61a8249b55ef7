"""Event and recommendation filters as data, and the SQL they become."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.orm import Session

from adam.errors import N_, InvalidInput
from adam.pact.models import (
    Event,
    Recommendation,
    RecommendationState,
    event_country,
    recommendation_country,
    recommendation_theme,
)
from adam.projects.filters import search_words
from adam.reference import refusals
from adam.reference import service as reference_service

_Columns = TypeVarTuple("_Columns")


def _has_any(column: Any, values: tuple[str, ...]) -> Any:
    """Rows whose JSON list ``column`` holds one of ``values``: the list is stored as text
    such as ``["balkan", "northern"]`` on both backends, so a quoted value is a whole item."""
    text = cast(column, String)
    return or_(*(text.contains(f'"{value}"', autoescape=True) for value in values))


def _unknown_countries(session: Session, codes: tuple[str, ...]) -> tuple[list[str], list[str]]:
    found = reference_service.countries_by_code(session, codes)
    known = refusals.KnownCodes(session)
    return list(found), refusals.unknown_codes("country", codes, found, known=known)


@dataclass(frozen=True, slots=True)
class EventFilters:
    kinds: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    year: int | None = None
    withdrawn: bool = False

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> EventFilters:
        return cls(
            kinds=tuple(args.get("kind", ())),
            pillars=tuple(args.get("pillar", ())),
            routes=tuple(args.get("route", ())),
            countries=tuple(c.upper() for c in args.get("country", ())),
            year=args.get("year"),
            withdrawn=bool(args.get("withdrawn", False)),
        )


def filter_events(
    session: Session, query: Select[*_Columns], filters: EventFilters
) -> Select[*_Columns]:
    """Add the filters' conditions to a query over ``Event``.

    :raises InvalidInput: a filter names a country that does not exist.
    """
    conditions: list[Any] = []
    if filters.countries:
        found, unknown = _unknown_countries(session, filters.countries)
        if unknown:
            raise InvalidInput(
                N_("The filters name things that do not exist."), {"country": unknown}
            )
        conditions.append(
            Event.id.in_(
                select(event_country.c.event_id).where(event_country.c.country_code.in_(found))
            )
        )
    if filters.kinds:
        conditions.append(Event.kind.in_(filters.kinds))
    if filters.pillars:
        conditions.append(Event.pillar.in_(filters.pillars))
    if filters.routes:
        conditions.append(_has_any(Event.routes, filters.routes))
    if filters.year is not None:
        # A range rather than a year function: the same SQL on both backends, and indexed.
        conditions.append(Event.start_date >= dt.date(filters.year, 1, 1))
        conditions.append(Event.start_date <= dt.date(filters.year, 12, 31))
    if not filters.withdrawn:
        conditions.append(Event.withdrawn_at.is_(None))
    return query.where(*conditions)


@dataclass(frozen=True, slots=True)
class RecommendationFilters:
    states: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    event_id: int | None = None
    follow_up: tuple[str, ...] = ()
    q: str | None = None

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> RecommendationFilters:
        return cls(
            states=tuple(args.get("state", ())),
            pillars=tuple(args.get("pillar", ())),
            themes=tuple(args.get("theme", ())),
            countries=tuple(c.upper() for c in args.get("country", ())),
            routes=tuple(args.get("route", ())),
            event_id=args.get("event"),
            follow_up=tuple(args.get("follow_up", ())),
            q=args.get("q") or None,
        )


def filter_recommendations(
    session: Session, query: Select[*_Columns], filters: RecommendationFilters
) -> Select[*_Columns]:
    """Add the filters' conditions to a query over ``Recommendation``.

    :raises InvalidInput: a filter names a country, theme or event that does not exist, since
        an empty answer would read as "nothing was agreed about it".
    """
    errors: dict[str, list[str]] = {}
    conditions: list[Any] = []
    if filters.countries:
        found, unknown = _unknown_countries(session, filters.countries)
        if unknown:
            errors["country"] = unknown
        conditions.append(
            Recommendation.id.in_(
                select(recommendation_country.c.recommendation_id).where(
                    recommendation_country.c.country_code.in_(found)
                )
            )
        )
    if filters.themes:
        themes = reference_service.themes_by_slug(session, filters.themes)
        known = refusals.KnownCodes(session)
        if unknown := refusals.unknown_codes("theme", filters.themes, themes, known=known):
            errors["theme"] = unknown
        conditions.append(
            Recommendation.id.in_(
                select(recommendation_theme.c.recommendation_id).where(
                    recommendation_theme.c.theme_id.in_([t.id for t in themes.values()])
                )
            )
        )
    if filters.event_id is not None:
        if session.get(Event, filters.event_id) is None:
            errors["event"] = [N_("No event with id %(id)s.", id=filters.event_id)]
        conditions.append(
            or_(
                Recommendation.event_id == filters.event_id,
                Recommendation.endorsed_by_id == filters.event_id,
            )
        )
    if errors:
        raise InvalidInput(N_("The filters name things that do not exist."), errors)
    if filters.states:
        conditions.append(Recommendation.state.in_(filters.states))
    else:
        conditions.append(Recommendation.state != RecommendationState.WITHDRAWN)
    if filters.pillars:
        conditions.append(Recommendation.pillar.in_(filters.pillars))
    if filters.routes:
        conditions.append(_has_any(Recommendation.routes, filters.routes))
    if filters.follow_up:
        conditions.append(Recommendation.follow_up.in_(filters.follow_up))
    if filters.q:
        for word in search_words(filters.q):
            conditions.append(Recommendation.search_text.contains(word, autoescape=True))
    return query.where(*conditions)
