"""Stored projects as the matcher, the registration answer and an alert see them: read from
their index rows and link tables in a few plain-row statements, without loading ORM objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    String,
    Subquery,
    bindparam,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from adam.duplicates import events
from adam.duplicates.candidates import CandidateSearch
from adam.duplicates.index import record_from_index, text_columns
from adam.duplicates.models import ProjectSearch
from adam.matching.record import MatchRecord
from adam.projects.models import (
    OrganizationRole,
    Project,
    ProjectOrganization,
    project_country,
    project_theme,
)
from adam.reference.models import Country, Organization, Theme


@dataclass(slots=True)
class Candidate:
    record: MatchRecord
    summary: dict[str, Any]  # what the registration answer lists
    notice: dict[str, Any]  # what an alert announces (events.notice)


def candidate_rows(
    session: Session, found: CandidateSearch, organizations: set[int]
) -> list[tuple[Any, MatchRecord, set[int]]]:
    """The candidates ``found`` (``candidate_query``) read in the statement that finds them:
    each row with its project's columns and index text, the row as a record of its text alone
    (enough for ``could_alert``), and which of ``organizations`` it names."""
    rows = session.execute(
        _rows_statement(found.query, session.get_bind().dialect.name),
        {**found.values, "shared_organizations": sorted(organizations) or [0]},
    )
    return [
        (
            row,
            record_from_index(row, id=row.id, title=""),
            {int(o) for o in (row.shared or "").split()},
        )
        for row in rows
    ]


@lru_cache(maxsize=256)
def _rows_statement(found: Subquery, dialect: str) -> Select[*tuple[Any, ...]]:
    """``_candidate_select`` of the projects ``found`` holds, with which of the organizations
    bound as ``shared_organizations`` each names; one per candidate statement (``found`` is
    built once per shape)."""
    organization = ProjectOrganization.organization_id
    aggregate = (
        func.string_agg(cast(organization, String), " ")
        if dialect == "postgresql"
        else func.group_concat(organization, " ")
    )
    shared = (
        select(aggregate)
        .where(
            ProjectOrganization.project_id == Project.id,
            organization.in_(bindparam("shared_organizations", expanding=True)),
        )
        .correlate(Project)
        .scalar_subquery()
    )
    return (
        _candidate_select()
        .add_columns(shared.label("shared"))
        .where(Project.id.in_(select(found.c[0])))
    )


def _candidate_select() -> Select[*tuple[Any, ...]]:
    """What a candidate's record, summary and notice need of its project and index rows."""
    search = ProjectSearch.__table__.c
    return select(
        Project.id,
        Project.code,
        Project.title,
        Project.description,
        Project.status,
        Project.start_date,
        Project.end_date,
        Project.budget_amount,
        Project.budget_currency,
        Project.iati_identifier,
        *text_columns(),
    ).join(ProjectSearch.__table__, search.project_id == Project.id)


@dataclass(slots=True)
class _Links:
    """The countries, themes and organizations of some projects, as (code, name) pairs."""

    countries: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    themes: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    # (project, role) -> organizations in their order
    organizations: dict[tuple[int, str], list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _links(session: Session, ids: Sequence[int]) -> _Links:
    """The three link tables of ``ids`` in one round trip (none for no ids)."""
    links = _Links()
    if not ids:
        return links
    for pid, kind, code, name, _order in session.execute(_links_statement(), {"ids": list(ids)}):
        if kind == "country":
            links.countries[pid].append((code, name))
        elif kind == "theme":
            links.themes[pid].append((code, name))
        else:
            links.organizations[(pid, kind)].append((code, name))
    return links


@cache
def _links_statement() -> Select[*tuple[Any, ...]]:
    """(project, kind, code, name, order) of the projects bound to ``ids``. Built once: a
    union of three joins takes longer to build than the database takes to run it
    (bench/RESULTS.md)."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    rows = union_all(
        select(
            project_country.c.project_id,
            literal("country"),
            Country.code,
            Country.name_en,
            literal(0),
        )
        .join(Country, Country.code == project_country.c.country_code)
        .where(project_country.c.project_id.in_(ids)),
        select(project_theme.c.project_id, literal("theme"), Theme.slug, Theme.name_en, Theme.id)
        .join(Theme, Theme.id == project_theme.c.theme_id)
        .where(project_theme.c.project_id.in_(ids)),
        select(
            ProjectOrganization.project_id,
            cast(ProjectOrganization.role, String),
            Organization.code,
            Organization.name,
            ProjectOrganization.position,
        )
        .join(Organization, Organization.id == ProjectOrganization.organization_id)
        .where(ProjectOrganization.project_id.in_(ids)),
    ).subquery()
    return select(rows).order_by(rows.c[4], rows.c[2])


def _candidate(row: Any, links: _Links, org_weights: dict[str, float] | None) -> Candidate:
    """A stored project as the matcher, the registration answer and an alert see it, from its
    row (``_candidate_select``) and its links."""
    pid = row.id
    donors = links.organizations[(pid, OrganizationRole.DONOR.value)]
    implementers = links.organizations[(pid, OrganizationRole.IMPLEMENTER.value)]
    countries = links.countries[pid]
    themes = links.themes[pid]
    record = record_from_index(
        row,
        org_weights=org_weights,
        id=pid,
        title=row.title,
        donors=[c for c, _ in donors],
        implementers=[c for c, _ in implementers],
        countries=[c for c, _ in countries],
        themes=[t for t, _ in themes],
        start=row.start_date,
        end=row.end_date,
        budget_amount=row.budget_amount,
        budget_currency=row.budget_currency,
        iati_identifier=row.iati_identifier,
    )
    summary = {
        "id": pid,
        "code": row.code,
        "title": row.title,
        "donors": [{"code": c, "name": n} for c, n in donors],
        "countries": [{"code": c, "name": n} for c, n in countries],
    }
    announced = events.notice(
        id=pid,
        code=row.code,
        title=row.title,
        description=row.description,
        donors=donors,
        implementers=implementers,
        countries=countries,
        themes=themes,
        status=row.status,
        start_date=row.start_date,
        end_date=row.end_date,
        budget_amount=row.budget_amount,
        budget_currency=row.budget_currency,
    )
    return Candidate(record, summary, announced)


def candidates_from_rows(
    session: Session, rows: Iterable[Any], org_weights: dict[str, float] | None
) -> list[Candidate]:
    """The candidates of rows read by ``candidate_rows``, in their order, with their links."""
    rows = list(rows)
    links = _links(session, [row.id for row in rows])
    return [_candidate(row, links, org_weights) for row in rows]


def load_candidates(
    session: Session, ids: Sequence[int], org_weights: dict[str, float] | None = None
) -> dict[int, Candidate]:
    """Matcher records of stored projects, from their index rows (two queries, plain rows).

    ``org_weights``: organization code -> weight, for the organizations that count.
    """
    if not ids:
        return {}
    links = _links(session, ids)
    rows = session.execute(_candidate_select().where(Project.id.in_(ids)))
    return {row.id: _candidate(row, links, org_weights) for row in rows}
