"""The figures of the gap and overlap matrix, read from the database (``cells`` says what
they count): active projects, budgets and donors per cell from ``project_cell_fact``, for every
country or only some (``project_cells``), and the duplicate alerts between them
(``alert_cells``); open needs and endorsed recommendations, assisted or not
(``target_cells``). ``assemble`` adds these parts up into the matrix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, false, func, literal, or_, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from adam.coverage.models import CoverageLink, LinkState
from adam.duplicates.models import AlertStatus, DuplicateAlert
from adam.gaps.cells import (
    ACTIVE_STATUSES,
    OPEN_NEED_STATES,
    By,
    Cell,
    CellKey,
    Matrix,
    active_facts,
    active_projects,
    cell_of,
)
from adam.needs.models import Need, Priority, need_theme
from adam.pact.models import (
    Recommendation,
    RecommendationState,
    recommendation_country,
    recommendation_theme,
)
from adam.projects.models import FactDimension, Project, project_cell_fact, project_fact
from adam.reference.models import Country, Pillar, Theme

ThemeRow = tuple[int, str, str, str, Pillar]
Parts = dict[CellKey, Cell]  # cells holding some of their figures only


def theme_rows(session: Session) -> list[ThemeRow]:
    return [
        tuple(row)  # type: ignore[misc]
        for row in session.execute(
            select(Theme.id, Theme.slug, Theme.name_en, Theme.name_ru, Theme.pillar)
        )
    ]


def column_of_themes(by: By, themes: Iterable[ThemeRow]) -> dict[int, str]:
    """Each theme id's column: its slug, or its pillar."""
    return {tid: (slug if by == "theme" else pillar.value) for tid, slug, _, _, pillar in themes}


def _fact_column(fact: Any, column_of: dict[int, str]) -> Any:
    """The column of a theme row of ``project_fact`` (keyed by the theme id as text)."""
    return case({str(tid): literal(col) for tid, col in column_of.items()}, value=fact.c.key)


def project_cells(
    session: Session,
    *,
    by: By,
    column_of: dict[int, str],
    today: dt.date,
    countries: Collection[str] | None = None,
) -> dict[CellKey, Cell]:
    """Active projects, their budgets per currency, distinct donors and donor-funded projects,
    per cell of ``countries`` (all when None), in cells holding only these figures: two
    GROUP BYs over ``project_cell_fact``, one range of its index per country."""
    cells: dict[CellKey, Cell] = {}
    if countries is not None and not countries:
        return cells
    fact = project_cell_fact
    column = _theme_column(fact.c.theme_id, by, column_of)
    where = [*active_facts(fact, today)]
    if countries is not None:
        where.append(fact.c.country_code.in_(sorted(countries)))
    # One row per project and cell: its donors' rows, and by pillar its themes of one
    # pillar, count once.
    rows = (
        select(
            fact.c.country_code.label("country"),
            column.label("col"),
            fact.c.project_id,
            fact.c.currency,
            fact.c.amount,
        )
        .where(*where)
        .distinct()
        .subquery()
    )
    budgets = select(
        rows.c.country,
        rows.c.col,
        rows.c.currency,
        func.count(),
        func.count(rows.c.amount),
        func.sum(rows.c.amount),
    ).group_by(rows.c.country, rows.c.col, rows.c.currency)

    def name_of(col: Any) -> str | None:
        return column_of.get(col) if by == "theme" else col

    for code, col, currency, projects, budgeted, amount in session.execute(budgets):
        name = name_of(col)
        if name is None:
            continue
        cell = cell_of(cells, code, name)
        cell.projects += projects
        if currency is not None and amount is not None:
            cell.budget[currency] = cell.budget.get(currency, Decimal(0)) + Decimal(amount)
            cell.budget_projects[currency] = cell.budget_projects.get(currency, 0) + budgeted
    donors = (
        select(
            fact.c.country_code,
            column,
            func.count(func.distinct(fact.c.donor_id)),
            func.count(func.distinct(fact.c.project_id)),
        )
        .where(*where, fact.c.donor_id != 0)
        .group_by(fact.c.country_code, column)
    )
    for code, col, count, funded in session.execute(donors):
        name = name_of(col)
        if name is not None:
            cell = cell_of(cells, code, name)
            cell.donors, cell.funded_projects = count, funded
    return cells


def countries_ending(session: Session, first: dt.date, last: dt.date) -> set[str]:
    """Countries of the projects, live and in an active status, whose end date falls on or
    after ``first`` and before ``last``: those that "today" moving between the two days
    makes active or not (each way)."""
    fact = project_fact.alias("f")
    return set(
        session.scalars(
            select(fact.c.key)
            .where(
                fact.c.dimension == int(FactDimension.COUNTRY),
                fact.c.withdrawn.is_(false()),
                fact.c.status.in_([s.value for s in ACTIVE_STATUSES]),
                fact.c.end_date >= first,
                fact.c.end_date < last,
            )
            .distinct()
        )
    )


