"""Group the filtered projects by country, theme, donor, implementer, status or start year.

A project with several countries (or themes, or donors) counts once in each of them, with its
whole budget: the usual "who does what where" reading, which must not be summed across groups.
Budgets are summed per currency; no exchange rates are applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import FromClause, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from adam.auth.actor import Actor
from adam.projects.filters import ProjectFilters, apply_filters
from adam.projects.models import (
    OrganizationRole,
    Project,
    ProjectOrganization,
    project_country,
    project_theme,
)
from adam.reference.models import Country, Organization, Theme

DIMENSIONS = ("country", "theme", "donor", "implementer", "status", "year")


@dataclass(slots=True)
class StatsRow:
    keys: dict[str, dict[str, Any] | None]
    projects: int = 0
    budget: dict[str, Decimal] = field(default_factory=dict)
    # How many of the group's projects each currency's sum holds: a chart in one currency
    # says how many it leaves out.
    budget_projects: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class StatsTable:
    by: list[str]
    rows: list[StatsRow]
    currencies: list[str]
    total_projects: int
    # Over the filtered projects, each once: per currency, (projects, budget sum).
    totals: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    # Filtered projects with no budget (or no currency), in no currency's sum.
    no_budget: int = 0


def _dimension(name: str, query: Any, projects: Any, project_id: Any) -> tuple[Any, Any]:
    """Join what ``name`` needs onto ``query``; return it with the column to group on.

    Groups are keyed by codes and ids from the link tables; their names are looked up once
    per group afterwards (``labels_of``), not joined onto each of the ~240k grouped rows.
    """
    if name == "country":
        link: FromClause = project_country.alias("by_country")
        query = query.join(link, link.c.project_id == project_id)
        return query, link.c.country_code
    if name == "theme":
        link = project_theme.alias("by_theme")
        query = query.join(link, link.c.project_id == project_id)
        return query, link.c.theme_id
    if name in ("donor", "implementer"):
        role = OrganizationRole.DONOR if name == "donor" else OrganizationRole.IMPLEMENTER
        link = ProjectOrganization.__table__.alias(f"by_{name}")
        query = query.join(link, (link.c.project_id == project_id) & (link.c.role == role.value))
        return query, link.c.organization_id
    if name == "status":
        return query, projects.c.status
    if name == "year":
        return query, func.extract("year", projects.c.start_date)
    raise ValueError(name)


def dimension_join(session: Session, name: str, query: Any, base: Any) -> tuple[Any, Any]:
    """Join what ``name`` needs onto ``query`` over the filtered projects ``base``; return it
    with the column to group on."""
    project_id: Any = base.c.id
    if session.get_bind().dialect.name == "sqlite":
        # "+ 0" stops SQLite from looking projects up by id from the link rows (which it
        # prefers, and which reads the table's wide rows); it then walks the covering index
        # once and looks up each project's links, which is faster (bench/RESULTS.md).
        project_id = base.c.id + 0
    return _dimension(name, query, base, project_id)


def labels_of(session: Session, name: str, keys: set[Any]) -> dict[Any, dict[str, Any] | None]:
    """The label of each group key: code (or slug) and name, the status, or the year."""
    if name == "country":
        countries = session.execute(
            select(Country.code, Country.name_en, Country.name_ru).where(Country.code.in_(keys))
        ).all()
        return {
            code: {"code": code, "name": label, "name_ru": label_ru}
            for code, label, label_ru in countries
        }
    if name == "theme":
        themes = session.execute(
            select(Theme.id, Theme.slug, Theme.name_en, Theme.name_ru, Theme.pillar).where(
                Theme.id.in_(keys)
            )
        ).all()
        return {
            key: {"slug": slug, "name": label, "name_ru": label_ru, "pillar": pillar.value}
            for key, slug, label, label_ru, pillar in themes
        }
    if name in ("donor", "implementer"):
        rows = session.execute(
            select(Organization.id, Organization.code, Organization.name).where(
                Organization.id.in_(keys)
            )
        ).all()
        return {key: {"code": code, "name": label} for key, code, label in rows}
    if name == "year":
        return {key: None if key is None else {"year": int(key)} for key in keys}
    return {key: None if key is None else {"code": str(key)} for key in keys}


def _grouped(session: Session, by: Sequence[str], filters: ProjectFilters) -> tuple[Any, Any]:
    """The filtered projects (a subquery), and the GROUP BY of them by ``by`` and currency:
    the keys of ``by``, then currency, count and budget sum."""
    # Only the columns the grouping reads, so the covering index on project serves them.
    columns: list[InstrumentedAttribute[Any]] = [
        Project.id,
        Project.budget_currency,
        Project.budget_amount,
    ]
    if "status" in by:
        columns.append(Project.status)
    if "year" in by:
        columns.append(Project.start_date)
    base = apply_filters(session, select(*columns), filters).subquery("filtered")
    query: Any = select().select_from(base)
    keys = []
    for name in by:
        query, key = dimension_join(session, name, query, base)
        keys.append(key)
    query = query.add_columns(
        *keys,
        base.c.budget_currency,
        func.count().label("projects"),
        func.sum(base.c.budget_amount).label("budget"),
    ).group_by(*keys, base.c.budget_currency)
    return query, base


def project_table(
    session: Session, *, actor: Actor, by: Sequence[str], filters: ProjectFilters
) -> StatsTable:
    """Counts and per-currency budget sums of the filtered projects, per group of ``by``."""
    del actor  # every role may read the tables; kept for the service-layer signature
    query, base = _grouped(session, by, filters)
    groups: dict[tuple[Any, ...], StatsRow] = {}
    currencies: set[str] = set()
    records = session.execute(query).all()
    labels = [
        labels_of(session, name, {record[index] for record in records})
        for index, name in enumerate(by)
    ]
    for record in records:
        key = tuple(record[: len(by)])
        currency, count, amount = record[len(by) :]
        row = groups.get(key)
        if row is None:
            row = groups[key] = StatsRow(
                keys={name: labels[i][key[i]] for i, name in enumerate(by)}
            )
        row.projects += count
        if currency is not None and amount is not None:
            row.budget[currency] = row.budget.get(currency, Decimal(0)) + Decimal(amount)
            row.budget_projects[currency] = row.budget_projects.get(currency, 0) + count
            currencies.add(currency)
    totals, total, no_budget = currency_totals(session, base)
    ordered = sorted(groups.values(), key=lambda r: (-r.projects, _sort_key(r)))
    return StatsTable(list(by), ordered, sorted(currencies), total, totals, no_budget)


def currency_totals(session: Session, base: Any) -> tuple[dict[str, tuple[int, Decimal]], int, int]:
    """Over the filtered projects ``base``: per currency (projects, budget), the number of
    projects, and how many have no budget; one GROUP BY."""
    query = select(
        base.c.budget_currency,
        func.count().label("projects"),
        func.count(base.c.budget_amount).label("budgeted"),
        func.sum(base.c.budget_amount).label("budget"),
    ).group_by(base.c.budget_currency)
    totals: dict[str, tuple[int, Decimal]] = {}
    total = no_budget = 0
    for currency, projects, budgeted, amount in session.execute(query):
        total += projects
        if currency is None or amount is None:
            no_budget += projects
            continue
        totals[currency] = (budgeted, Decimal(amount))
        no_budget += projects - budgeted
    return totals, total, no_budget


def _sort_key(row: StatsRow) -> tuple[str, ...]:
    return tuple(str(next(iter(label.values()))) if label else "" for label in row.keys.values())


def counts_by(
    session: Session, *, actor: Actor, by: str, filters: ProjectFilters
) -> dict[str, int]:
    """How many of the filtered projects have each value of ``by`` (one GROUP BY): keyed by
    country code, theme slug, organization code or status."""
    del actor  # as project_table
    query, _ = _grouped(session, [by], filters)
    counts: dict[Any, int] = {}
    for key, _currency, projects, _budget in session.execute(query):
        if key is not None:
            counts[key] = counts.get(key, 0) + projects
    if by == "theme":  # grouped by id; keyed by slug like the filters
        slugs = session.execute(select(Theme.id, Theme.slug).where(Theme.id.in_(counts))).all()
        return {slug: counts[key] for key, slug in slugs}
    if by in ("donor", "implementer"):
        codes = session.execute(
            select(Organization.id, Organization.code).where(Organization.id.in_(counts))
        ).all()
        return {code: counts[key] for key, code in codes}
    return {str(key): count for key, count in counts.items()}
