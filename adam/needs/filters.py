"""Need filters as data, and the SQL they become."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import Select, UnaryExpression, select
from sqlalchemy.orm import Session

from adam.errors import N_, InvalidInput
from adam.needs.models import PRIORITY_RANK, Need, NeedState, need_theme
from adam.pact.models import Recommendation
from adam.projects.filters import search_words
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Theme

_Columns = TypeVarTuple("_Columns")

SORT_COLUMNS: dict[str, Any] = {
    "title": Need.title,
    "priority": PRIORITY_RANK,
    "start_date": Need.start_date,
    "end_date": Need.end_date,
    "cost": Need.cost_amount,
    "created_at": Need.created_at,
    "updated_at": Need.updated_at,
    "id": Need.id,
}
NULLABLE_SORTS = {"start_date", "end_date", "cost"}


@dataclass(frozen=True, slots=True)
class NeedFilters:
    countries: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    pillars: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    recommendation_id: int | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> NeedFilters:
        return cls(
            countries=tuple(args.get("country", ())),
            themes=tuple(args.get("theme", ())),
            pillars=tuple(args.get("pillar", ())),
            priorities=tuple(args.get("priority", ())),
            states=tuple(args.get("state", ())),
            recommendation_id=args.get("recommendation"),
            q=args.get("q") or None,
        )


def apply_filters(
    session: Session, query: Select[*_Columns], filters: NeedFilters
) -> Select[*_Columns]:
    """Add the filters' conditions to a query over ``Need``.

    :raises InvalidInput: a filter names a country, theme or recommendation that does not
        exist, since an empty answer would look like "no country needs this".
    """
    errors: dict[str, list[str]] = {}
    known = refusals.KnownCodes(session)
    conditions: list[Any] = []
    if filters.countries:
        found = reference_service.countries_by_code(session, filters.countries)
        if unknown := refusals.unknown_codes("country", filters.countries, found, known=known):
            errors["country"] = unknown
        conditions.append(Need.country_code.in_(list(found)))
    if filters.themes:
        themes = reference_service.themes_by_slug(session, filters.themes)
        if unknown := refusals.unknown_codes("theme", filters.themes, themes, known=known):
            errors["theme"] = unknown
        ids = [t.id for t in themes.values()]
        conditions.append(
            Need.id.in_(select(need_theme.c.need_id).where(need_theme.c.theme_id.in_(ids)))
        )
    if filters.recommendation_id is not None:
        if session.get(Recommendation, filters.recommendation_id) is None:
            errors["recommendation"] = [
                N_("No recommendation with id %(id)s.", id=filters.recommendation_id)
            ]
        conditions.append(Need.recommendation_id == filters.recommendation_id)
    if errors:
        raise InvalidInput(N_("The filters name things that do not exist."), errors)
    if filters.pillars:
        by_pillar = (
            select(need_theme.c.need_id)
            .join(Theme, Theme.id == need_theme.c.theme_id)
            .where(Theme.pillar.in_(filters.pillars))
        )
        conditions.append(Need.id.in_(by_pillar))
    if filters.priorities:
        conditions.append(Need.priority.in_(filters.priorities))
    if filters.states:
        conditions.append(Need.state.in_(filters.states))
    else:
        conditions.append(Need.state != NeedState.WITHDRAWN)
    if filters.q:
        for word in search_words(filters.q):
            conditions.append(Need.search_text.contains(word, autoescape=True))
    return query.where(*conditions)


def order_needs(query: Select[*_Columns], sort: str) -> Select[*_Columns]:
    """``query`` ordered by the API's sort keys (``-`` for descending), then newest id first."""
    clauses: list[UnaryExpression[Any]] = []
    for part in sort.split(","):
        key = part.strip().lstrip("-")
        column = SORT_COLUMNS[key]
        if not part.strip().startswith("-"):
            clauses.append(column.asc())
        elif key in NULLABLE_SORTS:
            clauses.append(column.desc().nulls_last())
        else:
            clauses.append(column.desc())
    clauses.append(Need.id.desc())
    return query.order_by(*clauses)
