"""``project_fact``: each project's links with the columns the tables group and filter on;
``project_cell_fact``: each project's (country, theme, donor) combinations, for the gap view.

The project service refreshes a project's rows in the same transaction as every write that
changes what they copy (registration, import, edit, withdrawal, restoration), so the tables
read them as they would read the projects; the countries whose rows changed raise their
number in ``project_fact_version`` at commit, for readers that keep figures per country.
``filter_facts`` gives the list's filters as conditions on these rows, with the list's
refusals of unknown codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    FromClause,
    Integer,
    String,
    and_,
    cast,
    delete,
    event,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql import ColumnElement

from adam.projects.filters import (
    ProjectFilters,
    filter_references,
    organization_projects,
    search_words,
    this_year,
)
from adam.projects.models import (
    FactDimension,
    OrganizationRole,
    Project,
    ProjectOrganization,
    project_cell_fact,
    project_country,
    project_fact,
    project_fact_version,
    project_theme,
)

# Ids per statement: far below SQLite's limit of bound parameters.
CHUNK = 500
# session.info: the countries whose facts this transaction changed (see refresh_facts).
CHANGED_COUNTRIES = "adam.fact_countries_changed"
COLUMNS = [c.name for c in project_fact.columns]
CELL_COLUMNS = [c.name for c in project_cell_fact.columns]


def _copy(condition: ColumnElement[bool] | None) -> Any:
    """The rows of the projects matching ``condition`` (all when None), as one SELECT."""
    project = Project.__table__
    shared = (
        project.c.withdrawn_at.is_not(None),
        project.c.status,
        project.c.start_date,
        project.c.end_date,
        cast(func.extract("year", project.c.start_date), Integer),
        cast(func.extract("year", project.c.end_date), Integer),
        project.c.budget_currency,
        project.c.budget_amount,
    )
    organization = ProjectOrganization.__table__
    parts: list[Any] = [
        select(project.c.id, literal(int(FactDimension.PROJECT)), literal(""), *shared)
    ]
    for dimension, project_id, key, extra in (
        (
            FactDimension.COUNTRY,
            project_country.c.project_id,
            project_country.c.country_code,
            None,
        ),
        (
            FactDimension.THEME,
            project_theme.c.project_id,
            cast(project_theme.c.theme_id, String),
            None,
        ),
        (
            FactDimension.DONOR,
            organization.c.project_id,
            cast(organization.c.organization_id, String),
            organization.c.role == OrganizationRole.DONOR,
        ),
        (
            FactDimension.IMPLEMENTER,
            organization.c.project_id,
            cast(organization.c.organization_id, String),
            organization.c.role == OrganizationRole.IMPLEMENTER,
        ),
    ):
        part = select(project_id, literal(int(dimension)), key, *shared).join(
            project, project.c.id == project_id
        )
        parts.append(part.where(extra) if extra is not None else part)
    if condition is not None:
        parts = [part.where(condition) for part in parts]
    return union_all(*parts)


def _cell_copy(condition: ColumnElement[bool] | None) -> Any:
    """The ``project_cell_fact`` rows of the projects matching ``condition`` (all when None):
    each country of a project with each of its themes and each of its donors (0 for none)."""
    project, organization = Project.__table__, ProjectOrganization.__table__
    rows = (
        select(
            project.c.id,
            project_country.c.country_code,
            project_theme.c.theme_id,
            func.coalesce(organization.c.organization_id, 0),
            project.c.withdrawn_at.is_not(None),
            project.c.status,
            project.c.end_date,
            project.c.budget_currency,
            project.c.budget_amount,
        )
        .select_from(project)
        .join(project_country, project_country.c.project_id == project.c.id)
        .join(project_theme, project_theme.c.project_id == project.c.id)
        .outerjoin(
            organization,
            and_(
                organization.c.project_id == project.c.id,
                organization.c.role == OrganizationRole.DONOR,
            ),
        )
    )
    return rows.where(condition) if condition is not None else rows


def _countries(executor: Session | Connection, chunk: list[int] | None) -> set[str]:
    """The countries of the rows of these projects (all when None)."""
    query = select(project_fact.c.key).where(project_fact.c.dimension == int(FactDimension.COUNTRY))
    if chunk is not None:
        query = query.where(project_fact.c.project_id.in_(chunk))
    return set(executor.scalars(query.distinct()))


def _raise_versions(executor: Session | Connection, countries: Iterable[str]) -> None:
    """Raise each country's number in ``project_fact_version``, one upsert per country in
    code order: each row stays locked until commit, so two transactions naming the same
    countries take them in the same order instead of deadlocking."""
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    version = project_fact_version.c.version
    for code in sorted(set(countries)):
        executor.execute(
            insert(project_fact_version)
            .values(country_code=code, version=1)
            .on_conflict_do_update(
                index_elements=[project_fact_version.c.country_code],
                set_={"version": version + 1},
            )
        )


@event.listens_for(Session, "before_commit")
def _raise_pending_versions(session: Session) -> None:
    # At the commit rather than at each refresh: the rows stay locked for the commit only,
    # and a transaction refreshing several times raises each country once, in order.
    if countries := session.info.pop(CHANGED_COUNTRIES, None):
        _raise_versions(session, countries)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending_versions(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back: the facts it announced are gone too
        session.info.pop(CHANGED_COUNTRIES, None)


def refresh_facts(session: Session, project_ids: Iterable[int]) -> None:
    """Rewrite the rows of these projects from what they hold now (call after a flush), and
    have the countries they leave or reach raise their ``project_fact_version`` at commit."""
    ids = sorted(set(project_ids))
    changed: set[str] = session.info.setdefault(CHANGED_COUNTRIES, set())
    country = int(FactDimension.COUNTRY)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # The rows removed and written say which countries they leave and reach (RETURNING,
        # rather than two more statements).
        removed = session.execute(
            delete(project_fact)
            .where(project_fact.c.project_id.in_(chunk))
            .returning(project_fact.c.dimension, project_fact.c.key)
        )
        changed |= {key for dimension, key in removed if dimension == country}
        rows = _copy(Project.__table__.c.id.in_(chunk))
        written = session.execute(
            project_fact.insert()
            .from_select(COLUMNS, rows)
            .returning(project_fact.c.dimension, project_fact.c.key)
        )
        changed |= {key for dimension, key in written if dimension == country}
        session.execute(delete(project_cell_fact).where(project_cell_fact.c.project_id.in_(chunk)))
        session.execute(
            project_cell_fact.insert().from_select(
                CELL_COLUMNS, _cell_copy(Project.__table__.c.id.in_(chunk))
            )
        )


def rebuild_facts(session: Session | Connection) -> None:
    """Rewrite every row from the projects (after a bulk load, or to check the copy), and
    raise every country's ``project_fact_version`` at once."""
    before = _countries(session, None)
    session.execute(delete(project_fact))
    session.execute(project_fact.insert().from_select(COLUMNS, _copy(None)))
    session.execute(delete(project_cell_fact))
    session.execute(project_cell_fact.insert().from_select(CELL_COLUMNS, _cell_copy(None)))
    _raise_versions(session, before | _countries(session, None))


