"""Group the filtered projects by country, theme, donor, implementer, status or start year.

A project with several countries (or themes, or donors) counts once in each of them, with its
whole budget: the usual "who does what where" reading, which must not be summed across groups.
Budgets are summed per currency; no exchange rates are applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import FromClause, and_, func, select
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.projects.facts import filter_facts
from adam.projects.filters import ProjectFilters
from adam.projects.models import FactDimension, project_fact
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


LINKED = {
    "country": FactDimension.COUNTRY,
    "theme": FactDimension.THEME,
    "donor": FactDimension.DONOR,
    "implementer": FactDimension.IMPLEMENTER,
}


@dataclass(slots=True)
class Grouping:
    """A grouping over ``project_fact``: the query to add columns to, the columns of the
    groups' keys, and the rows that hold one row per filtered project and its figures."""

    query: Any
    keys: list[Any]
    rows: FromClause


def grouping(session: Session, by: Sequence[str], filters: ProjectFilters) -> Grouping:
    """The rows of the filtered projects, joined so each carries its values of ``by``.

    The first linked dimension of ``by`` gives the rows (one per project and value); a
    second linked one joins its rows by project; status and year are read off the row.
    With no linked dimension the rows are the projects' own.

    :raises InvalidInput: for unknown codes in the filters.
    """
    linked = [name for name in by if name in LINKED]
    rows = project_fact.alias("fact")
    first = LINKED[linked[0]] if linked else FactDimension.PROJECT
    conditions = [rows.c.dimension == int(first), *filter_facts(session, rows, filters)]
    query: Any = select().select_from(rows)
    columns: dict[str, Any] = {}
    if linked:
        columns[linked[0]] = rows.c.key
    if len(linked) == 2:
        other = project_fact.alias("other")
        query = query.join(
            other,
            and_(
                other.c.project_id == rows.c.project_id,
                other.c.dimension == int(LINKED[linked[1]]),
            ),
        )
        columns[linked[1]] = other.c.key
    columns["status"] = rows.c.status
    columns["year"] = rows.c.start_year
    return Grouping(query.where(*conditions), [columns[name] for name in by], rows)


def require_readable(actor: Actor, filters: ProjectFilters) -> None:
    """Every role may read the tables of live projects; withdrawn ones are for staff.

    :raises Forbidden: withdrawn projects asked for by someone who may not see them.
    """
    if filters.withdrawn:
        permissions.require(actor, "project.read_withdrawn")


def _ids(keys: set[Any]) -> list[int]:
    return [int(key) for key in keys if key is not None]


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
    if name == "theme":  # keyed by the id as text, as project_fact keeps it
        themes = session.execute(
            select(Theme.id, Theme.slug, Theme.name_en, Theme.name_ru, Theme.pillar).where(
                Theme.id.in_(_ids(keys))
            )
        ).all()
        return {
            str(key): {"slug": slug, "name": label, "name_ru": label_ru, "pillar": pillar.value}
            for key, slug, label, label_ru, pillar in themes
        }
    if name in ("donor", "implementer"):
        rows = session.execute(
            select(Organization.id, Organization.code, Organization.name).where(
                Organization.id.in_(_ids(keys))
            )
        ).all()
        return {str(key): {"code": code, "name": label} for key, code, label in rows}
    if name == "year":
        return {key: None if key is None else {"year": int(key)} for key in keys}
    return {key: None if key is None else {"code": str(key)} for key in keys}


