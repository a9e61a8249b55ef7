"""Candidate generation: the few stored projects worth scoring against a new or changed one.

Two blocks, both confined to live projects (not withdrawn, not cancelled) that share a
beneficiary country and whose dates overlap or lie within the configured gap:

- words: a full-text OR query on the project's rarest title and description words (SQLite FTS5
  ranked by bm25, PostgreSQL GIN over a tsvector ranked by ts_rank);
- organizations: projects naming one of its organizations in either role, since a funder's and
  an implementer's record of one activity often share no rare word ("UNHCR operation in
  Malawi (2020)") but do share the funder, nearest start date first.

Each block reads index postings or link rows, never every project of the country, so cost
grows with the number of plausible candidates, not with the corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Date, Float, Integer, cast, func, literal, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from adam.duplicates.terms import document_frequencies, rare_words
from adam.projects.models import Project, ProjectOrganization, ProjectStatus, project_country

WORDS_PER_FIELD = 12


@dataclass(frozen=True, slots=True)
class Probe:
    """What candidate generation needs to know of the project being checked."""

    project_id: int | None
    countries: tuple[str, ...]
    organization_ids: tuple[int, ...]
    start: dt.date | None
    end: dt.date | None
    title_terms: str
    description_head: str


@dataclass(frozen=True, slots=True)
class Limits:
    date_gap_days: int = 365
    by_words: int = 150
    by_organization: int = 100


def _live_conditions(probe: Probe, limits: Limits) -> list[ColumnElement[bool]]:
    gap = dt.timedelta(days=limits.date_gap_days)
    conditions: list[ColumnElement[bool]] = [
        Project.withdrawn_at.is_(None),
        Project.status != ProjectStatus.CANCELLED,
        Project.id.in_(
            select(project_country.c.project_id).where(
                project_country.c.country_code.in_(probe.countries)
            )
        ),
    ]
    if probe.project_id is not None:
        conditions.append(Project.id != probe.project_id)
    # Undated projects (either side) are always candidates.
    latest = probe.end or probe.start
    if latest is not None:
        conditions.append(or_(Project.start_date.is_(None), Project.start_date <= latest + gap))
    if probe.start is not None:
        conditions.append(or_(Project.end_date.is_(None), Project.end_date >= probe.start - gap))
    return conditions


def _match_expression(words: Sequence[str], dialect: str) -> str:
    if dialect == "sqlite":
        # Quoted, so that words such as "and"/"or"/"near" are not operators.
        return " OR ".join(f'"{w}"' for w in words)
    return " | ".join("'" + w.replace("'", "") + "'" for w in words)


def by_words(
    session: Session, probe: Probe, limits: Limits, extra: Sequence[ColumnElement[bool]] = ()
) -> list[int]:
    title = probe.title_terms.split()
    head = probe.description_head.split()
    frequencies, total = document_frequencies(session, list(dict.fromkeys(title + head)))
    words = list(
        dict.fromkeys(
            rare_words(title, frequencies, total, limit=WORDS_PER_FIELD)
            + rare_words(head, frequencies, total, limit=WORDS_PER_FIELD)
        )
    )
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    conditions = [*_live_conditions(probe, limits), *extra]
    if dialect == "sqlite":
        matched = text(
            "SELECT rowid AS project_id, bm25(project_fts, 2.0, 1.0) AS rank "
            "FROM project_fts WHERE project_fts MATCH :match"
        ).columns(project_id=Integer, rank=Float)
    else:
        matched = text(
            "SELECT project_id, -ts_rank(document, to_tsquery('simple', :match)) AS rank "
            "FROM project_search WHERE document @@ to_tsquery('simple', :match)"
        ).columns(project_id=Integer, rank=Float)
    hits = matched.subquery("hits")
    query = (
        select(Project.id)
        .join(hits, hits.c.project_id == Project.id)
        .where(*conditions)
        .order_by(hits.c.rank, Project.id.desc())
        .limit(limits.by_words)
    )
    params = {"match": _match_expression(words, dialect)}
    return list(session.scalars(query, params))


def by_organization(
    session: Session, probe: Probe, limits: Limits, extra: Sequence[ColumnElement[bool]] = ()
) -> list[int]:
    if not probe.organization_ids:
        return []
    shares = Project.id.in_(
        select(ProjectOrganization.project_id).where(
            ProjectOrganization.organization_id.in_(probe.organization_ids)
        )
    )
    query = select(Project.id).where(shares, *_live_conditions(probe, limits), *extra)
    if probe.start is not None:
        # Nearest start first, undated last.
        query = query.order_by(
            Project.start_date.is_(None), _days_apart(session, probe.start), Project.id.desc()
        )
    else:
        query = query.order_by(Project.id.desc())
    return list(session.scalars(query.limit(limits.by_organization)))


def _days_apart(session: Session, day: dt.date) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        return func.abs(func.julianday(Project.start_date) - func.julianday(day.isoformat()))
    return func.abs(Project.start_date - cast(literal(day), Date))


def candidate_ids(
    session: Session,
    probe: Probe,
    limits: Limits,
    extra: Sequence[ColumnElement[bool]] = (),
) -> list[int]:
    """Ids of the projects to score against ``probe``, word matches first, without repeats."""
    if not probe.countries:
        return []
    found = by_words(session, probe, limits, extra) + by_organization(session, probe, limits, extra)
    return list(dict.fromkeys(found))


def recently_changed(since: dt.datetime) -> list[ColumnElement[bool]]:
    """Extra condition for the pass after commit: only what changed while we were matching."""
    return [Project.updated_at >= since]
