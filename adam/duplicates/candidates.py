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

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Select,
    String,
    Subquery,
    bindparam,
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


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a candidate statement's SQL depends on; the probe's values are bound at execution,
    so each shape is built once: building the organization block's union of ranges took
    longer than the database takes to run it (bench/RESULTS.md)."""

    dialect: str
    words: bool  # the word block is there
    organizations: int  # specific organizations of the probe
    countries: int
    start: bool  # the probe has a start date
    latest: bool  # the probe has an end or a start date
    excluded: bool  # the probe is a stored project (itself is no candidate)

    def for_words(self) -> _Shape:
        """The word block's shape: neither its organizations nor how many countries (bound
        as a list, or inside ``match``) change its SQL."""
        return dataclasses.replace(self, words=True, organizations=0, countries=0)


def _shape(dialect: str, probe: Probe, *, words: bool) -> _Shape:
    return _Shape(
        dialect=dialect,
        words=words,
        organizations=len(probe.organization_ids),
        countries=len(probe.countries),
        start=probe.start is not None,
        latest=(probe.end or probe.start) is not None,
        excluded=probe.project_id is not None,
    )


def _values(probe: Probe, limits: Limits) -> dict[str, Any]:
    """The bound values of a probe's statement (its shape's parameters)."""
    gap = dt.timedelta(days=limits.date_gap_days)
    latest = probe.end or probe.start
    values: dict[str, Any] = {
        "by_words": limits.by_words,
        "by_organization": limits.by_organization,
        "countries": list(probe.countries),
        **{f"organization_{i}": o for i, o in enumerate(probe.organization_ids)},
        **{f"country_{i}": c for i, c in enumerate(probe.countries)},
    }
    if probe.project_id is not None:
        values["probe_id"] = probe.project_id
    if latest is not None:
        values["latest_start"] = latest + gap
    if probe.start is not None:
        values["start"] = probe.start
        values["earliest_end"] = probe.start - gap
    return values


def _live_conditions(shape: _Shape, *, countries: bool = True) -> list[ColumnElement[bool]]:
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
                project_country.c.country_code.in_(bindparam("countries", expanding=True)),
            )
            .limit(1)
            .scalar_subquery()
        )
        conditions.append(in_country.is_not(None))
    if shape.excluded:
        conditions.append(Project.id != bindparam("probe_id", type_=Integer))
    # Undated projects (either side) are always candidates.
    if shape.latest:
        conditions.append(
            or_(
                Project.start_date.is_(None),
                Project.start_date <= bindparam("latest_start", type_=Date),
            )
        )
    if shape.start:
        conditions.append(
            or_(
                Project.end_date.is_(None),
                Project.end_date >= bindparam("earliest_end", type_=Date),
            )
        )
    return conditions


def _match_expression(words: Sequence[str], dialect: str, countries: Sequence[str] = ()) -> str:
    if dialect == "sqlite":
        # Quoted, so that words such as "and"/"or"/"near" are not operators.
        return " OR ".join(f'"{w}"' for w in words)
    # Text lexemes weigh A and countries D, so a word "af" never matches the country AF.
    text_part = " | ".join("'" + w.replace("'", "").replace("\\", "") + "':A" for w in words)
    scope = " | ".join(f"'{c.lower()}':D" for c in countries)
    return f"({text_part}) & ({scope})" if scope else text_part


def _rare_match(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> str | None:
    """The word block's full-text expression: the probe's rarest words (None: no block)."""
    if limits.by_words <= 0:
        return None
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
    if not words:
        return None
    return _match_expression(words, session.get_bind().dialect.name, probe.countries)


@lru_cache(maxsize=256)
def _words_query(shape: _Shape) -> Select[int]:
    """Live projects in the probe's countries holding its rarest words (bound as ``match``),
    best ranked first."""
    # PostgreSQL finds the words in the probe's countries in the index itself (the tsvector
    # holds the countries as weight-D lexemes); SQLite tests each hit's country.
    conditions = _live_conditions(shape, countries=shape.dialect != "postgresql")
    if shape.dialect == "sqlite":
        matched = text(
            "SELECT rowid AS project_id, bm25(project_fts, 2.0, 1.0) AS rank "
            "FROM project_fts WHERE project_fts MATCH :match"
        )
    else:
        matched = text(
            "SELECT project_id, -ts_rank(document, to_tsquery('simple', :match)) AS rank "
            "FROM project_search WHERE document @@ to_tsquery('simple', :match)"
        )
    hits = matched.columns(project_id=Integer, rank=Float).subquery("hits")
    return (
        select(Project.id)
        .join(hits, hits.c.project_id == Project.id)
        .where(*conditions)
        .order_by(hits.c.rank, Project.id.desc())
        .limit(bindparam("by_words", type_=Integer))
    )


@lru_cache(maxsize=256)
def _organization_query(shape: _Shape) -> Select[int]:
    """Live projects naming one of the probe's organizations in one of its countries, nearest
    start first (undated last), read as short ranges of ``match_key``."""
    key = MatchKey.__table__.c
    per_range = bindparam("by_organization", type_=Integer)
    start = bindparam("start", type_=Date)
    ranges = []
    for organization in range(shape.organizations):
        for country in range(shape.countries):
            same = (
                key.organization_id == bindparam(f"organization_{organization}", type_=Integer),
                key.country_code == bindparam(f"country_{country}", type_=String),
            )
            if not shape.start:
                ranges.append(
                    select(key.project_id, key.start_date)
                    .where(*same)
                    .order_by(key.start_date.desc())
                    .limit(per_range)
                )
                continue
            ranges += [
                select(key.project_id, key.start_date)
                .where(*same, key.start_date >= start)
                .order_by(key.start_date)
                .limit(per_range),
                select(key.project_id, key.start_date)
                .where(*same, key.start_date < start)
                .order_by(key.start_date.desc())
                .limit(per_range),
                select(key.project_id, key.start_date)
                .where(*same, key.start_date.is_(None))
                .limit(per_range),
            ]
    near = union_all(*[r.subquery().select() for r in ranges]).subquery("near")
    if not shape.start:
        distance: ColumnElement[Any] = literal(UNDATED)
    elif shape.dialect == "sqlite":
        distance = func.abs(func.julianday(near.c.start_date) - func.julianday(start))
    else:
        distance = func.abs(near.c.start_date - start)
    return (
        select(Project.id)
        .join(near, near.c.project_id == Project.id)
        .where(*_live_conditions(shape, countries=False))
        .group_by(Project.id)
        .order_by(func.min(func.coalesce(distance, UNDATED)), Project.id.desc())
        .limit(per_range)
    )


@lru_cache(maxsize=256)
def _both(shape: _Shape) -> Subquery:
    blocks = []
    if shape.words:
        blocks.append(_words_query(shape.for_words()).subquery().select())
    if shape.organizations:
        blocks.append(_organization_query(shape).subquery().select())
    return (blocks[0] if len(blocks) == 1 else union(*blocks)).subquery("candidates")


@dataclass(frozen=True, slots=True)
class CandidateSearch:
    """Both blocks as one subquery of ``id``s without repeats (the same object for every
    probe of one shape, so what wraps it can be cached too), and the probe's values for it."""

    query: Subquery
    values: dict[str, Any]


