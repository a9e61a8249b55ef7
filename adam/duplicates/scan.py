"""Find duplicate pairs among projects already stored (after a bulk load), country by country.

Checking each project through the database, as a registration does, costs a round of
statements a project (bench/RESULTS.md has the figures); a scan instead loads one country's
live projects at a time, blocks them in memory on the same two keys (rare shared words, shared
organizations) and scores each pair once. Memory is bound by the largest country, not the
corpus.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.duplicates.check import lock_countries
from adam.duplicates.index import index_project, unindexed_project_ids
from adam.duplicates.raising import raise_alerts_for_many
from adam.duplicates.records import Candidate, load_candidates
from adam.duplicates.settings import MatcherSettings
from adam.duplicates.terms import (
    MAX_SHARE,
    MIN_DOCUMENTS,
    SPECIFIC_ORGANIZATION,
    indexed_total,
    refresh_term_stats,
)
from adam.matching.normalize import normalize_code
from adam.matching.pairs import (
    Blocking,
    CountryPairs,
    Found,
    NewInCountry,
    score_country,
    score_new,
)
from adam.matching.rarity import organization_weight
from adam.projects.models import Project, ProjectOrganization, ProjectStatus, project_country
from adam.reference.models import Organization

CHUNK = 1000
T = TypeVar("T")
Task = TypeVar("Task")
Result = TypeVar("Result")
# Per project, fewer candidates than a registration checks: every pair is seen from both
# sides, and the scan must stay within minutes at 100k projects.
BY_WORDS = 12
BY_ORGANIZATION = 6
WORDS_SEARCHED = 12


@dataclass(slots=True)
class ScanReport:
    projects: int = 0
    pairs_scored: int = 0
    alerts_raised: int = 0
    indexed: int = 0


def reindex_missing(session: Session, *, advance: Callable[[int], None] | None = None) -> int:
    """Index projects with no index row, or one written before words were weighed (loaded
    before the matcher existed, or in bulk)."""
    ids = unindexed_project_ids(session)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for project in session.scalars(select(Project).where(Project.id.in_(chunk))):
            index_project(session, project)
        session.flush()
        if advance:
            advance(len(chunk))
    if ids:
        refresh_term_stats(session)
    return len(ids)


def _country_codes(session: Session, country: str | None) -> list[str]:
    if country:
        return [country.upper()]
    return list(
        session.scalars(select(project_country.c.country_code).distinct().order_by("country_code"))
    )


def _live_ids(session: Session, country: str) -> list[int]:
    return list(
        session.scalars(
            select(Project.id)
            .join(project_country, project_country.c.project_id == Project.id)
            .where(
                project_country.c.country_code == country,
                Project.withdrawn_at.is_(None),
                Project.status != ProjectStatus.CANCELLED,
            )
            .order_by(Project.id)
        )
    )


def blocking(settings: MatcherSettings, *, by_words: int, by_organization: int) -> Blocking:
    return Blocking(
        by_words=by_words,
        by_organization=by_organization,
        words_searched=WORDS_SEARCHED,
        date_gap_days=settings.limits.date_gap_days,
        max_share=MAX_SHARE,
        min_documents=MIN_DOCUMENTS,
        specific_organization=SPECIFIC_ORGANIZATION,
    )


def _organization_weights(session: Session) -> dict[str, float]:
    """Weight of every organization by how many projects name it (as a registration weighs
    the organizations it shares, see ``terms.organization_weights``)."""
    total = indexed_total(session)
    counts = session.execute(
        select(Organization.code, func.count(func.distinct(ProjectOrganization.project_id)))
        .join(ProjectOrganization, ProjectOrganization.organization_id == Organization.id)
        .group_by(Organization.code)
    )
    return {normalize_code(code): organization_weight(n, total) for code, n in counts}


def scan(
    session: Session,
    *,
    settings: MatcherSettings,
    country: str | None = None,
    advance: Callable[[int], None] | None = None,
) -> ScanReport:
    """Raise alerts for likely duplicate pairs among stored projects.

    ``advance(n)`` reports progress.

    Pairs already alerted (or resolved) are left as they are. The caller commits.
    """
    report = ScanReport(indexed=reindex_missing(session))
    org_weights = _organization_weights(session)
    blocked = blocking(settings, by_words=BY_WORDS, by_organization=BY_ORGANIZATION)

    def loaded() -> Iterator[tuple[tuple[int, dict[int, Candidate]], CountryPairs]]:
        for code in _country_codes(session, country):
            ids = _live_ids(session, code)
            candidates = _load(session, ids, org_weights)
            records = {pid: c.record for pid, c in candidates.items()}
            # A full scan scores a pair sharing several countries in the first of them only.
            first = code.lower() if country is None else None
            yield (len(ids), candidates), CountryPairs(records, first, blocked, settings.weights)

    parallel = scan_total(session, country) >= PARALLEL_FROM
    for (visited, candidates), (found, pairs) in _score_all(
        score_country, loaded(), parallel=parallel
    ):
        report.pairs_scored += pairs
        report.alerts_raised += sum(_raise(session, candidates, found).values())
        report.projects += visited
        if advance:
            advance(visited)
        session.expunge_all()
    return report


def _load(
    session: Session, ids: Sequence[int], org_weights: dict[str, float]
) -> dict[int, Candidate]:
    """The matcher's records of ``ids`` (one country's live projects), in chunks."""
    candidates: dict[int, Candidate] = {}
    for start in range(0, len(ids), CHUNK):
        candidates.update(load_candidates(session, ids[start : start + CHUNK], org_weights))
    return candidates


def _raise(session: Session, candidates: dict[int, Candidate], found: Found) -> Counter[int]:
    """The alerts of one country's scored pairs (``pairs.Found``), raised together."""
    return raise_alerts_for_many(
        session,
        [
            (candidates[pid], [(candidates[o], match) for o, match in scored])
            for pid, scored in found
        ],
    )


