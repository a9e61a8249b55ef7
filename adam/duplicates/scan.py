"""Find duplicate pairs among projects already stored (after a bulk load), country by country.

Checking each project through the database, as a registration does, costs ~10 ms a project;
a scan instead loads one country's live projects at a time, blocks them in memory on the same
two keys (rare shared words, shared organizations) and scores each pair once. Memory is bound
by the largest country, not the corpus.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.duplicates import service
from adam.duplicates.index import index_project, unindexed_project_ids
from adam.duplicates.settings import MatcherSettings
from adam.duplicates.terms import (
    MAX_SHARE,
    MIN_DOCUMENTS,
    SPECIFIC_ORGANIZATION,
    indexed_total,
    refresh_term_stats,
)
from adam.matching.normalize import normalize_code
from adam.matching.rarity import organization_weight
from adam.matching.record import MatchRecord
from adam.matching.result import Match
from adam.matching.score import score
from adam.projects.models import Project, ProjectOrganization, ProjectStatus, project_country
from adam.reference.models import Organization

CHUNK = 1000
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


def _near_in_time(a: MatchRecord, b: MatchRecord, gap: dt.timedelta) -> bool:
    if a.start is not None and b.end is not None and b.end < a.start - gap:
        return False
    return not (b.start is not None and a.end is not None and a.end < b.start - gap)


@dataclass(slots=True)
class _Blocks:
    """One country's records blocked on the keys a registration searches: words by their
    weight (its title words and rarest description words, ``rarity.py``) and specific
    organizations. Common words and organizations block nothing: they cannot make a pair
    reach the threshold alone."""

    records: dict[int, MatchRecord]
    postings: dict[str, list[int]]
    by_org: dict[str, list[int]]
    cap: int
    gap: dt.timedelta

    @classmethod
    def build(cls, records: dict[int, MatchRecord], settings: MatcherSettings) -> _Blocks:
        postings: dict[str, list[int]] = defaultdict(list)
        by_org: dict[str, list[int]] = defaultdict(list)
        for pid, record in records.items():
            for word, weight in record.weights.items():
                if weight > 0:
                    postings[word].append(pid)
            for org in record.organizations:
                if record.org_weights.get(org, 1.0) >= SPECIFIC_ORGANIZATION:
                    by_org[org].append(pid)
        return cls(
            records,
            postings,
            by_org,
            cap=max(MIN_DOCUMENTS, int(len(records) * MAX_SHARE)),
            gap=dt.timedelta(days=settings.limits.date_gap_days),
        )

    def candidates(self, pid: int, by_words: int, by_organization: int) -> list[int]:
        """The projects to score ``pid`` against, near it in time: those sharing the most
        weight of its words, then those naming its organizations, nearest start first."""
        record = self.records[pid]
        shared: Counter[int] = Counter()
        searched = sorted(
            (
                w
                for w, weight in record.weights.items()
                if weight > 0 and len(self.postings[w]) <= self.cap
            ),
            key=lambda w: -record.weights[w],
        )
        # As a registration searches on its rarest words only (candidates.WORDS_PER_FIELD).
        for word in searched[:WORDS_SEARCHED]:
            weight = record.weights[word]
            for other in self.postings[word]:
                if other != pid:
                    shared[other] += weight
        chosen = [o for o, _ in shared.most_common(by_words)]
        near: list[tuple[int, int]] = []
        for org in record.organizations:
            for other in self.by_org.get(org, ()):
                if other == pid:
                    continue
                start = self.records[other].start
                days = abs((start - record.start).days) if start and record.start else 10**6
                near.append((days, other))
        chosen += [o for _, o in sorted(set(near))[:by_organization]]
        return [
            o for o in dict.fromkeys(chosen) if _near_in_time(record, self.records[o], self.gap)
        ]


def _pairs(
    records: dict[int, MatchRecord], settings: MatcherSettings
) -> Iterable[tuple[int, list[int]]]:
    """For each project, the ids of the projects to score it against (each pair once)."""
    blocks = _Blocks.build(records, settings)
    for pid in records:
        # Each pair once: the lower id scores it.
        keep = [o for o in blocks.candidates(pid, BY_WORDS, BY_ORGANIZATION) if o > pid]
        if keep:
            yield pid, keep


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
    for code in _country_codes(session, country):
        ids = _live_ids(session, code)
        candidates: dict[int, service.Candidate] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            candidates.update(service.load_candidates(session, chunk, org_weights))
        records = {pid: c.record for pid, c in candidates.items()}
        for pid, others in _pairs(records, settings):
            scored = []
            for other in others:
                # In a full scan, a pair sharing several countries is scored in the first
                # of them only; a one-country scan scores every pair it sees.
                shared = records[pid].countries & records[other].countries
                if country is None and min(shared) != code.lower():
                    continue
                # No could_alert here: blocked on shared weighed words, nearly every pair
                # passes it, and it would compare the texts twice.
                report.pairs_scored += 1
                match = score(
                    records[pid],
                    records[other],
                    settings.weights,
                    explain_below=settings.threshold,
                )
                if match.score >= settings.threshold:
                    scored.append((candidates[other], match))
            if scored:
                scored.sort(key=lambda item: -item[1].score)
                known = candidates[pid].notice  # loaded with the country's records
                outcome = service.raise_alerts(
                    session, pid, scored, notice=lambda known=known: known
                )
                report.alerts_raised += len(outcome.new_alerts)
        report.projects += len(ids)
        if advance:
            advance(len(ids))
        session.expunge_all()
    return report


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
) -> Counter[int]:
    """Raise alerts for projects written in bulk (indexed, weighed and committed) against the
    live projects and each other; returns how many alerts each of them raised.

    Country by country, each committed on its own. A country with many new projects is loaded
    whole and blocked in memory (as ``scan`` does), under the country's lock (PostgreSQL), the
    one a registration's check takes: a project registered meanwhile is either seen here or
    sees the new ones. Otherwise each new project is checked through the index.
    """
    raised: Counter[int] = Counter()
    by_country = _live_new_by_country(session, project_ids)
    if not by_country:
        return raised
    org_weights = _organization_weights(session)
    scored_pairs: set[tuple[int, int]] = set()
    checked: set[int] = set()
    for code, new in sorted(by_country.items()):
        service.lock_countries(session, [code])
        ids = _live_ids(session, code)
        if len(ids) <= max(LOAD_MIN, LOAD_RATIO * len(new)):
            _check_loaded(session, ids, new, settings, org_weights, scored_pairs, raised)
            session.commit()
        else:
            session.commit()  # the lock: each check takes its own
            # Newest first, as ``_check_loaded``: of two new look-alikes, the later one
            # raises the alert, as one by one.
            for pid in sorted(new, reverse=True):
                if pid in checked:
                    continue
                project = session.get(Project, pid)
                if project is not None:
                    outcome = service.check_project(
                        session, project, settings=settings, reindex=False
                    )
                    raised[pid] += len(outcome.new_alerts)
                session.commit()
        checked.update(new)
        if advance:
            advance(len(new))
        session.expunge_all()
    return raised


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


def _check_loaded(
    session: Session,
    ids: list[int],
    new: list[int],
    settings: MatcherSettings,
    org_weights: dict[str, float],
    scored_pairs: set[tuple[int, int]],
    raised: Counter[int],
) -> None:
    """Score each new project of one country against the country's projects, loaded whole."""
    candidates: dict[int, service.Candidate] = {}
    for start in range(0, len(ids), CHUNK):
        candidates.update(service.load_candidates(session, ids[start : start + CHUNK], org_weights))
    records = {pid: c.record for pid, c in candidates.items()}
    blocks = _Blocks.build(records, settings)
    limits = settings.limits
    fresh = set(new)
    found: list[tuple[service.Candidate, list[tuple[service.Candidate, Match]]]] = []
    # Newest first: of two new look-alikes, the later one raises the alert, as one by one.
    for pid in sorted((p for p in new if p in records), reverse=True):
        scored = []
        for other in blocks.candidates(pid, limits.by_words, limits.by_organization):
            # A pair may come again from its other side (both new) or in another country they
            # share; only those pairs are remembered, so memory follows the import, not the
            # registry.
            if other in fresh or len(records[pid].countries & records[other].countries) > 1:
                pair = (pid, other) if pid < other else (other, pid)
                if pair in scored_pairs:
                    continue
                scored_pairs.add(pair)
            match = score(
                records[pid], records[other], settings.weights, explain_below=settings.threshold
            )
            if match.score >= settings.threshold:
                scored.append((candidates[other], match))
        if scored:
            scored.sort(key=lambda item: (-item[1].score, item[0].summary["id"]))
            found.append((candidates[pid], scored[: settings.max_alerts]))
    raised.update(service.raise_alerts_for_many(session, found))
