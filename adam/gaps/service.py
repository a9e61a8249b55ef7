"""The gap and overlap matrix: by country and theme (or pillar), what is needed and endorsed
against what active projects fund, and the needs, recommendations and projects of one cell.

Definitions, said once here:

- An **active project** is live (not withdrawn), in status pipeline, implementation or
  finalisation, and has no end date or one not before today (``active_projects``).
- An **open need** is in state open or partly met. A need or a recommendation is *assisted*
  when a project confirmed-linked to it (``CoverageLink`` in state confirmed) is active.
- A **gap** is a high-priority open need, or an endorsed recommendation, that is not assisted.
- An **overlap** is a cell where at least ``GAP_OVERLAP_DONORS`` (default 2) distinct donors fund
  active projects; the cell also counts the open duplicate alerts between two of its projects.
- A recommendation naming no country counts in one separate *regional* row (country null),
  not in every country's; the country and region filters leave that row out.

A project, need or recommendation with several countries or themes counts once in each of its
cells, whole (budgets and costs are summed per currency, without conversion); in a pillar's
column each counts once even when several of its themes fall in that pillar.

The whole matrix is computed once per state of the data (a stamp read with one cheap query:
the highest ids, update times and row counts of the tables it reads) and per day, then kept
for ``CACHE_SECONDS`` at most; filters only pick cells, so every filtered view reads the same
matrix (bench/gaps.py gives the cost with and without it).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import ColumnElement

from adam.coverage.models import CoverageLink, LinkState
from adam.db import utcnow
from adam.duplicates.models import AlertStatus, DuplicateAlert
from adam.errors import N_, InvalidInput
from adam.needs.models import Need, NeedState, Priority, need_theme
from adam.pact.models import (
    Recommendation,
    RecommendationState,
    recommendation_country,
    recommendation_theme,
)
from adam.projects.models import (
    FactDimension,
    Project,
    ProjectOrganization,
    ProjectStatus,
    project_country,
    project_fact,
    project_theme,
)
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country, Pillar, Region, Theme

By = Literal["theme", "pillar"]
ACTIVE_STATUSES = (
    ProjectStatus.PIPELINE,
    ProjectStatus.IMPLEMENTATION,
    ProjectStatus.FINALISATION,
)
OPEN_NEED_STATES = (NeedState.OPEN, NeedState.PARTLY_MET)
PRIORITIES = tuple(p.value for p in Priority)
CACHE_SECONDS = 60.0
# Projects listed by a cell's drill-through at most (the cell's figures count them all).
MAX_CELL_PROJECTS = 1000


def active_projects(today: dt.date) -> list[ColumnElement[bool]]:
    """The conditions on ``project`` rows of an active project (see the module's definitions)."""
    return [
        Project.withdrawn_at.is_(None),
        Project.status.in_(ACTIVE_STATUSES),
        or_(Project.end_date.is_(None), Project.end_date >= today),
    ]


def _active_facts(fact: Any, today: dt.date) -> list[ColumnElement[bool]]:
    """The same conditions on ``project_fact`` rows, which copy the project's columns."""
    return [
        fact.c.withdrawn.is_(false()),
        fact.c.status.in_([s.value for s in ACTIVE_STATUSES]),
        or_(fact.c.end_date.is_(None), fact.c.end_date >= today),
    ]


@dataclass(slots=True)
class Cell:
    country: str | None  # None: the regional row (recommendations naming no country)
    column: str  # a theme's slug or a pillar
    needs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PRIORITIES, 0))
    need_cost: dict[str, Decimal] = field(default_factory=dict)
    unassisted_high_needs: int = 0
    projects: int = 0
    budget: dict[str, Decimal] = field(default_factory=dict)
    budget_projects: dict[str, int] = field(default_factory=dict)
    donors: int = 0
    recommendations: int = 0
    unassisted_recommendations: int = 0
    duplicate_alerts: int = 0

    @property
    def open_needs(self) -> int:
        return sum(self.needs.values())

    @property
    def gaps(self) -> int:
        return self.unassisted_high_needs + self.unassisted_recommendations

    def overlap(self, donors: int) -> bool:
        return self.donors >= donors


