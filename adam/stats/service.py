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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


@dataclass(slots=True)
class StatsTable:
    by: list[str]
    rows: list[StatsRow]
    currencies: list[str]
    total_projects: int


def _dimension(name: str, query: Any, projects: Any) -> tuple[Any, list[Any]]:
    """Join what ``name`` needs onto ``query``; return it with the columns that label a group."""
    if name == "country":
        link = project_country.alias("by_country")
        query = query.join(link, link.c.project_id == projects.c.id).join(
            Country, Country.code == link.c.country_code
        )
        return query, [Country.code, Country.name_en]
    if name == "theme":
        link = project_theme.alias("by_theme")
        query = query.join(link, link.c.project_id == projects.c.id).join(
            Theme, Theme.id == link.c.theme_id
        )
        return query, [Theme.slug, Theme.name_en]
    if name in ("donor", "implementer"):
        role = OrganizationRole.DONOR if name == "donor" else OrganizationRole.IMPLEMENTER
        link = ProjectOrganization.__table__.alias(f"by_{name}")
        org = Organization.__table__.alias(f"{name}_org")
        query = query.join(
            link, (link.c.project_id == projects.c.id) & (link.c.role == role.value)
        ).join(org, org.c.id == link.c.organization_id)
        return query, [org.c.code, org.c.name]
    if name == "status":
        return query, [projects.c.status]
    if name == "year":
        return query, [func.extract("year", projects.c.start_date)]
    raise ValueError(name)


def _label(name: str, values: Sequence[Any]) -> dict[str, Any] | None:
    if name in ("country", "donor", "implementer"):
        return {"code": values[0], "name": values[1]}
    if name == "theme":
        return {"slug": values[0], "name": values[1]}
    if values[0] is None:
        return None
    if name == "year":
        return {"year": int(values[0])}
    return {"code": str(values[0])}


def project_table(
    session: Session, *, actor: Actor, by: Sequence[str], filters: ProjectFilters
) -> StatsTable:
    """Counts and per-currency budget sums of the filtered projects, per group of ``by``."""
    del actor  # every role may read the tables; kept for the service-layer signature
    base = apply_filters(
        session,
        select(
            Project.id.label("id"),
            Project.status.label("status"),
            Project.start_date.label("start_date"),
            Project.budget_amount.label("budget_amount"),
            Project.budget_currency.label("budget_currency"),
        ),
        filters,
    ).subquery("filtered")
    query: Any = select().select_from(base)
    label_columns: list[list[Any]] = []
    for name in by:
        query, columns = _dimension(name, query, base)
        label_columns.append(columns)
    flat = [column for columns in label_columns for column in columns]
    query = query.add_columns(
        *flat,
        base.c.budget_currency,
        func.count().label("projects"),
        func.sum(base.c.budget_amount).label("budget"),
    ).group_by(*flat, base.c.budget_currency)
    rows: dict[tuple[Any, ...], StatsRow] = {}
    currencies: set[str] = set()
    for record in session.execute(query):
        values = list(record)
        key = tuple(values[: len(flat)])
        currency, count, amount = values[len(flat) :]
        row = rows.get(key)
        if row is None:
            keys: dict[str, dict[str, Any] | None] = {}
            offset = 0
            for name, columns in zip(by, label_columns, strict=True):
                keys[name] = _label(name, values[offset : offset + len(columns)])
                offset += len(columns)
            row = rows[key] = StatsRow(keys=keys)
        row.projects += count
        if currency is not None and amount is not None:
            row.budget[currency] = row.budget.get(currency, Decimal(0)) + Decimal(amount)
            currencies.add(currency)
    total = session.scalar(select(func.count()).select_from(base)) or 0
    ordered = sorted(rows.values(), key=lambda r: (-r.projects, _sort_key(r)))
    return StatsTable(list(by), ordered, sorted(currencies), total)


def _sort_key(row: StatsRow) -> tuple[str, ...]:
    return tuple(str(next(iter(label.values()))) if label else "" for label in row.keys.values())
