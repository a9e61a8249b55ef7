"""Projects and budgets per calendar year: how many run, start and end each year, and the
budget of each year, optionally split by one dimension (country, theme, donor, ...).

A project runs in every calendar year from its start to its end; one without an end date runs
to the current year. Its budget is spread evenly over those years, so a year's figures can be
summed over years without counting a budget twice. Projects without a start date have no
place on a timeline: they are counted as undated. Budgets are summed per currency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from adam.auth.actor import Actor
from adam.projects.filters import ProjectFilters, this_year
from adam.stats.service import grouping, labels_of, require_readable

CENTS = Decimal("0.01")


@dataclass(slots=True)
class YearRow:
    year: int
    key: dict[str, Any] | None = None
    active: int = 0
    starting: int = 0
    ending: int = 0
    budget: dict[str, Decimal] = field(default_factory=dict)
    budget_projects: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Timeline:
    by: str | None
    years: list[int]
    rows: list[YearRow]
    currencies: list[str]
    undated: int


def _grouped(session: Session, filters: ProjectFilters, by: str | None) -> Any:
    """One GROUP BY of the filtered projects by (key,) start year, end year and currency."""
    found = grouping(session, [by] if by else [], filters)
    rows = found.rows
    return found.query.add_columns(
        *found.keys,
        rows.c.start_year,
        rows.c.end_year,
        rows.c.currency,
        func.count().label("projects"),
        func.count(rows.c.amount).label("budgeted"),
        func.sum(rows.c.amount).label("budget"),
    ).group_by(*found.keys, rows.c.currency, rows.c.start_year, rows.c.end_year)


def project_timeline(
    session: Session,
    *,
    actor: Actor,
    filters: ProjectFilters,
    by: str | None = None,
    today: dt.date | None = None,
) -> Timeline:
    """Per year (and per value of ``by``): projects running, starting and ending, and the
    budget spread over the years each project runs, per currency."""
    require_readable(actor, filters)
    current = today.year if today else this_year()
    records = session.execute(_grouped(session, filters, by)).all()
    width = 1 if by is not None else 0
    labels = labels_of(session, by, {r[0] for r in records}) if by is not None else {}
    rows: dict[tuple[Any, int], YearRow] = {}
    currencies: set[str] = set()
    undated = 0
    for record in records:
        key = record[0] if width else None
        start, end, currency, projects, budgeted, amount = record[width:]
        if start is None:
            undated += projects
            continue
        first = int(start)
        # Ongoing projects run to this year; one that starts later runs in its first year.
        last = max(int(end) if end is not None else current, first)
        share = Decimal(amount) / (last - first + 1) if amount is not None and currency else None
        for year in range(first, last + 1):
            row = rows.get((key, year))
            if row is None:
                label = labels.get(key) if width else None
                row = rows[(key, year)] = YearRow(year=year, key=label)
            row.active += projects
            if year == first:
                row.starting += projects
            if end is not None and year == last:
                row.ending += projects
            if share is not None:
                row.budget[currency] = row.budget.get(currency, Decimal(0)) + share
                row.budget_projects[currency] = row.budget_projects.get(currency, 0) + budgeted
                currencies.add(currency)
    for row in rows.values():
        row.budget = {c: a.quantize(CENTS) for c, a in row.budget.items()}
    years = sorted({year for _, year in rows})
    ordered = sorted(rows.values(), key=lambda r: (r.year, -r.active, _label_text(r.key)))
    return Timeline(
        by,
        list(range(years[0], years[-1] + 1)) if years else [],
        ordered,
        sorted(currencies),
        undated,
    )


def _label_text(label: dict[str, Any] | None) -> str:
    return str(next(iter(label.values()))) if label else ""
