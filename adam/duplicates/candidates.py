"""Candidate generation: the few stored projects worth scoring against a new or changed one.

Two blocks, both confined to live projects (not withdrawn, not cancelled) that share a
beneficiary country and whose dates overlap or lie within the configured gap:

- words: a full-text OR query on the project's rarest title and description words (SQLite FTS5
  ranked by bm25, PostgreSQL GIN over a tsvector ranked by ts_rank);
- organizations: projects naming one of its organizations in either role in one of its
  countries, since a funder's and an implementer's record of one activity often share no rare
  word ("UNHCR operation in Malawi (2020)") but do share the funder, nearest start date first
  (``match_key`` holds one row per organization and country, ordered by start).

Each block reads index postings or link rows, never every project of the country, so cost
grows with the number of plausible candidates, not with the corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Select,
    Subquery,
    func,
    literal,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from adam.duplicates.models import MatchKey
from adam.duplicates.terms import document_frequencies, rare_words
from adam.projects.models import Project, ProjectStatus, project_country

WORDS_PER_FIELD = 12
# How far from the probe's start an undated project lies, in days: behind every dated one.
UNDATED = 10**6


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
    # Planted near-duplicates at 100k: 198/200 found with 30 + 10 (bench/RESULTS.md); every
    # candidate costs a few tens of microseconds to turn away.
    by_words: int = 30
    by_organization: int = 15


def _live_conditions(
    probe: Probe, limits: Limits, *, countries: bool = True
) -> list[ColumnElement[bool]]:
    gap = dt.timedelta(days=limits.date_gap_days)
    conditions: list[ColumnElement[bool]] = [
        Project.withdrawn_at.is_(None),
        Project.status != ProjectStatus.CANCELLED,
    ]
    if countries:
        # Correlated, so each hit costs one primary-key probe: an IN (or an EXISTS, which
        # PostgreSQL turns into a hash semi-join) would list every project of the countries,
        # tens of thousands, before looking at any hit. A scalar subquery stays per row.
        in_country = (
            select(literal(1))
            .where(
                project_country.c.project_id == Project.id,
                project_country.c.country_code.in_(probe.countries),
            )
            .limit(1)
            .scalar_subquery()
        )
        conditions.append(in_country.is_not(None))
    if probe.project_id is not None:
        conditions.append(Project.id != probe.project_id)
    # Undated projects (either side) are always candidates.
    latest = probe.end or probe.start
    if latest is not None:
        conditions.append(or_(Project.start_date.is_(None), Project.start_date <= latest + gap))
    if probe.start is not None:
        conditions.append(or_(Project.end_date.is_(None), Project.end_date >= probe.start - gap))
    return conditions


def _match_expression(words: Sequence[str], dialect: str, countries: Sequence[str] = ()) -> str:
    if dialect == "sqlite":
        # Quoted, so that words such as "and"/"or"/"near" are not operators.
        return " OR ".join(f'"{w}"' for w in words)
    # Text lexemes weigh A and countries D, so a word "af" never matches the country AF.
    text_part = " | ".join("'" + w.replace("'", "").replace("\\", "") + "':A" for w in words)
    scope = " | ".join(f"'{c.lower()}':D" for c in countries)
    return f"({text_part}) & ({scope})" if scope else text_part


def _words_query(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> Select[tuple[int]] | None:
    """Live projects in the probe's countries holding its rarest words, best ranked first."""
    title = probe.title_terms.split()
    head = probe.description_head.split()
    frequencies, total = document_frequencies(
        session, list(dict.fromkeys(title + head)), total=total
    )
    words = list(
        dict.fromkeys(
            rare_words(title, frequencies, total, limit=WORDS_PER_FIELD)
            + rare_words(head, frequencies, total, limit=WORDS_PER_FIELD)
        )
    )
    if not words or limits.by_words <= 0:
        return None
    dialect = session.get_bind().dialect.name
    # PostgreSQL finds the words in the probe's countries in the index itself (the tsvector
    # holds the countries as weight-D lexemes); SQLite tests each hit's country.
    conditions = _live_conditions(probe, limits, countries=dialect != "postgresql")
    if dialect == "sqlite":
        matched = text(
            "SELECT rowid AS project_id, bm25(project_fts, 2.0, 1.0) AS rank "
            "FROM project_fts WHERE project_fts MATCH :match"
        )
    else:
        matched = text(
            "SELECT project_id, -ts_rank(document, to_tsquery('simple', :match)) AS rank "
            "FROM project_search WHERE document @@ to_tsquery('simple', :match)"
        )
    hits = (
        matched.bindparams(match=_match_expression(words, dialect, probe.countries))
        .columns(project_id=Integer, rank=Float)
        .subquery("hits")
    )
    return (
        select(Project.id)
        .join(hits, hits.c.project_id == Project.id)
        .where(*conditions)
        .order_by(hits.c.rank, Project.id.desc())
        .limit(limits.by_words)
    )


