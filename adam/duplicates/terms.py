"""How common each indexed word is: for choosing the words a candidate search is worth making
on, and for weighing the words two projects share (``adam.matching.rarity``).

Words shared by thousands of projects ("drug", "border", "training") make the full-text OR
query read thousands of rows and rank the true duplicate below look-alikes; words held by a
few projects are what a duplicate shares.

Three layers, cheapest first:

1. a cache in each process (a word's count rarely moves, and a registration asks for ~100);
2. ``search_term_stat``, a snapshot of every word's count, rebuilt by ``refresh_term_stats``
   (``adam duplicates reindex`` and ``scan``, and ``adam worker`` once the index has grown by
   a tenth since the last snapshot);
3. for words the snapshot lacks (new since), a live count from the full-text index, stopped
   at ``common_count``: a word held by more projects than that weighs nothing anyway, so its
   exact count is never needed, and counting it would read its whole posting list.

Organizations are counted the same way, by how many projects name them.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, String, delete, func, literal, select, text, union_all
from sqlalchemy.orm import Mapped, Session, mapped_column

from adam.db import Base
from adam.matching.features import NO_TEXT
from adam.matching.rarity import common_count, organization_weight

log = logging.getLogger(__name__)

# Words in more than this share of projects are too common to search on. matching.md found
# 0.5 % kept recall at 295/300 at 1M; with words weighed, 0.2 % finds 198 of 200 planted
# duplicates at 100k (bench/RESULTS.md) and reads less than half the postings.
MAX_SHARE = 0.002
# Postings one search may read (the summed counts of its words), whatever the registry's size:
# the rarest words come first and carry the evidence, so the cost stays flat from 100k to 1M.
POSTINGS_BUDGET = 1500
# A title of common words only searches on its two rarest if they are held by at most this
# share of projects.
FALLBACK_SHARE = 0.005
# ...but below this many projects every word is worth it (a small registry has no statistics).
MIN_DOCUMENTS = 50
# The index's size when the snapshot was taken (``indexed_total``) is stored as the count of
# the empty word, which no text has.
TOTAL_KEY = ""
# How long a process trusts a cached count, and how many it keeps.
CACHE_SECONDS = 600.0
CACHE_WORDS = 200_000
# Organizations that weigh less than the matcher's text gate cannot make a pair alone, so
# candidate searches leave them out.
SPECIFIC_ORGANIZATION = NO_TEXT
# The worker rebuilds the snapshot when the index has grown by this share since.
REFRESH_GROWTH = 0.1


class SearchTermStat(Base):
    """A snapshot of how many projects each indexed word appears in."""

    __tablename__ = "search_term_stat"

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    documents: Mapped[int]


class _Cache:
    """Word counts per database (an engine), shared by the threads of one process.

    A count is kept ``CACHE_SECONDS``, and no longer than the index stays within
    ``REFRESH_GROWTH`` of its size when the count was read: a registry that grows fast (a
    bulk load, the first weeks of a new one) must not weigh its words by its first projects.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, tuple[int, float, int]] = {}

    def get(self, words: Sequence[str], now: float, total: int) -> tuple[dict[str, int], list[str]]:
        found: dict[str, int] = {}
        missing: list[str] = []
        with self.lock:
            for word in words:
                entry = self.counts.get(word)
                if (
                    entry is not None
                    and now - entry[1] < CACHE_SECONDS
                    and total <= entry[2] * (1 + REFRESH_GROWTH)
                ):
                    found[word] = entry[0]
                else:
                    missing.append(word)
        return found, missing

    def put(self, counts: dict[str, int], now: float, total: int) -> None:
        with self.lock:
            if len(self.counts) + len(counts) > CACHE_WORDS:
                self.counts.clear()
            for word, count in counts.items():
                self.counts[word] = (count, now, total)