def filter_facts(session: Session, fact: FromClause, filters: ProjectFilters) -> list[Any]:
    """The filters as conditions on rows of ``fact`` (an alias of ``project_fact``).

    :raises InvalidInput: as ``apply_filters``, for unknown countries, themes, organizations.
    """
    refs = filter_references(session, filters)
    conditions: list[Any] = [fact.c.withdrawn.is_(filters.withdrawn)]
    project_id = fact.c.project_id
    if refs.country_codes is not None:
        conditions.append(
            project_id.in_(
                select(project_country.c.project_id).where(
                    project_country.c.country_code.in_(refs.country_codes)
                )
            )
        )
    if refs.theme_ids is not None:
        conditions.append(
            project_id.in_(
                select(project_theme.c.project_id).where(
                    project_theme.c.theme_id.in_(refs.theme_ids)
                )
            )
        )
    if refs.donor_ids is not None:
        conditions.append(
            project_id.in_(organization_projects(refs.donor_ids, OrganizationRole.DONOR))
        )
    if refs.implementer_ids is not None:
        conditions.append(
            project_id.in_(
                organization_projects(refs.implementer_ids, OrganizationRole.IMPLEMENTER)
            )
        )
    if filters.statuses:
        conditions.append(fact.c.status.in_(filters.statuses))
    if filters.year is not None:
        # As apply_filters: a project without an end date runs to this year.
        ongoing = fact.c.end_year.is_(None) if filters.year <= this_year() else false()
        conditions.append(
            and_(
                fact.c.start_year <= filters.year,
                or_(ongoing, fact.c.end_year >= filters.year),
            )
        )
    if filters.active_on:
        day: dt.date = filters.active_on
        conditions.append(
            and_(fact.c.start_date <= day, or_(fact.c.end_date.is_(None), fact.c.end_date >= day))
        )
    if filters.start_from:
        conditions.append(fact.c.start_date >= filters.start_from)
    if filters.end_to:
        conditions.append(fact.c.end_date <= filters.end_to)
    if filters.currency:
        conditions.append(fact.c.currency == filters.currency)
    if filters.budget_min is not None:
        conditions.append(fact.c.amount >= filters.budget_min)
    if filters.budget_max is not None:
        conditions.append(fact.c.amount <= filters.budget_max)
    if filters.q:
        words = [
            Project.search_text.contains(word, autoescape=True) for word in search_words(filters.q)
        ]
        conditions.append(project_id.in_(select(Project.id).where(*words)))
    return conditions