@dataclass(slots=True)
class Matrix:
    by: By
    as_of: dt.date
    cells: dict[tuple[str | None, str], Cell]
    countries: dict[str, dict[str, Any]]  # code -> label, with its region
    columns: dict[str, dict[str, Any]]  # slug or pillar -> label


@dataclass(frozen=True, slots=True)
class GapFilters:
    countries: Sequence[str] = ()
    region: str | None = None
    themes: Sequence[str] = ()
    pillar: str | None = None


@dataclass(slots=True)
class GapView:
    matrix: Matrix
    cells: list[Cell]
    overlap_donors: int

    @property
    def currencies(self) -> list[str]:
        return sorted({c for cell in self.cells for c in (*cell.budget, *cell.need_cost)})


# ---------------------------------------------------------------------------------------
# The matrix


def _theme_rows(session: Session) -> list[tuple[int, str, str, str, Pillar]]:
    return [
        tuple(row)  # type: ignore[misc]
        for row in session.execute(
            select(Theme.id, Theme.slug, Theme.name_en, Theme.name_ru, Theme.pillar)
        )
    ]


def _column_of(by: By, themes: Iterable[tuple[int, str, str, str, Pillar]]) -> dict[int, str]:
    """Each theme id's column: its slug, or its pillar."""
    return {tid: (slug if by == "theme" else pillar.value) for tid, slug, _, _, pillar in themes}


def _fact_column(fact: Any, column_of: dict[int, str]) -> Any:
    """The column of a theme row of ``project_fact`` (keyed by the theme id as text)."""
    return case({str(tid): literal(col) for tid, col in column_of.items()}, value=fact.c.key)


def _cell(cells: dict[tuple[str | None, str], Cell], country: str | None, column: str) -> Cell:
    found = cells.get((country, column))
    if found is None:
        found = cells[(country, column)] = Cell(country, column)
    return found


def _project_figures(
    session: Session,
    cells: dict[tuple[str | None, str], Cell],
    column_of: dict[int, str],
    by: By,
    today: dt.date,
) -> None:
    """Active projects, their budgets per currency and distinct donors, per cell: two
    GROUP BYs over ``project_fact`` (country rows joined to theme rows, and to donor rows)."""
    country = project_fact.alias("c")
    theme = project_fact.alias("t")
    column = _fact_column(theme, column_of) if by == "pillar" else theme.c.key
    joined = country.join(
        theme,
        and_(
            theme.c.project_id == country.c.project_id,
            theme.c.dimension == int(FactDimension.THEME),
        ),
    )
    where = [country.c.dimension == int(FactDimension.COUNTRY), *_active_facts(country, today)]
    rows: Any = select(
        country.c.key.label("country"),
        column.label("col"),
        country.c.project_id,
        country.c.currency,
        country.c.amount,
    ).select_from(joined)
    rows = rows.where(*where)
    if by == "pillar":  # a project with two themes of one pillar counts once there
        rows = rows.distinct()
    rows = rows.subquery()
    slug_of = {str(tid): col for tid, col in column_of.items()}
    budgets = select(
        rows.c.country,
        rows.c.col,
        rows.c.currency,
        func.count(),
        func.count(rows.c.amount),
        func.sum(rows.c.amount),
    ).group_by(rows.c.country, rows.c.col, rows.c.currency)
    for code, col, currency, projects, budgeted, amount in session.execute(budgets):
        name = slug_of.get(col) if by == "theme" else col
        if name is None:
            continue
        cell = _cell(cells, code, name)
        cell.projects += projects
        if currency is not None and amount is not None:
            cell.budget[currency] = cell.budget.get(currency, Decimal(0)) + Decimal(amount)
            cell.budget_projects[currency] = cell.budget_projects.get(currency, 0) + budgeted
    # Driven from the donor rows (which carry the same project columns): the planners then
    # read them from ix_project_fact_active instead of walking the country rows in key order.
    donor = project_fact.alias("d")
    donors = (
        select(country.c.key, column, func.count(func.distinct(donor.c.key)))
        .select_from(donor)
        .join(
            country,
            and_(
                country.c.project_id == donor.c.project_id,
                country.c.dimension == int(FactDimension.COUNTRY),
            ),
        )
        .join(
            theme,
            and_(
                theme.c.project_id == donor.c.project_id,
                theme.c.dimension == int(FactDimension.THEME),
            ),
        )
        .where(donor.c.dimension == int(FactDimension.DONOR), *_active_facts(donor, today))
        .group_by(country.c.key, column)
    )
    for code, col, count in session.execute(donors):
        name = slug_of.get(col) if by == "theme" else col
        if name is not None:
            _cell(cells, code, name).donors = count