def scan_total(session: Session, country: str | None) -> int:
    """How many project-country entries a scan will visit (for the progress bar)."""
    query = (
        select(func.count())
        .select_from(project_country)
        .join(Project, Project.id == project_country.c.project_id)
        .where(Project.withdrawn_at.is_(None), Project.status != ProjectStatus.CANCELLED)
    )
    if country:
        query = query.where(project_country.c.country_code == country.upper())
    return session.scalar(query) or 0


# --- Projects written in bulk ---

# A country is loaded whole when it holds at most this many live projects for each new one (or
# few in all); past that, each new project is checked through the index, as a registration is.
LOAD_RATIO = 20
LOAD_MIN = 5000


def check_new(
    session: Session,
    project_ids: Sequence[int],
    *,
    settings: MatcherSettings,
    advance: Callable[[int], None] | None = None,
    starting: Callable[[int], object] | None = None,
) -> Counter[int]:
    """Raise alerts for projects written in bulk (indexed, weighed and committed) against the
    live projects and each other; returns how many alerts each of them raised.

    ``starting(n)``: called first with the number of live projects to check; ``advance(n)``
    then says how many of them are done.

    Country by country, each committed on its own. A country with many new projects is loaded
    whole and its pairs scored in memory (``pairs.score_new``; in worker processes when there
    are many); otherwise each new project is checked through the index, as a registration is.

    First, the lock each of their countries' registrations takes (PostgreSQL) is taken and let
    go: a registration checked before the new projects were indexed has then committed, and is
    in what is loaded here; one checked after sees them in the index.
    """
    raised: Counter[int] = Counter()
    by_country = _live_new_by_country(session, project_ids)
    if starting:
        starting(len({pid for new in by_country.values() for pid in new}))
    if not by_country:
        return raised
    lock_countries(session, list(by_country))
    session.commit()
    org_weights = _organization_weights(session)
    blocked = blocking(
        settings,
        by_words=settings.limits.by_words,
        by_organization=settings.limits.by_organization,
    )
    large: dict[str, list[int]] = {}

    def loaded() -> Iterator[tuple[tuple[list[int], dict[int, Candidate]], NewInCountry]]:
        for code, new in sorted(by_country.items()):
            ids = _live_ids(session, code)
            if len(ids) > max(LOAD_MIN, LOAD_RATIO * len(new)):
                large[code] = new
                continue
            candidates = _load(session, ids, org_weights)
            records = {pid: c.record for pid, c in candidates.items()}
            task = NewInCountry(records, new, blocked, settings.weights, settings.max_alerts)
            yield (new, candidates), task

    parallel = sum(len(new) for new in by_country.values()) >= PARALLEL_FROM
    checked: set[int] = set()
    for (new, candidates), found in _score_all(score_new, loaded(), parallel=parallel):
        raised.update(_raise(session, candidates, found))
        session.commit()
        done = set(new) - checked
        checked |= done
        if advance:
            advance(len(done))
    # The check as the public module holds it when called (a test may replace it there); a
    # local import, since that module imports this one.
    from adam.duplicates import service as duplicates_service

    for new in large.values():
        # Newest first, as ``score_new``: of two new look-alikes, the later one raises the
        # alert, as one by one.
        for pid in sorted(set(new) - checked, reverse=True):
            project = session.get(Project, pid)
            if project is not None:
                outcome = duplicates_service.check_project(
                    session, project, settings=settings, reindex=False
                )
                raised[pid] += len(outcome.new_alerts)
            session.commit()
            checked.add(pid)
            if advance:
                advance(1)
    session.expunge_all()
    return raised


# Below this many new projects, scoring runs in this process (starting workers costs more).
PARALLEL_FROM = 2000


def _score_all(
    score: Callable[[Task], Result], tasks: Iterator[tuple[T, Task]], *, parallel: bool
) -> Iterator[tuple[T, Result]]:
    """``score`` of each task, in order, with what came with it: in worker processes, one per
    core, when ``parallel`` (much to score). Spawned, not forked: the web process that runs an
    import has threads. One task per worker is in flight, and one more loaded, so memory holds
    a few countries, not all."""
    workers = os.cpu_count() or 1
    if not parallel or workers < 2:
        for key, task in tasks:
            yield key, score(task)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[T, Future[Result]]] = deque()
        for key, task in tasks:
            pending.append((key, pool.submit(score, task)))
            if len(pending) > workers:
                key, future = pending.popleft()
                yield key, future.result()
        while pending:
            key, future = pending.popleft()
            yield key, future.result()


def _live_new_by_country(session: Session, project_ids: Sequence[int]) -> dict[str, list[int]]:
    by_country: dict[str, list[int]] = defaultdict(list)
    for start in range(0, len(project_ids), CHUNK):
        chunk = project_ids[start : start + CHUNK]
        rows = session.execute(
            select(project_country.c.country_code, project_country.c.project_id)
            .join(Project, Project.id == project_country.c.project_id)
            .where(
                project_country.c.project_id.in_(chunk),
                Project.withdrawn_at.is_(None),
                Project.status != ProjectStatus.CANCELLED,
            )
        )
        for code, pid in rows:
            by_country[code].append(pid)
    return by_country
