"""Which pairs of one country's records to score, and their scores, for checks of many records
at once (``adam duplicates scan``, a bulk import). Pure, so that it can run in worker processes.

Records are blocked on the keys a registration searches: words by their weight (its title words
and rarest description words, ``rarity.py``) and specific organizations. Common words and
organizations block nothing: they cannot make a pair reach the threshold alone.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from adam.matching.config import Weights
from adam.matching.record import MatchRecord
from adam.matching.result import Match
from adam.matching.score import could_alert, score


@dataclass(frozen=True, slots=True)
class Blocking:
    """How many candidates a record gets, and which keys are too common to block on."""

    by_words: int
    by_organization: int
    words_searched: int
    date_gap_days: int
    # A word held by more than this share of the records (or ``min_documents``) blocks nothing.
    max_share: float
    min_documents: int
    # Organizations weighing less than this block nothing.
    specific_organization: float


def near_in_time(a: MatchRecord, b: MatchRecord, gap: dt.timedelta) -> bool:
    if a.start is not None and b.end is not None and b.end < a.start - gap:
        return False
    return not (b.start is not None and a.end is not None and a.end < b.start - gap)


@dataclass(slots=True)
class Blocks:
    """One country's records, blocked."""

    records: dict[int, MatchRecord]
    postings: dict[str, list[int]]
    by_org: dict[str, list[int]]
    cap: int
    gap: dt.timedelta
    blocking: Blocking

    @classmethod
    def build(cls, records: dict[int, MatchRecord], blocking: Blocking) -> Blocks:
        postings: dict[str, list[int]] = defaultdict(list)
        by_org: dict[str, list[int]] = defaultdict(list)
        for pid, record in records.items():
            for word, weight in record.weights.items():
                if weight > 0:
                    postings[word].append(pid)
            for org in record.organizations:
                if record.org_weights.get(org, 1.0) >= blocking.specific_organization:
                    by_org[org].append(pid)
        return cls(
            records,
            postings,
            by_org,
            cap=max(blocking.min_documents, int(len(records) * blocking.max_share)),
            gap=dt.timedelta(days=blocking.date_gap_days),
            blocking=blocking,
        )

    def candidates(self, pid: int) -> list[int]:
        """The records to score ``pid`` against, near it in time: those sharing the most
        weight of its words, then those naming its organizations, nearest start first."""
        record = self.records[pid]
        # Summed word weights are floats, which Counter's stubs do not allow for its counts.
        shared: defaultdict[int, float] = defaultdict(float)
        searched = sorted(
            (
                w
                for w, weight in record.weights.items()
                if weight > 0 and len(self.postings[w]) <= self.cap
            ),
            key=lambda w: -record.weights[w],
        )
        # As a registration searches on its rarest words only (candidates.WORDS_PER_FIELD).
        for word in searched[: self.blocking.words_searched]:
            weight = record.weights[word]
            for other in self.postings[word]:
                if other != pid:
                    shared[other] += weight
        # What Counter.most_common does: ties keep their first-seen order.
        most = heapq.nlargest(self.blocking.by_words, shared.items(), key=lambda item: item[1])
        chosen = [o for o, _ in most]
        near: list[tuple[int, int]] = []
        for org in record.organizations:
            for other in self.by_org.get(org, ()):
                if other == pid:
                    continue
                start = self.records[other].start
                days = abs((start - record.start).days) if start and record.start else 10**6
                near.append((days, other))
        chosen += [o for _, o in sorted(set(near))[: self.blocking.by_organization]]
        return [o for o in dict.fromkeys(chosen) if near_in_time(record, self.records[o], self.gap)]


def _may_alert(a: MatchRecord, b: MatchRecord, weights: Weights) -> bool:
    """``could_alert`` with the weight of the most specific organization the two share: on
    the benchmark's corpus nine candidates in ten are turned away, none of them a pair at the
    threshold, at two thirds of the cost of scoring them."""
    shared = a.organizations & b.organizations
    specificity = max((a.org_weights.get(o, 1.0) for o in shared), default=0.0)
    return could_alert(a, b, weights, org_specificity=specificity)


def _at_threshold(a: MatchRecord, b: MatchRecord, weights: Weights) -> Match | None:
    """The pair's match if it scores at the threshold or above (turned away first if it
    cannot)."""
    if not _may_alert(a, b, weights):
        return None
    match = score(a, b, weights, explain_below=weights.threshold)
    return match if match.score >= weights.threshold else None


def _best_first(scored: list[tuple[int, Match]]) -> list[tuple[int, Match]]:
    return sorted(scored, key=lambda item: (-item[1].score, item[0]))


@dataclass(frozen=True, slots=True)
class NewInCountry:
    """The records of one country, some of them new: what ``score_new`` needs."""

    records: dict[int, MatchRecord]
    new: list[int]
    blocking: Blocking
    weights: Weights
    max_alerts: int


Found = list[tuple[int, list[tuple[int, Match]]]]


def score_new(task: NewInCountry) -> Found:
    """Each new record with the records it may duplicate (score at the threshold or above),
    best first, at most ``max_alerts``; newest first (of two new look-alikes, the later one is
    the news, as when they are registered one by one). A pair of two new records is scored
    once."""
    blocks = Blocks.build(task.records, task.blocking)
    fresh = set(task.new)
    seen: set[tuple[int, int]] = set()
    found: Found = []
    for pid in sorted((p for p in task.new if p in task.records), reverse=True):
        scored = []
        for other in blocks.candidates(pid):
            if other in fresh:
                pair = (pid, other) if pid < other else (other, pid)
                if pair in seen:
                    continue
                seen.add(pair)
            if match := _at_threshold(task.records[pid], task.records[other], task.weights):
                scored.append((other, match))
        if scored:
            found.append((pid, _best_first(scored)[: task.max_alerts]))
    return found


@dataclass(frozen=True, slots=True)
class CountryPairs:
    """All the records of one country, for a scan of the registry: every pair once."""

    records: dict[int, MatchRecord]
    # Lower-case code: a pair sharing several countries is scored in the first of them only
    # (a full scan visits them all). None: every pair seen (a scan of one country).
    country: str | None
    blocking: Blocking
    weights: Weights


def score_country(task: CountryPairs) -> tuple[Found, int]:
    """Each record with the records it may duplicate (score at the threshold or above), best
    first, each pair once (on the side of its lower id); and how many pairs were scored.

    Pairs that cannot reach the threshold are turned away first (``_may_alert``), and count
    as scored.
    """
    records = task.records
    found: Found = []
    pairs = 0
    for pid, others in pairs_once(Blocks.build(records, task.blocking)):
        scored = []
        for other in others:
            if (
                task.country is not None
                and min(records[pid].countries & records[other].countries) != task.country
            ):
                continue
            pairs += 1
            if match := _at_threshold(records[pid], records[other], task.weights):
                scored.append((other, match))
        if scored:
            found.append((pid, _best_first(scored)))
    return found, pairs


def pairs_once(blocks: Blocks) -> Iterable[tuple[int, list[int]]]:
    """For each record, the records to score it against, each pair once (the lower id's)."""
    for pid in blocks.records:
        keep = [o for o in blocks.candidates(pid) if o > pid]
        if keep:
            yield pid, keep
