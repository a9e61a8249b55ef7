"""The figures of the gap and overlap matrix, read from the database (``cells`` says what
they count): active projects, budgets and donors per cell from ``project_fact``, for every
country or only some (``project_cells``); open needs and endorsed recommendations, assisted
or not (``target_cells``); the duplicate alerts, read with each assembled matrix (``assemble``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, false, func, literal, select
from sqlalchemy.orm import Session

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
from adam.projects.models import FactDimension, Project, project_fact
from adam.reference.models import Country, Pillar, Theme

ThemeRow = tuple[int, str, str, str, Pillar]


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
    GROUP BYs over ``project_fact`` (country rows joined to theme rows, and to donor rows)."""
    cells: dict[CellKey, Cell] = {}
    if countries is not None and not countries:
        return cells
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
    where = [country.c.dimension == int(FactDimension.COUNTRY), *active_facts(country, today)]
    in_countries = [] if countries is None else [country.c.key.in_(sorted(countries))]
    rows: Any = select(
        country.c.key.label("country"),
        column.label("col"),
        country.c.project_id,
        country.c.currency,
        country.c.amount,
    ).select_from(joined)
    rows = rows.where(*where, *in_countries)
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
        cell = cell_of(cells, code, name)
        cell.projects += projects
        if currency is not None and amount is not None:
            cell.budget[currency] = cell.budget.get(currency, Decimal(0)) + Decimal(amount)
            cell.budget_projects[currency] = cell.budget_projects.get(currency, 0) + budgeted
    # Every country: driven from the donor rows (which carry the same project columns), the
    # planners read them from ix_project_fact_active instead of walking the country rows in
    # key order. Some countries: from their country rows (ix_project_fact_country), each
    # project's donor rows then read from the primary key alone.
    donor = project_fact.alias("d")
    active = active_facts(donor if countries is None else country, today)
    donors = (
        select(
            country.c.key,
            column,
            func.count(func.distinct(donor.c.key)),
            func.count(func.distinct(donor.c.project_id)),
        )
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
        .where(
            donor.c.dimension == int(FactDimension.DONOR),
            *active,
            *in_countries,
        )
        .group_by(country.c.key, column)
    )
    for code, col, count, funded in session.execute(donors):
        name = slug_of.get(col) if by == "theme" else col
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


def _alert_figures(
    session: Session,
    cells: dict[CellKey, Cell],
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
            *active_facts(ca, today),
            *active_facts(cb, today),
        )
        .group_by(ca.c.key, col_a)
    )
    slug_of = {str(tid): col for tid, col in column_of.items()}
    for code, col, count in session.execute(query):
        name = slug_of.get(col) if by == "theme" else col
        if name is not None:
            cell_of(cells, code, name).duplicate_alerts = count


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


def _need_figures(
    session: Session,
    cells: dict[CellKey, Cell],
    column_of: dict[int, str],
    assisted: frozenset[int],
) -> None:
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
        cell = cell_of(cells, code, col)
        cell.needs[priority.value] += 1
        if amount is not None and currency:
            cell.need_cost[currency] = cell.need_cost.get(currency, Decimal(0)) + amount
        if priority == Priority.HIGH and need_id not in assisted:
            cell.unassisted_high_needs += 1


def _recommendation_figures(
    session: Session,
    cells: dict[CellKey, Cell],
    column_of: dict[int, str],
    assisted: frozenset[int],
) -> None:
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
            cell = cell_of(cells, code, col)
            cell.recommendations += 1
            if rec_id not in assisted:
                cell.unassisted_recommendations += 1


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
    session: Session, *, column_of: dict[int, str], assisted: Assisted
) -> dict[CellKey, Cell]:
    """Open needs and endorsed recommendations per cell, assisted or not, in cells holding
    only these figures."""
    cells: dict[CellKey, Cell] = {}
    _need_figures(session, cells, column_of, assisted.needs)
    _recommendation_figures(session, cells, column_of, assisted.recommendations)
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
    session: Session,
    *,
    by: By,
    today: dt.date,
    themes: list[ThemeRow],
    projects: dict[CellKey, Cell],
    targets: dict[CellKey, Cell],
) -> Matrix:
    """The matrix from the project figures (``project_cells``) and the needs' and
    recommendations' (``target_cells``), neither changed, with the duplicate alerts read."""
    column_of = column_of_themes(by, themes)
    cells: dict[CellKey, Cell] = {}
    for part in (projects, targets):
        for (country, column), cell in part.items():
            _add(cell_of(cells, country, column), cell)
    _alert_figures(session, cells, column_of, by, today)
    countries, columns = _labels(session, by, themes)
    return Matrix(by, today, cells, countries, columns)


def compute_matrix(session: Session, *, by: By, today: dt.date) -> Matrix:
    """Every cell's figures, from the database (no cache)."""
    themes = theme_rows(session)
    column_of = column_of_themes(by, themes)
    projects = project_cells(session, by=by, column_of=column_of, today=today)
    targets = target_cells(session, column_of=column_of, assisted=assisted(session, today))
    return assemble(session, by=by, today=today, themes=themes, projects=projects, targets=targets)