def _alert_figures(
    session: Session,
    cells: dict[tuple[str | None, str], Cell],
    column_of: dict[int, str],
    by: By,
    today: dt.date,
) -> None:
    """Open duplicate alerts whose two projects are both active and both in the cell."""
    alert = DuplicateAlert.__table__
    ca, cb = project_fact.alias("ca"), project_fact.alias("cb")
    ta, tb = project_fact.alias("ta"), project_fact.alias("tb")
    col_a = _fact_column(ta, column_of) if by == "pillar" else ta.c.key
    col_b = _fact_column(tb, column_of) if by == "pillar" else tb.c.key
    country_dim, theme_dim = int(FactDimension.COUNTRY), int(FactDimension.THEME)
    query = (
        select(ca.c.key, col_a, func.count(func.distinct(alert.c.id)))
        .select_from(alert)
        .join(ca, and_(ca.c.project_id == alert.c.project_a_id, ca.c.dimension == country_dim))
        .join(
            cb,
            and_(
                cb.c.project_id == alert.c.project_b_id,
                cb.c.dimension == country_dim,
                cb.c.key == ca.c.key,
            ),
        )
        .join(ta, and_(ta.c.project_id == alert.c.project_a_id, ta.c.dimension == theme_dim))
        .join(tb, and_(tb.c.project_id == alert.c.project_b_id, tb.c.dimension == theme_dim))
        .where(
            alert.c.status == AlertStatus.OPEN.value,
            col_a == col_b,
            *_active_facts(ca, today),
            *_active_facts(cb, today),
        )
        .group_by(ca.c.key, col_a)
    )
    slug_of = {str(tid): col for tid, col in column_of.items()}
    for code, col, count in session.execute(query):
        name = slug_of.get(col) if by == "theme" else col
        if name is not None:
            _cell(cells, code, name).duplicate_alerts = count


def _assisted(session: Session, target: Any, today: dt.date) -> set[int]:
    """Ids in ``target`` (a link's need or recommendation column) with an active project
    confirmed-linked to them."""
    return set(
        session.scalars(
            select(target)
            .join(Project, Project.id == CoverageLink.project_id)
            .where(
                CoverageLink.state == LinkState.CONFIRMED,
                target.is_not(None),
                *active_projects(today),
            )
            .distinct()
        )
    )


def assisted_needs(session: Session, today: dt.date) -> set[int]:
    """Ids of needs with an active project confirmed-linked to them."""
    return _assisted(session, CoverageLink.need_id, today)


def assisted_recommendations(session: Session, today: dt.date) -> set[int]:
    """Ids of recommendations with an active project confirmed-linked to them."""
    return _assisted(session, CoverageLink.recommendation_id, today)