def _organization_query(
    session: Session, probe: Probe, limits: Limits
) -> Select[tuple[int]] | None:
    """Live projects naming one of the probe's organizations in one of its countries, nearest
    start first (undated last), read as short ranges of ``match_key``."""
    if not probe.organization_ids or limits.by_organization <= 0:
        return None
    key = MatchKey.__table__.c
    per_range = limits.by_organization
    ranges = []
    for organization in probe.organization_ids:
        for country in probe.countries:
            same = (key.organization_id == organization, key.country_code == country)
            if probe.start is None:
                ranges.append(
                    select(key.project_id, key.start_date)
                    .where(*same)
                    .order_by(key.start_date.desc())
                    .limit(per_range)
                )
                continue
            ranges += [
                select(key.project_id, key.start_date)
                .where(*same, key.start_date >= probe.start)
                .order_by(key.start_date)
                .limit(per_range),
                select(key.project_id, key.start_date)
                .where(*same, key.start_date < probe.start)
                .order_by(key.start_date.desc())
                .limit(per_range),
                select(key.project_id, key.start_date)
                .where(*same, key.start_date.is_(None))
                .limit(per_range),
            ]
    near = union_all(*[r.subquery().select() for r in ranges]).subquery("near")
    if probe.start is None:
        distance: ColumnElement[Any] = literal(UNDATED)
    elif session.get_bind().dialect.name == "sqlite":
        distance = func.abs(func.julianday(near.c.start_date) - func.julianday(probe.start))
    else:
        distance = func.abs(near.c.start_date - literal(probe.start, Date))
    return (
        select(Project.id)
        .join(near, near.c.project_id == Project.id)
        .where(*_live_conditions(probe, limits, countries=False))
        .group_by(Project.id)
        .order_by(func.min(func.coalesce(distance, UNDATED)), Project.id.desc())
        .limit(per_range)
    )


def by_words(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> list[int]:
    """The word block's ids, best ranked first."""
    query = _words_query(session, probe, limits, total=total)
    return [] if query is None else list(session.scalars(query))


def by_organization(session: Session, probe: Probe, limits: Limits) -> list[int]:
    """The organization block's ids, nearest start first."""
    query = _organization_query(session, probe, limits)
    return [] if query is None else list(session.scalars(query))


def candidate_query(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> Subquery | None:
    """Both blocks as one subquery of ``project_id``s without repeats (None: nothing to look
    for), so that the check reads its candidates' rows in the same statement.

    ``total``: the index's size, when the caller has read it (``terms.indexed_total``)."""
    if not probe.countries:
        return None
    blocks = [
        query.subquery().select()
        for query in (
            _words_query(session, probe, limits, total=total),
            _organization_query(session, probe, limits),
        )
        if query is not None
    ]
    if not blocks:
        return None
    both = blocks[0] if len(blocks) == 1 else union(*blocks)
    return both.subquery("candidates")


def candidate_ids(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> list[int]:
    """Ids of the projects to score against ``probe`` (``candidate_query``), in id order."""
    query = candidate_query(session, probe, limits, total=total)
    if query is None:
        return []
    return sorted(session.scalars(select(query.c[0])))
