"""How common each indexed word is, to pick the rare words a candidate search is worth making on.

Words shared by thousands of projects ("drug", "border", "training") make the full-text OR
query read thousands of rows and rank the true duplicate below look-alikes; words held by a
few projects are what a duplicate shares. SQLite reads document frequencies live from FTS5's
vocabulary table. PostgreSQL has no cheap equivalent, so ``search_term_stat`` holds a snapshot
that ``refresh_term_stats`` rebuilds (``adam duplicates reindex`` and ``scan`` run it); a word
missing from the snapshot is new since, hence rare, which is the right guess.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, bindparam, delete, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from adam.db import Base

# Words in more than this share of projects are too common to search on (matching.md: 0.5 %
# kept recall at 295/300 at 1M while bounding each posting list).
MAX_SHARE = 0.005
# ...but below this many projects every word is worth it (a small registry has no statistics).
MIN_DOCUMENTS = 50
# The total is stored as the document frequency of the empty word, which no text produces.
TOTAL_KEY = ""


class SearchTermStat(Base):
    """PostgreSQL only: a snapshot of how many projects each indexed word appears in."""

    __tablename__ = "search_term_stat"

    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    documents: Mapped[int]


def document_frequencies(session: Session, words: Sequence[str]) -> tuple[dict[str, int], int]:
    """Document frequency of each of ``words`` (absent: 0) and the number of indexed projects."""
    if not words:
        return {}, 0
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(
            text("SELECT term, doc FROM project_fts_vocab WHERE term IN :words").bindparams(
                bindparam("words", expanding=True)
            ),
            {"words": list(words)},
        )
        frequencies = {term: doc for term, doc in rows}
        total = session.scalar(text("SELECT max(rowid) FROM project_fts")) or 0
        return frequencies, total
    rows = session.execute(
        select(SearchTermStat.term, SearchTermStat.documents).where(
            SearchTermStat.term.in_([*words, TOTAL_KEY])
        )
    )
    frequencies = {term: documents for term, documents in rows}
    return frequencies, frequencies.pop(TOTAL_KEY, 0)


def rare_words(
    words: Sequence[str], frequencies: dict[str, int], total: int, *, limit: int
) -> list[str]:
    """Up to ``limit`` of ``words``, rarest first, leaving out those too common to search on.

    If every word is common, the two rarest are kept anyway: a generic title must still find
    its twin, at the cost of a slower query.
    """
    cap = max(MIN_DOCUMENTS, int(total * MAX_SHARE))
    ranked = sorted(dict.fromkeys(words), key=lambda w: (frequencies.get(w, 0), w))
    kept = [w for w in ranked if frequencies.get(w, 0) <= cap][:limit]
    return kept or ranked[:2]


def refresh_term_stats(session: Session) -> int:
    """Rebuild the PostgreSQL snapshot from the index; returns the number of projects counted."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    session.execute(delete(SearchTermStat))
    session.execute(
        text(
            "INSERT INTO search_term_stat (term, documents) "
            "SELECT word, ndoc FROM ts_stat('SELECT document FROM project_search') "
            "WHERE length(word) <= 200"
        )
    )
    total = session.scalar(text("SELECT count(*) FROM project_search")) or 0
    session.add(SearchTermStat(term=TOTAL_KEY, documents=total))
    session.flush()
    return total