def _need_figures(
    session: Session,
    cells: dict[tuple[str | None, str], Cell],
    column_of: dict[int, str],
    today: dt.date,
) -> None:
    assisted = assisted_needs(session, today)
    rows = session.execute(
        select(
            Need.id,
            Need.country_code,
            need_theme.c.theme_id,
            Need.priority,
            Need.cost_amount,
            Need.cost_currency,
        )
        .join(need_theme, need_theme.c.need_id == Need.id)
        .where(Need.state.in_(OPEN_NEED_STATES))
    )
    seen: set[tuple[int, str]] = set()
    for need_id, code, theme_id, priority, amount, currency in rows:
        col = column_of.get(theme_id)
        if col is None or (need_id, col) in seen:
            continue
        seen.add((need_id, col))
        cell = _cell(cells, code, col)
        cell.needs[priority.value] += 1
        if amount is not None and currency:
            cell.need_cost[currency] = cell.need_cost.get(currency, Decimal(0)) + amount
        if priority == Priority.HIGH and need_id not in assisted:
            cell.unassisted_high_needs += 1


def _recommendation_figures(
    session: Session,
    cells: dict[tuple[str | None, str], Cell],
    column_of: dict[int, str],
    today: dt.date,
) -> None:
    assisted = assisted_recommendations(session, today)
    endorsed = Recommendation.state == RecommendationState.ENDORSED
    countries: dict[int, list[str | None]] = {}
    for rec_id, code in session.execute(
        select(recommendation_country.c.recommendation_id, recommendation_country.c.country_code)
        .join(Recommendation, Recommendation.id == recommendation_country.c.recommendation_id)
        .where(endorsed)
    ):
        countries.setdefault(rec_id, []).append(code)
    seen: set[tuple[int, str | None, str]] = set()
    for rec_id, theme_id in session.execute(
        select(Recommendation.id, recommendation_theme.c.theme_id)
        .join(recommendation_theme, recommendation_theme.c.recommendation_id == Recommendation.id)
        .where(endorsed)
    ):
        col = column_of.get(theme_id)
        if col is None:
            continue
        for code in countries.get(rec_id) or [None]:
            if (rec_id, code, col) in seen:
                continue
            seen.add((rec_id, code, col))
            cell = _cell(cells, code, col)
            cell.recommendations += 1
            if rec_id not in assisted:
                cell.unassisted_recommendations += 1