def by_words(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> list[int]:
    """The word block's ids, best ranked first."""
    match = _rare_match(session, probe, limits, total=total) if probe.countries else None
    if match is None:
        return []
    shape = _shape(session.get_bind().dialect.name, probe, words=True).for_words()
    return list(session.scalars(_words_query(shape), {**_values(probe, limits), "match": match}))


def by_organization(session: Session, probe: Probe, limits: Limits) -> list[int]:
    """The organization block's ids, nearest start first."""
    if not probe.organization_ids or not probe.countries or limits.by_organization <= 0:
        return []
    shape = _shape(session.get_bind().dialect.name, probe, words=False)
    return list(session.scalars(_organization_query(shape), _values(probe, limits)))


def candidate_query(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> CandidateSearch | None:
    """Both blocks as one subquery of project ids without repeats (None: nothing to look
    for), so that the check reads its candidates' rows in the same statement.

    ``total``: the index's size, when the caller has read it (``terms.indexed_total``)."""
    if not probe.countries:
        return None
    match = _rare_match(session, probe, limits, total=total)
    if limits.by_organization <= 0:
        probe = dataclasses.replace(probe, organization_ids=())
    if match is None and not probe.organization_ids:
        return None
    shape = _shape(session.get_bind().dialect.name, probe, words=match is not None)
    values = _values(probe, limits)
    if match is not None:
        values["match"] = match
    return CandidateSearch(_both(shape), values)


def candidate_ids(
    session: Session, probe: Probe, limits: Limits, *, total: int | None = None
) -> list[int]:
    """Ids of the projects to score against ``probe`` (``candidate_query``), in id order."""
    found = candidate_query(session, probe, limits, total=total)
    if found is None:
        return []
    return sorted(session.scalars(select(found.query.c[0]), found.values))