# Keyed by the engine itself (weakly): an id() could be reused by a later engine of another
# database, which must not inherit these counts. A session bound to one connection (the tests'
# transaction) gets that connection's own cache, as it may see rows nobody else does.
_caches: weakref.WeakKeyDictionary[Engine | Connection, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(bind: Engine | Connection) -> _Cache:
    with _caches_lock:
        cache = _caches.get(bind)
        if cache is None:
            cache = _caches[bind] = _Cache()
        return cache


def clear_cache() -> None:
    """Forget every cached count (tests; after a bulk change of the index)."""
    with _caches_lock:
        _caches.clear()


def indexed_total(session: Session) -> int:
    """How many projects the index holds (their highest id: one index probe, and close
    enough, since ids only grow and withdrawn projects stay indexed)."""
    from adam.duplicates.models import ProjectSearch

    return session.scalar(select(func.max(ProjectSearch.project_id))) or 0


def document_frequencies(
    session: Session, words: Sequence[str], *, total: int | None = None
) -> tuple[dict[str, int], int]:
    """How many projects hold each of ``words`` (at most ``common_count``), and the total.

    ``total``: ``indexed_total``, when the caller has just read it (one check reads it once).
    """
    total = indexed_total(session) if total is None else total
    words = list(dict.fromkeys(w for w in words if w))
    if not words:
        return {}, total
    cache = _cache(session.get_bind())
    now = time.monotonic()
    found, missing = cache.get(words, now, total)
    if missing:
        counts = _snapshot_counts(session, missing, total)
        unknown = [w for w in missing if w not in counts]
        if unknown:
            counts |= _live_counts(session, unknown, int(common_count(total)) + 1)
        cache.put(counts, now, total)
        found |= counts
    return found, total


def organization_weights(
    session: Session, organization_ids: Sequence[int], *, total: int | None = None
) -> dict[int, float]:
    """Weight 0-1 of each organization by how many projects name it (``rarity.term_weight``):
    a shared UNODC says little, a shared small NGO a lot. Counts stop at ``common_count``.
    ``total`` as for ``document_frequencies``; the counts come through the same three layers
    as the words' (the snapshot holds them as ``organization_key``)."""
    total = indexed_total(session) if total is None else total
    limit = int(common_count(total)) + 1
    cache = _cache(session.get_bind())
    keys = [organization_key(i) for i in organization_ids]
    now = time.monotonic()
    found, missing = cache.get(keys, now, total)
    if missing:
        counts = _snapshot_counts(session, missing, total)
        if unknown := [key for key in missing if key not in counts]:
            counts |= _live_organization_counts(session, unknown, limit)
        cache.put(counts, now, total)
        found |= counts
    return {
        i: organization_weight(found[k], total) for i, k in zip(organization_ids, keys, strict=True)
    }


# Organizations' entries among the counts (cache and snapshot) are this and their id: no
# indexed word holds a colon.
ORGANIZATION_PREFIX = ":org:"


def organization_key(organization_id: int) -> str:
    return f"{ORGANIZATION_PREFIX}{organization_id}"


def _live_organization_counts(session: Session, keys: Sequence[str], limit: int) -> dict[str, int]:
    """How many projects name each organization of ``keys``, each stopped at ``limit``; one
    statement for all. Projects, not roles: one naming it as donor and implementer counts
    once, as in the scan's count (scan._organization_weights)."""
    from adam.projects.models import ProjectOrganization

    wanted = {int(key.removeprefix(ORGANIZATION_PREFIX)): key for key in keys}
    counts_each = [
        select(
            literal(organization).label("organization"),
            select(func.count())
            .select_from(
                select(ProjectOrganization.project_id)
                .where(ProjectOrganization.organization_id == organization)
                .distinct()
                .limit(limit)
                .subquery()
            )
            .scalar_subquery()
            .label("n"),
        )
        for organization in wanted
    ]
    return {
        wanted[organization]: n or 0
        for organization, n in session.execute(union_all(*counts_each)).all()
    }


# Words looked up in the snapshot per statement (a bulk import weighs thousands at once).
SNAPSHOT_CHUNK = 2000


def _snapshot_counts(session: Session, words: Sequence[str], total: int) -> dict[str, int]:
    """Counts from the snapshot, unless the index has outgrown it (then none: counted live)."""
    rows: dict[str, int] = {}
    for start in range(0, max(len(words), 1), SNAPSHOT_CHUNK):
        chunk = list(words[start : start + SNAPSHOT_CHUNK])
        if start == 0:
            chunk.append(TOTAL_KEY)
        rows |= dict(
            session.execute(
                select(SearchTermStat.term, SearchTermStat.documents).where(
                    SearchTermStat.term.in_(chunk)
                )
            ).all()
        )
        if start == 0 and _outgrown(rows.pop(TOTAL_KEY, None), total):
            return {}
    return rows


# Words counted per statement: SQLite allows 500 terms in one compound SELECT.
LIVE_COUNT_CHUNK = 100


def _live_counts(session: Session, words: Sequence[str], limit: int) -> dict[str, int]:
    """Counts from the full-text index, each stopped at ``limit`` rows."""
    counts: dict[str, int] = {}
    for start in range(0, len(words), LIVE_COUNT_CHUNK):
        counts |= _live_count_chunk(session, words[start : start + LIVE_COUNT_CHUNK], limit)
    return counts


def _live_count_chunk(session: Session, words: Sequence[str], limit: int) -> dict[str, int]:
    if session.get_bind().dialect.name == "sqlite":
        inner = "SELECT rowid FROM project_fts WHERE project_fts MATCH :w{i} LIMIT :limit"
        params = {f"w{i}": '"' + w.replace('"', "") + '"' for i, w in enumerate(words)}
    else:
        inner = (
            "SELECT project_id FROM project_search "
            "WHERE document @@ to_tsquery('simple', :w{i} || '\\:A') LIMIT :limit"
        )
        params = {
            f"w{i}": "'" + w.replace("'", "").replace("\\", "") + "'" for i, w in enumerate(words)
        }
    statement = " UNION ALL ".join(
        f"SELECT {i} AS k, (SELECT count(*) FROM ({inner.format(i=i)}) AS c{i}) AS n"
        for i in range(len(words))
    )
    rows = session.execute(text(statement), {**params, "limit": limit})
    return {words[k]: n for k, n in rows}


def rare_words(
    words: Sequence[str], frequencies: dict[str, int], total: int, *, limit: int
) -> list[str]:
    """Up to ``limit`` of ``words``, rarest first, leaving out those too common to search on.

    If every word is common, the two rarest are kept anyway if they are not too common
    (``FALLBACK_SHARE``): a generic title must still find its twin, at the cost of a slower
    query; words in more projects than that would make the query read them all.
    """
    cap = max(MIN_DOCUMENTS, int(total * MAX_SHARE))
    ranked = sorted(dict.fromkeys(words), key=lambda w: (frequencies.get(w, 0), w))
    kept: list[str] = []
    postings = 0
    for word in ranked[:limit]:
        held = frequencies.get(word, 0)
        # The query reads every posting of its words: past the budget, a further (commoner)
        # word costs more than it can find that the rarer ones did not.
        if held > cap or (kept and postings + held > POSTINGS_BUDGET):
            break
        kept.append(word)
        postings += held
    if kept:
        return kept
    fallback = max(MIN_DOCUMENTS, int(total * FALLBACK_SHARE))
    return [w for w in ranked[:2] if frequencies.get(w, 0) <= fallback]


# What the duplicate check's queries read, grown with the index (PostgreSQL statistics).
ANALYZED_TABLES = (
    "project_search",
    "match_key",
    "project",
    "project_country",
    "project_organization",
    "search_term_stat",
)


def refresh_term_stats(session: Session) -> int:
    """Rebuild the snapshot from the index; returns the number of projects counted."""
    session.execute(delete(SearchTermStat))
    if session.get_bind().dialect.name == "sqlite":
        source = "SELECT term, doc FROM project_fts_vocab WHERE length(term) <= 200"
    else:
        source = (
            # Weight A: the text's words, not the countries of the scope.
            "SELECT word, ndoc FROM ts_stat('SELECT document FROM project_search', 'A') "
            "WHERE length(word) <= 200"
        )
    session.execute(text(f"INSERT INTO search_term_stat (term, documents) {source}"))
    # Each organization's projects: counted live, a common one (UNODC names a fifth of all
    # projects) reads up to common_count rows, more as the corpus grows, in every process
    # whose cache lacks it (figures in bench/RESULTS.md).
    session.execute(
        text(
            "INSERT INTO search_term_stat (term, documents) "
            "SELECT :prefix || CAST(organization_id AS VARCHAR), count(DISTINCT project_id) "
            "FROM project_organization GROUP BY organization_id"
        ),
        {"prefix": ORGANIZATION_PREFIX},
    )
    if session.get_bind().dialect.name == "postgresql":
        # The index grew by a tenth: so did what the planner knows of it, or should. Without
        # fresh statistics (autovacuum off, or behind a bulk import) it reads a rare word by
        # scanning every row instead of the GIN index, slower as the index grows.
        session.execute(text(f"ANALYZE {', '.join(ANALYZED_TABLES)}"))
    total = session.scalar(text("SELECT count(*) FROM project_search")) or 0
    # The index's size as ``indexed_total`` measures it (the highest id), not the count: the
    # snapshot's age is judged by comparing the two, and ids have gaps (each registration
    # rolled back, each failed import batch burns some on PostgreSQL). A count compared with
    # the highest id would call a snapshot stale for good once the gaps reach a tenth, and
    # every registration would then count its words live, many times slower.
    session.add(SearchTermStat(term=TOTAL_KEY, documents=indexed_total(session)))
    session.flush()
    clear_cache()
    return total


def _outgrown(counted: int | None, total: int) -> bool:
    """Has the index (``total``, ``indexed_total``) grown by ``REFRESH_GROWTH`` since the
    snapshot's size ``counted`` (or is there no snapshot of a non-empty index)?"""
    if counted is None:
        return total > 0
    return total > counted * (1 + REFRESH_GROWTH)


def snapshot_is_stale(session: Session) -> bool:
    """Has the index grown by ``REFRESH_GROWTH`` since the snapshot (or never had one)?"""
    counted = session.scalar(
        select(SearchTermStat.documents).where(SearchTermStat.term == TOTAL_KEY)
    )
    return _outgrown(counted, indexed_total(session))


def refresh_if_stale(session: Session) -> bool:
    """Rebuild the snapshot if the index has outgrown it (``adam worker`` runs this)."""
    if not snapshot_is_stale(session):
        return False
    total = refresh_term_stats(session)
    session.commit()
    log.info("duplicate matcher: word counts refreshed over %s projects", total)
    return True