def _labels(
    session: Session, by: By, themes: list[tuple[int, str, str, str, Pillar]]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    countries = {
        code: {"code": code, "name": name_en, "name_ru": name_ru, "region": region.value}
        for code, name_en, name_ru, region in session.execute(
            select(Country.code, Country.name_en, Country.name_ru, Country.region)
        )
    }
    if by == "theme":
        columns = {
            slug: {"slug": slug, "name": name_en, "name_ru": name_ru, "pillar": pillar.value}
            for _, slug, name_en, name_ru, pillar in themes
        }
    else:
        columns = {p.value: {"code": p.value} for p in Pillar}
    return countries, columns


def compute_matrix(session: Session, *, by: By, today: dt.date) -> Matrix:
    """Every cell's figures, from the database (no cache)."""
    themes = _theme_rows(session)
    column_of = _column_of(by, themes)
    cells: dict[tuple[str | None, str], Cell] = {}
    _project_figures(session, cells, column_of, by, today)
    _alert_figures(session, cells, column_of, by, today)
    _need_figures(session, cells, column_of, today)
    _recommendation_figures(session, cells, column_of, today)
    countries, columns = _labels(session, by, themes)
    return Matrix(by, today, cells, countries, columns)


def _stamp(session: Session) -> tuple[Any, ...]:
    """What changes whenever a row the matrix reads is written (one statement)."""

    def scalar(expression: Any) -> Any:
        return expression.scalar_subquery()

    project, need, rec = Project.__table__.c, Need.__table__.c, Recommendation.__table__.c
    link, alert = CoverageLink.__table__.c, DuplicateAlert.__table__.c
    return tuple(
        session.execute(
            select(
                scalar(select(func.max(project.id))),
                scalar(select(func.max(project.updated_at))),
                scalar(select(func.count()).select_from(Need.__table__)),
                scalar(select(func.max(need.updated_at))),
                scalar(select(func.count()).select_from(Recommendation.__table__)),
                scalar(select(func.max(rec.updated_at))),
                scalar(select(func.count()).select_from(CoverageLink.__table__)),
                scalar(select(func.max(link.id))),
                scalar(select(func.max(link.decided_at))),
                scalar(select(func.max(alert.id))),
                scalar(select(func.max(alert.updated_at))),
                scalar(select(func.count()).select_from(Theme.__table__)),
            )
        ).one()
    )


# (database, by) -> (stamp, day, when computed, matrix)
_CACHE: dict[tuple[str, str], tuple[tuple[Any, ...], dt.date, float, Matrix]] = {}


def matrix(session: Session, *, by: By, today: dt.date | None = None, cache: bool = True) -> Matrix:
    """The matrix, from the cache when nothing it reads has changed since (see the module)."""
    today = today or utcnow().date()
    if not cache:
        return compute_matrix(session, by=by, today=today)
    stamp = _stamp(session)
    database = session.connection().engine.url.render_as_string(hide_password=True)
    key = (database, by)
    found = _CACHE.get(key)
    now = time.monotonic()
    if found and found[0] == stamp and found[1] == today and now - found[2] < CACHE_SECONDS:
        return found[3]
    computed = compute_matrix(session, by=by, today=today)
    _CACHE[key] = (stamp, today, now, computed)
    return computed


def clear_cache() -> None:
    _CACHE.clear()


# ---------------------------------------------------------------------------------------
# Filters and the view


@dataclass(frozen=True, slots=True)
class Picked:
    countries: set[str] | None
    columns: set[str] | None
    regional: bool


def _pick(session: Session, by: By, filters: GapFilters) -> Picked:
    """The countries and columns the filters keep.

    :raises InvalidInput: an unknown country or theme (with the nearest known ones), a theme
        and a pillar together, or a theme filter on the pillar view.
    """
    errors: dict[str, list[str]] = {}
    known = refusals.KnownCodes(session)
    countries: set[str] | None = None
    if filters.countries:
        found = reference_service.countries_by_code(session, filters.countries)
        if unknown := refusals.unknown_codes("country", filters.countries, found, known=known):
            errors["country"] = unknown
        countries = set(found)
    if filters.region:
        in_region = set(
            session.scalars(select(Country.code).where(Country.region == Region(filters.region)))
        )
        countries = in_region if countries is None else countries & in_region
    columns: set[str] | None = None
    if filters.themes and filters.pillar:
        errors["pillar"] = [N_("Filter by theme or by pillar, not both.")]
    elif filters.themes:
        if by == "pillar":
            errors["theme"] = [
                N_("The pillar view is filtered by pillar; filter by theme with by=theme.")
            ]
        themes = reference_service.themes_by_slug(session, filters.themes)
        if unknown := refusals.unknown_codes("theme", filters.themes, themes, known=known):
            errors.setdefault("theme", []).extend(unknown)
        columns = set(themes)
    elif filters.pillar:
        if by == "pillar":
            columns = {filters.pillar}
        else:
            columns = set(
                session.scalars(select(Theme.slug).where(Theme.pillar == Pillar(filters.pillar)))
            )
    if errors:
        raise InvalidInput(N_("The filters name things that do not exist."), errors)
    return Picked(countries, columns, regional=countries is None)


def gap_view(
    session: Session,
    *,
    by: By,
    filters: GapFilters,
    overlap_donors: int,
    today: dt.date | None = None,
    cache: bool = True,
) -> GapView:
    """The cells the filters keep, countries in order, then the regional row.

    :raises InvalidInput: see ``_pick``.
    """
    picked = _pick(session, by, filters)
    found = matrix(session, by=by, today=today, cache=cache)
    cells = [
        cell
        for (country, column), cell in found.cells.items()
        if (picked.columns is None or column in picked.columns)
        and (
            (country is None and picked.regional)
            or (country is not None and (picked.countries is None or country in picked.countries))
        )
    ]
    cells.sort(key=lambda c: (c.country is None, c.country or "", c.column))
    return GapView(found, cells, overlap_donors)


# ---------------------------------------------------------------------------------------
# One cell's drill-through


@dataclass(slots=True)
class CellDetail:
    view: GapView
    cell: Cell
    needs: list[tuple[Need, bool]]
    recommendations: list[tuple[Recommendation, bool]]
    projects: list[Project]


def _cell_themes(session: Session, theme: str | None, pillar: str | None) -> list[int]:
    if theme is not None:
        return list(session.scalars(select(Theme.id).where(Theme.slug == theme.lower())))
    assert pillar is not None
    return list(session.scalars(select(Theme.id).where(Theme.pillar == Pillar(pillar))))


def cell_detail(
    session: Session,
    *,
    country: str | None,
    theme: str | None,
    pillar: str | None,
    overlap_donors: int,
    limit: int = 100,
    today: dt.date | None = None,
) -> CellDetail:
    """The needs, recommendations and projects behind one cell, with its figures.

    ``country`` None is the regional row: recommendations naming no country.

    :raises InvalidInput: an unknown country or theme, both theme and pillar, or neither.
    """
    today = today or utcnow().date()
    if (theme is None) == (pillar is None):
        raise InvalidInput(
            N_("Name the cell's column: a theme or a pillar, not both."),
            {"theme": [N_("Give theme or pillar (one of them).")]},
        )
    by: By = "theme" if theme is not None else "pillar"
    filters = GapFilters(
        countries=[country] if country else (), themes=[theme] if theme else (), pillar=pillar
    )
    view = gap_view(session, by=by, filters=filters, overlap_donors=overlap_donors, today=today)
    column = theme.lower() if theme is not None else str(pillar)
    code = country.upper() if country else None
    cell = next(
        (c for c in view.cells if c.country == code and c.column == column), Cell(code, column)
    )
    theme_ids = _cell_themes(session, theme, pillar)
    needs: list[tuple[Need, bool]] = []
    projects: list[Project] = []
    if code is not None:
        assisted = assisted_needs(session, today)
        found_needs = session.scalars(
            select(Need)
            .where(
                Need.country_code == code,
                Need.state.in_(OPEN_NEED_STATES),
                Need.id.in_(
                    select(need_theme.c.need_id).where(need_theme.c.theme_id.in_(theme_ids))
                ),
            )
            .order_by(Need.priority, Need.id)
        )
        needs = [(n, n.id in assisted) for n in found_needs]
        projects = list(
            session.scalars(
                select(Project)
                .where(
                    *active_projects(today),
                    Project.id.in_(
                        select(project_country.c.project_id).where(
                            project_country.c.country_code == code
                        )
                    ),
                    Project.id.in_(
                        select(project_theme.c.project_id).where(
                            project_theme.c.theme_id.in_(theme_ids)
                        )
                    ),
                )
                .options(
                    selectinload(Project.participations).joinedload(
                        ProjectOrganization.organization
                    )
                )
                .order_by(Project.id)
                .limit(min(limit, MAX_CELL_PROJECTS))
            )
        )
    named = select(recommendation_country.c.recommendation_id)
    in_country = (
        Recommendation.id.in_(named.where(recommendation_country.c.country_code == code))
        if code is not None
        else Recommendation.id.not_in(named)
    )
    assisted_recs = assisted_recommendations(session, today)
    found_recs = session.scalars(
        select(Recommendation)
        .where(
            Recommendation.state == RecommendationState.ENDORSED,
            in_country,
            Recommendation.id.in_(
                select(recommendation_theme.c.recommendation_id).where(
                    recommendation_theme.c.theme_id.in_(theme_ids)
                )
            ),
        )
        .order_by(Recommendation.code)
    )
    recommendations = [(r, r.id in assisted_recs) for r in found_recs]
    return CellDetail(view, cell, needs, recommendations, projects)
