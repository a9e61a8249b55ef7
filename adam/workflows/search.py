"""Faceted search: a page of matching projects, and for each facet how many would match.

A facet's counts apply every current filter but the facet's own (standard faceted search: a
value's count is what ticking it would add within that facet, which is any-of). One GROUP BY
per facet dimension, through the tables' service, whatever the number of projects.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.projects import service as project_service
from adam.projects.filters import ProjectFilters
from adam.projects.models import Project
from adam.projects.schemas import STATUSES
from adam.reference import service as reference_service
from adam.stats import service as stats_service

# Each facet and the filter field it sets.
FACETS = {
    "country": "countries",
    "theme": "themes",
    "donor": "donors",
    "implementer": "implementers",
    "status": "statuses",
}


@dataclass(frozen=True, slots=True)
class FacetValue:
    code: str
    # The Country, Theme or Organization the code names (None for a status).
    record: Any
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class SearchResult:
    items: list[Project]
    total: int
    facets: dict[str, list[FacetValue]]
    may_see_withdrawn: bool


def _records(session: Session, facet: str, codes: set[str]) -> dict[str, Any]:
    """The things ``codes`` name, keyed by lower-cased code (queries are case-blind)."""
    if not codes:
        return {}
    if facet == "country":
        found: dict[str, Any] = reference_service.countries_by_code(session, codes)
    elif facet == "theme":
        found = reference_service.themes_by_slug(session, codes)
    elif facet in ("donor", "implementer"):
        found = reference_service.organizations_by_code(session, codes)
    else:
        return {code.lower(): None for code in codes if code in STATUSES}
    return {code.lower(): record for code, record in found.items()}


def faceted_search(
    session: Session,
    *,
    actor: Actor,
    filters: ProjectFilters,
    sort: str,
    page: int,
    per_page: int,
) -> SearchResult:
    """A page of the projects ``filters`` match, the total, and each facet's values with a
    count above zero plus those selected (most projects first).

    :raises Forbidden: withdrawn projects asked for by someone who may not see them.
    :raises InvalidInput: a filter names a country, theme or organization that does not exist.
    """
    items, total = project_service.search_projects(
        session, actor=actor, filters=filters, sort=sort, page=page, per_page=per_page
    )
    facets: dict[str, list[FacetValue]] = {}
    for facet, field in FACETS.items():
        selected: tuple[str, ...] = getattr(filters, field)
        empty: dict[str, Any] = {field: ()}
        others = dataclasses.replace(filters, **empty)
        counts = stats_service.counts_by(session, actor=actor, by=facet, filters=others)
        by_key = {code.lower(): count for code, count in counts.items()}
        codes = {*counts, *selected}
        records = _records(session, facet, codes)
        chosen = {code.lower() for code in selected}
        values = []
        for key, record in records.items():
            code = getattr(record, "code", None) or getattr(record, "slug", None) or key
            values.append(FacetValue(code, record, by_key.get(key, 0), key in chosen))
        values.sort(key=lambda v: (-v.count, v.code))
        facets[facet] = values
    return SearchResult(
        items=items,
        total=total,
        facets=facets,
        may_see_withdrawn=permissions.allowed(actor, "project.read_withdrawn"),
    )
