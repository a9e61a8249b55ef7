"""The matrix kept in each process, brought up to date with what changed since it was read.

The costly figures are the projects' (two GROUP BYs over ``project_cell_fact``); they are kept per
country. Each transaction that changes a country's project facts raises that country's number
in ``project_fact_version`` (adam/projects/facts.py), so any process sees which countries
changed and recomputes their project figures alone; a new "today" adds the countries of the
projects whose end date it passes. The needs' and recommendations' figures are read again
when they or their links changed, or when the set of assisted ones did (a linked project
ended, say). The duplicate alerts are kept per country too: read again for the countries
that changed and for those of the alerts raised or resolved since (a higher id or update
time than the kept stamp's).

What changed is seen from one cheap statement (the stamp): the sum and count of the country
numbers; the highest id and update time of the projects (a project written without its facts
refreshed, such as by a bulk load, moves these alone: everything is then recomputed); the
counts and highest ids or update times of needs, recommendations, confirmed links, alerts and
themes.
The matrix is computed whole at the first request, when the themes change, and after
``CACHE_SECONDS`` as a safety net; filters only pick cells, so every filtered view reads the
same matrix (bench/gaps.py gives the cost of each case).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.coverage.models import CoverageLink, LinkState
from adam.db import utcnow
from adam.duplicates.models import DuplicateAlert
from adam.gaps.cells import By, Matrix
from adam.gaps.figures import (
    Assisted,
    Parts,
    alert_cells,
    alert_countries_since,
    assemble,
    assisted,
    column_of_themes,
    compute_matrix,
    countries_ending,
    project_cells,
    target_cells,
    theme_rows,
)
from adam.needs.models import Need
from adam.pact.models import Recommendation
from adam.projects.models import Project, project_fact_version
from adam.reference.models import Theme

CACHE_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Stamp:
    versions: tuple[Any, ...]  # sum and count of the country numbers
    projects: tuple[Any, ...]  # highest project id and update time
    targets: tuple[Any, ...]  # needs, recommendations, links
    alerts: tuple[Any, ...]  # count, highest id, highest update time
    themes: tuple[Any, ...]


def _stamp(session: Session) -> Stamp:
    """What changes whenever a row the matrix reads is written (one statement)."""

    def scalar(expression: Any) -> Any:
        return expression.scalar_subquery()

    def count(table: Any) -> Any:
        return scalar(select(func.count()).select_from(table))

    project, need, rec = Project.__table__.c, Need.__table__.c, Recommendation.__table__.c
    link, alert, theme = CoverageLink.__table__.c, DuplicateAlert.__table__.c, Theme.__table__.c
    row = session.execute(
        select(
            scalar(select(func.coalesce(func.sum(project_fact_version.c.version), 0))),
            count(project_fact_version),
            scalar(select(func.max(project.id))),
            scalar(select(func.max(project.updated_at))),
            count(Need.__table__),
            scalar(select(func.max(need.updated_at))),
            count(Recommendation.__table__),
            scalar(select(func.max(rec.updated_at))),
            # Confirmed links only (the figures read no others): a registration's
            # suggestions leave the needs' figures kept. A decision moves decided_at.
            scalar(select(func.count()).where(link.state == LinkState.CONFIRMED)),
            scalar(select(func.max(link.id)).where(link.state == LinkState.CONFIRMED)),
            scalar(select(func.max(link.decided_at))),
            count(DuplicateAlert.__table__),
            scalar(select(func.max(alert.id))),
            scalar(select(func.max(alert.updated_at))),
            count(Theme.__table__),
            scalar(select(func.max(theme.id))),
        )
    ).one()
    return Stamp(
        tuple(row[0:2]), tuple(row[2:4]), tuple(row[4:11]), tuple(row[11:14]), tuple(row[14:16])
    )


def _versions(session: Session) -> dict[str, int]:
    return {
        code: version
        for code, version in session.execute(
            select(project_fact_version.c.country_code, project_fact_version.c.version)
        )
    }


@dataclass(frozen=True, slots=True)
class Kept:
    stamp: Stamp
    versions: dict[str, int]
    today: dt.date
    computed_at: float  # time.monotonic() of the last whole computation
    projects: Parts  # the project figures alone, per cell
    alerts: Parts  # the duplicate alerts alone
    assisted: Assisted
    targets: Parts  # the needs' and recommendations' figures alone
    matrix: Matrix


# (database, by) -> what was last computed there
_CACHE: dict[tuple[str, str], Kept] = {}


def _whole(session: Session, by: By, today: dt.date, stamp: Stamp) -> Kept:
    versions = _versions(session)  # before the figures: a later change shows as one to read
    themes = theme_rows(session)
    column_of = column_of_themes(by, themes)
    projects = project_cells(session, by=by, column_of=column_of, today=today)
    alerts = alert_cells(session, by=by, column_of=column_of, today=today)
    helped = assisted(session, today)
    targets = target_cells(session, by=by, column_of=column_of, today=today)
    found = assemble(session, by=by, today=today, themes=themes, parts=(projects, alerts, targets))
    return Kept(stamp, versions, today, time.monotonic(), projects, alerts, helped, targets, found)


def _kept_but(part: Parts, changed: set[str]) -> Parts:
    return {key: cell for key, cell in part.items() if key[0] not in changed}


def _update(session: Session, kept: Kept, by: By, today: dt.date, stamp: Stamp) -> Kept:
    """``kept`` with the project figures and alerts of the countries that changed recomputed
    (and the alerts of the countries of alerts raised or resolved since), and the needs' and
    recommendations' when they, their links or what is assisted changed."""
    versions = _versions(session)
    changed = {
        code
        for code in versions.keys() | kept.versions.keys()
        if versions.get(code) != kept.versions.get(code)
    }
    if today != kept.today:
        changed |= countries_ending(session, min(today, kept.today), max(today, kept.today))
    themes = theme_rows(session)
    column_of = column_of_themes(by, themes)
    projects = _kept_but(kept.projects, changed)
    projects.update(
        project_cells(session, by=by, column_of=column_of, today=today, countries=changed)
    )
    (count, last_id, last_update), now = kept.stamp.alerts, stamp.alerts
    if now == kept.stamp.alerts:
        alert_changed: set[str] | None = changed
    elif now[0] < count or (now[1] or 0) < (last_id or 0):  # gone: no telling where
        alert_changed = None
    else:
        alert_changed = changed | alert_countries_since(session, last_id, last_update)
    if alert_changed is None:
        alerts = alert_cells(session, by=by, column_of=column_of, today=today)
    else:
        alerts = _kept_but(kept.alerts, alert_changed)
        alerts.update(
            alert_cells(session, by=by, column_of=column_of, today=today, countries=alert_changed)
        )
    # Only an active project changing (in a changed country, or by the day) or a link changes
    # which needs and recommendations are assisted.
    helped = kept.assisted
    if changed or stamp.targets != kept.stamp.targets:
        helped = assisted(session, today)
    targets = kept.targets
    if stamp.targets != kept.stamp.targets or helped != kept.assisted:
        targets = target_cells(session, by=by, column_of=column_of, today=today)
    found = assemble(session, by=by, today=today, themes=themes, parts=(projects, alerts, targets))
    return Kept(stamp, versions, today, kept.computed_at, projects, alerts, helped, targets, found)


def _needs_whole(kept: Kept | None, stamp: Stamp) -> bool:
    return (
        kept is None
        or time.monotonic() - kept.computed_at >= CACHE_SECONDS
        or stamp.themes != kept.stamp.themes
        # projects written without their facts announced: no telling which countries
        or (stamp.projects != kept.stamp.projects and stamp.versions == kept.stamp.versions)
    )


def matrix(session: Session, *, by: By, today: dt.date | None = None, cache: bool = True) -> Matrix:
    """The matrix, from the one kept when nothing it reads has changed since, else brought up
    to date (see the module)."""
    today = today or utcnow().date()
    if not cache:
        return compute_matrix(session, by=by, today=today)
    stamp = _stamp(session)
    database = session.connection().engine.url.render_as_string(hide_password=True)
    key = (database, by)
    kept = _CACHE.get(key)
    if kept is None or _needs_whole(kept, stamp):
        fresh = _whole(session, by, today, stamp)
    elif stamp != kept.stamp or today != kept.today:
        fresh = _update(session, kept, by, today, stamp)
    else:
        return kept.matrix
    _CACHE[key] = fresh
    return fresh.matrix


def clear_cache() -> None:
    _CACHE.clear()