def project_table(
    session: Session, *, actor: Actor, by: Sequence[str], filters: ProjectFilters
) -> StatsTable:
    """Counts and per-currency budget sums of the filtered projects, per group of ``by``."""
    require_readable(actor, filters)
    found = grouping(session, by, filters)
    query = found.query.add_columns(
        *found.keys,
        found.rows.c.currency,
        func.count().label("projects"),
        func.count(found.rows.c.amount).label("budgeted"),
        func.sum(found.rows.c.amount).label("budget"),
    ).group_by(*found.keys, found.rows.c.currency)
    groups: dict[tuple[Any, ...], StatsRow] = {}
    records = session.execute(query).all()
    labels = [
        labels_of(session, name, {record[index] for record in records})
        for index, name in enumerate(by)
    ]
    # Grouped by status or year only, each project is in one group: the groups add up to
    # the totals, and a second pass over the projects is not needed.
    per_currency: dict[str | None, tuple[int, int, Decimal]] | None = (
        None if any(name in LINKED for name in by) else {}
    )
    for record in records:
        key = tuple(record[: len(by)])
        currency, count, budgeted, amount = record[len(by) :]
        row = groups.get(key)
        if row is None:
            row = groups[key] = StatsRow(
                keys={name: labels[i][key[i]] for i, name in enumerate(by)}
            )
        row.projects += count
        if currency is not None and amount is not None:
            row.budget[currency] = row.budget.get(currency, Decimal(0)) + Decimal(amount)
            row.budget_projects[currency] = row.budget_projects.get(currency, 0) + budgeted
        if per_currency is not None:
            seen = per_currency.get(currency, (0, 0, Decimal(0)))
            per_currency[currency] = (
                seen[0] + count,
                seen[1] + budgeted,
                seen[2] + (Decimal(amount) if amount is not None else Decimal(0)),
            )
    if per_currency is None:
        totals, total, no_budget = currency_totals(session, filters)
    else:
        totals, total, no_budget = _totals(per_currency.items())
    currencies = sorted({c for row in groups.values() for c in row.budget})
    ordered = sorted(groups.values(), key=lambda r: (-r.projects, _sort_key(r)))
    return StatsTable(list(by), ordered, currencies, total, totals, no_budget)


def _totals(
    groups: Iterable[tuple[str | None, tuple[int, int, Decimal | None]]],
) -> tuple[dict[str, tuple[int, Decimal]], int, int]:
    """Per currency (projects, budget), the number of projects and those without a budget,
    from (currency, (projects, budgeted, amount)) per currency group."""
    totals: dict[str, tuple[int, Decimal]] = {}
    total = no_budget = 0
    for currency, (projects, budgeted, amount) in groups:
        total += projects
        if currency is None or amount is None or not budgeted:
            no_budget += projects
            continue
        totals[currency] = (budgeted, Decimal(amount))
        no_budget += projects - budgeted
    return totals, total, no_budget


def currency_totals(
    session: Session, filters: ProjectFilters
) -> tuple[dict[str, tuple[int, Decimal]], int, int]:
    """Over the filtered projects, each once: per currency (projects, budget), the number of
    projects, and how many have no budget; one GROUP BY."""
    found = grouping(session, [], filters)
    rows = found.rows
    query = found.query.add_columns(
        rows.c.currency,
        func.count().label("projects"),
        func.count(rows.c.amount).label("budgeted"),
        func.sum(rows.c.amount).label("budget"),
    ).group_by(rows.c.currency)
    return _totals(
        (currency, (projects, budgeted, amount))
        for currency, projects, budgeted, amount in session.execute(query)
    )


def _sort_key(row: StatsRow) -> tuple[str, ...]:
    return tuple(str(next(iter(label.values()))) if label else "" for label in row.keys.values())


def counts_by(
    session: Session, *, actor: Actor, by: str, filters: ProjectFilters
) -> dict[str, int]:
    """How many of the filtered projects have each value of ``by`` (one GROUP BY): keyed by
    country code, theme slug, organization code or status."""
    require_readable(actor, filters)
    found = grouping(session, [by], filters)
    query = found.query.add_columns(*found.keys, func.count()).group_by(*found.keys)
    counts: dict[Any, int] = {}
    for key, projects in session.execute(query):
        if key is not None:
            counts[key] = counts.get(key, 0) + projects
    if by == "theme":  # grouped by id; keyed by slug like the filters
        slugs = session.execute(
            select(Theme.id, Theme.slug).where(Theme.id.in_(_ids(set(counts))))
        ).all()
        return {slug: counts[str(key)] for key, slug in slugs}
    if by in ("donor", "implementer"):
        codes = session.execute(
            select(Organization.id, Organization.code).where(Organization.id.in_(_ids(set(counts))))
        ).all()
        return {code: counts[str(key)] for key, code in codes}
    return {str(key): count for key, count in counts.items()}
