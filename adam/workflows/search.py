"""Faceted search: a page of matching projects, and for each facet how many would match.

A facet's counts apply every current filter but the facet's own (standard faceted search: a
value's count is what ticking it would add within that facet, which is any-of). One GROUP BY
per facet dimension, through the tables' service, whatever the number of projects.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
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


class CountCache:
    """Facet counts by (database, facet, filters), kept while no project is written.

    An unfiltered search counts every project five times over (a GROUP BY per facet): at
    100k projects most of a page's time, the same for every reader until a project changes.
    Each entry carries the write mark it was counted at (``project_service.write_mark``) and
    is used only while the mark is unchanged. Two PostgreSQL writers may commit out of id
    order, so a mark can miss the earlier commit; entries therefore also expire after
    ``ttl`` seconds, which bounds how long a count can lag."""

    def __init__(self, size: int = 512, ttl: float = 60.0) -> None:
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[Any, tuple[Any, float, dict[str, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, mark: Any) -> dict[str, int] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != mark or time.monotonic() - found[1] > self.ttl:
                return None
            self._entries.move_to_end(key)
            return found[2]

    def put(self, key: Any, mark: Any, counts: dict[str, int]) -> None:
        with self._lock:
            self._entries[key] = (mark, time.monotonic(), counts)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


COUNTS = CountCache()


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
    items, _ = project_service.search_projects(
        session,
        actor=actor,
        filters=filters,
        sort=sort,
        page=page,
        per_page=per_page,
        count=False,
    )
    facets: dict[str, list[FacetValue]] = {}
    mark = project_service.write_mark(session)
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    total = 0
    for facet, field in FACETS.items():
        selected: tuple[str, ...] = getattr(filters, field)
        empty: dict[str, Any] = {field: ()}
        others = dataclasses.replace(filters, **empty)
        # Counts depend on the filters alone (search_projects above has checked that the
        # actor may ask for them), so readers share them.
        cache_key = (database, facet, others)
        counts = COUNTS.get(cache_key, mark)
        if counts is None:
            counts = stats_service.counts_by(session, actor=actor, by=facet, filters=others)
            COUNTS.put(cache_key, mark, counts)
        by_key = {code.lower(): count for code, count in counts.items()}
        if facet == "status":
            # A project has one status: the matches are the chosen statuses' counts (all of
            # them when none is chosen), so the total needs no pass of its own.
            chosen_statuses = {s.lower() for s in selected}
            total = sum(n for key, n in by_key.items() if not selected or key in chosen_statuses)
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