def alert_cells(
    session: Session,
    *,
    by: By,
    column_of: dict[int, str],
    today: dt.date,
    countries: Collection[str] | None = None,
) -> dict[CellKey, Cell]:
    """Open duplicate alerts whose two projects are both active and both in the cell, per
    cell of ``countries`` (all when None), in cells holding only this figure."""
    cells: dict[CellKey, Cell] = {}
    if countries is not None and not countries:
        return cells
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
            *active_facts(ca, today),
            *active_facts(cb, today),
            *([] if countries is None else [ca.c.key.in_(sorted(countries))]),
        )
        .group_by(ca.c.key, col_a)
    )
    slug_of = {str(tid): col for tid, col in column_of.items()}
    for code, col, count in session.execute(query):
        name = slug_of.get(col) if by == "theme" else col
        if name is not None:
            cell_of(cells, code, name).duplicate_alerts = count
    return cells


def alert_countries_since(session: Session, last_id: int | None, last_update: Any) -> set[str]:
    """The countries of the projects of the alerts raised (an id above ``last_id``) or changed
    (updated at or after ``last_update``) since; all alerts' when there were none."""
    alert = DuplicateAlert.__table__
    since: list[ColumnElement[bool]] = []
    if last_id is not None:
        since.append(alert.c.id > last_id)
    if last_update is not None:
        since.append(alert.c.updated_at >= last_update)
    pairs = select(alert.c.project_a_id, alert.c.project_b_id)
    if len(since) == 2:
        pairs = pairs.where(or_(*since))
    pairs_subquery = pairs.subquery()
    projects = union(
        select(pairs_subquery.c.project_a_id), select(pairs_subquery.c.project_b_id)
    ).subquery()
    return set(
        session.scalars(
            select(project_fact.c.key)
            .where(
                project_fact.c.dimension == int(FactDimension.COUNTRY),
                project_fact.c.project_id.in_(select(projects.c[0])),
            )
            .distinct()
        )
    )


def _assisted_query(target: Any, today: dt.date) -> Any:
    """Ids in ``target`` (a link's need or recommendation column) with an active project
    confirmed-linked to them, as a SELECT."""
    return (
        select(target)
        .join(Project, Project.id == CoverageLink.project_id)
        .where(
            CoverageLink.state == LinkState.CONFIRMED,
            target.is_not(None),
            *active_projects(today),
        )
        .distinct()
    )


def assisted_needs(session: Session, today: dt.date) -> set[int]:
    """Ids of needs with an active project confirmed-linked to them."""
    return set(session.scalars(_assisted_query(CoverageLink.need_id, today)))


def assisted_recommendations(session: Session, today: dt.date) -> set[int]:
    """Ids of recommendations with an active project confirmed-linked to them."""
    return set(session.scalars(_assisted_query(CoverageLink.recommendation_id, today)))


@dataclass(frozen=True, slots=True)
class Assisted:
    needs: frozenset[int]
    recommendations: frozenset[int]


def assisted(session: Session, today: dt.date) -> Assisted:
    """The needs and recommendations with an active project confirmed-linked to them."""
    return Assisted(
        frozenset(assisted_needs(session, today)),
        frozenset(assisted_recommendations(session, today)),
    )


def _theme_column(theme_id: Any, by: By, column_of: dict[int, str]) -> Any:
    """The column of a theme id in SQL: the id itself by theme (named after the GROUP BY),
    its pillar by pillar."""
    if by == "theme":
        return theme_id
    return case({tid: literal(col) for tid, col in column_of.items()}, value=theme_id)


def _need_figures(
    session: Session,
    cells: dict[CellKey, Cell],
    column_of: dict[int, str],
    by: By,
    today: dt.date,
) -> None:
    """Open needs per cell and priority, their costs per currency, and the high-priority ones
    without an active project: grouped in SQL, each need once per pillar."""
    need = Need.__table__
    rows: Any = (
        select(
            need.c.id,
            need.c.country_code.label("country"),
            _theme_column(need_theme.c.theme_id, by, column_of).label("col"),
            need.c.priority,
            need.c.cost_currency.label("currency"),
            need.c.cost_amount.label("amount"),
            need.c.id.in_(_assisted_query(CoverageLink.need_id, today)).label("assisted"),
        )
        .join(need_theme, need_theme.c.need_id == need.c.id)
        .where(need.c.state.in_(OPEN_NEED_STATES))
    )
    if by == "pillar":
        rows = rows.distinct()
    rows = rows.subquery()
    grouped = select(
        rows.c.country,
        rows.c.col,
        rows.c.priority,
        rows.c.currency,
        rows.c.assisted,
        func.count(),
        func.sum(rows.c.amount),
    ).group_by(rows.c.country, rows.c.col, rows.c.priority, rows.c.currency, rows.c.assisted)
    for code, col, priority, currency, helped, count, amount in session.execute(grouped):
        name = column_of.get(col) if by == "theme" else col
        if name is None:
            continue
        cell = cell_of(cells, code, name)
        cell.needs[Priority(priority).value] += count
        if amount is not None and currency:
            cell.need_cost[currency] = cell.need_cost.get(currency, Decimal(0)) + Decimal(amount)
        if priority == Priority.HIGH and not helped:
            cell.unassisted_high_needs += count


def _recommendation_figures(
    session: Session,
    cells: dict[CellKey, Cell],
    column_of: dict[int, str],
    by: By,
    today: dt.date,
) -> None:
    """Endorsed recommendations per cell, and those without an active project; one naming no
    country counts in the regional row (country null)."""
    rec = Recommendation.__table__
    rows = (
        select(
            rec.c.id,
            recommendation_country.c.country_code.label("country"),
            _theme_column(recommendation_theme.c.theme_id, by, column_of).label("col"),
            rec.c.id.in_(_assisted_query(CoverageLink.recommendation_id, today)).label("assisted"),
        )
        .join(recommendation_theme, recommendation_theme.c.recommendation_id == rec.c.id)
        .outerjoin(recommendation_country, recommendation_country.c.recommendation_id == rec.c.id)
        .where(rec.c.state == RecommendationState.ENDORSED)
        .distinct()
        .subquery()
    )
    grouped = select(rows.c.country, rows.c.col, rows.c.assisted, func.count()).group_by(
        rows.c.country, rows.c.col, rows.c.assisted
    )
    for code, col, helped, count in session.execute(grouped):
        name = column_of.get(col) if by == "theme" else col
        if name is None:
            continue
        cell = cell_of(cells, code, name)
        cell.recommendations += count
        if not helped:
            cell.unassisted_recommendations += count


def _labels(
    session: Session, by: By, themes: list[ThemeRow]
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


def target_cells(
    session: Session, *, by: By, column_of: dict[int, str], today: dt.date
) -> dict[CellKey, Cell]:
    """Open needs and endorsed recommendations per cell, assisted or not, in cells holding
    only these figures."""
    cells: dict[CellKey, Cell] = {}
    _need_figures(session, cells, column_of, by, today)
    _recommendation_figures(session, cells, column_of, by, today)
    return cells


def _add(into: Cell, part: Cell) -> None:
    """Add the figures of ``part`` to ``into`` (the parts of a cell each hold some)."""
    for priority, count in part.needs.items():
        into.needs[priority] = into.needs.get(priority, 0) + count
    for currency, amount in part.need_cost.items():
        into.need_cost[currency] = into.need_cost.get(currency, Decimal(0)) + amount
    for currency, amount in part.budget.items():
        into.budget[currency] = into.budget.get(currency, Decimal(0)) + amount
    for currency, count in part.budget_projects.items():
        into.budget_projects[currency] = into.budget_projects.get(currency, 0) + count
    into.unassisted_high_needs += part.unassisted_high_needs
    into.projects += part.projects
    into.donors += part.donors
    into.funded_projects += part.funded_projects
    into.recommendations += part.recommendations
    into.unassisted_recommendations += part.unassisted_recommendations
    into.duplicate_alerts += part.duplicate_alerts


def assemble(
    session: Session, *, by: By, today: dt.date, themes: list[ThemeRow], parts: Iterable[Parts]
) -> Matrix:
    """The matrix from its parts (``project_cells``, ``alert_cells``, ``target_cells``), which
    it does not change."""
    cells: dict[CellKey, Cell] = {}
    for part in parts:
        for (country, column), cell in part.items():
            _add(cell_of(cells, country, column), cell)
    countries, columns = _labels(session, by, themes)
    return Matrix(by, today, cells, countries, columns)


def compute_matrix(session: Session, *, by: By, today: dt.date) -> Matrix:
    """Every cell's figures, from the database (no cache)."""
    themes = theme_rows(session)
    column_of = column_of_themes(by, themes)
    parts = [
        project_cells(session, by=by, column_of=column_of, today=today),
        alert_cells(session, by=by, column_of=column_of, today=today),
        target_cells(session, by=by, column_of=column_of, today=today),
    ]
    return assemble(session, by=by, today=today, themes=themes, parts=parts)
