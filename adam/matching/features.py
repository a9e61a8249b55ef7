"""Pair features: the evidence for and against "these two records are one activity".

Every feature is in [0, 1] and is either a similarity or a flag, so that a weight reads as
"log-odds added when the evidence is complete". Strings were normalised when the records were
built; here only rapidfuzz and set operations run (tens of microseconds per pair).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from adam.matching.record import MatchRecord

# A title is "short" below this many content words; a short title found inside a long text is
# weak evidence ("covid response" appears in half the descriptions).
_FULL_TITLE_WORDS = 3
# Similarity below this is what unrelated titles in one field score (shared jargon), so only
# the part above it counts.
_TEXT_FLOOR = 50.0
_YEAR_DAYS = 365.0
# Below this text signal the two records say nothing alike: organizations in common then
# count for nothing, since one implementer (UNODC, IOM) runs dozens of projects in a country,
# often for one donor. The IATI negatives never share an organization, so a fit alone makes
# shared organizations decisive; this gate is the business rule the data cannot teach.
_NO_TEXT = 0.25


@dataclass(frozen=True, slots=True)
class Evidence:
    """Raw comparison of two records; ``vector`` turns it into model features."""

    title: float  # 0-100, mean of token_set and token_sort ratios
    title_in_text: float  # 0-1, share of one title's words found in the other record
    description: float  # 0-100, token_set_ratio of the first description words, 0 if missing
    shared_orgs: frozenset[str]
    same_donors: frozenset[str]
    same_implementers: frozenset[str]
    crossed_orgs: frozenset[str]  # donor on one record, implementer on the other
    different_implementers: bool  # both name implementers, none in common, none crossed
    shared_countries: frozenset[str]
    countries_disjoint: bool
    shared_themes: frozenset[str]
    start_gap_days: int | None
    overlap: tuple[date, date] | None
    dates_disjoint: bool
    budget_log_ratio: float | None
    phase_conflict: bool
    year_conflict: bool
    same_identifier: bool

    def vector(self) -> tuple[float, ...]:
        """Feature values in the order of ``config.FEATURES``."""
        start_close = (
            0.5  # unknown: neither for nor against
            if self.start_gap_days is None
            else 1.0 - min(1.0, abs(self.start_gap_days) / _YEAR_DAYS)
        )
        budget_close = (
            0.0 if self.budget_log_ratio is None else max(0.0, 1.0 - self.budget_log_ratio)
        )
        has_text = self.text_signal() >= _NO_TEXT
        return (
            _above_floor(self.title),
            self.title_in_text,
            _above_floor(self.description),
            # Organizations count only next to some textual resemblance (see _NO_TEXT).
            1.0 if self.shared_orgs and has_text else 0.0,
            1.0 if self.same_implementers and has_text else 0.0,
            1.0 if self.same_donors and self.same_implementers and has_text else 0.0,
            1.0 if self.different_implementers else 0.0,
            start_close,
            budget_close,
            1.0 if self.shared_themes else 0.0,
            1.0 if self.countries_disjoint else 0.0,
            1.0 if self.dates_disjoint else 0.0,
            1.0 if self.phase_conflict else 0.0,
            1.0 if self.year_conflict else 0.0,
            1.0 if self.text_signal() < _NO_TEXT else 0.0,
        )

    def text_signal(self) -> float:
        """The strongest textual evidence, 0-1: similar titles, descriptions, or one title's
        words found in the other record."""
        return max(_above_floor(self.title), _above_floor(self.description), self.title_in_text)


def _above_floor(similarity: float) -> float:
    return max(0.0, similarity - _TEXT_FLOOR) / (100.0 - _TEXT_FLOOR)


def _title_in_text(a: MatchRecord, b: MatchRecord) -> float:
    best = 0.0
    for own, other in ((a, b), (b, a)):
        words = own.title_norm.tokens
        if not words:
            continue
        found = len(words & other.title_norm.tokens) + len(
            (words - other.title_norm.tokens) & other.description_norm.tokens
        )
        share = found / len(words) * min(1.0, len(words) / _FULL_TITLE_WORDS)
        best = max(best, share)
    return best


def _dates(a: MatchRecord, b: MatchRecord) -> tuple[tuple[date, date] | None, bool]:
    """Overlap of the two periods, and whether they are known to be disjoint.

    A missing end date means "still running" (IATI and ADAM both leave it empty then), so the
    periods are disjoint only when one ends before the other starts.
    """
    if a.start is None or b.start is None:
        return None, False
    if (a.end is not None and a.end < b.start) or (b.end is not None and b.end < a.start):
        return None, True
    ends = [d for d in (a.end, b.end) if d is not None]
    end = min(ends) if ends else max(a.start, b.start)
    return (max(a.start, b.start), end), False


def compare(a: MatchRecord, b: MatchRecord) -> Evidence:
    """Evidence for one pair; symmetric in ``a`` and ``b``."""
    ta, tb = a.title_norm, b.title_norm
    if ta.text and tb.text:
        title = (
            fuzz.token_set_ratio(ta.text, tb.text) + fuzz.token_sort_ratio(ta.text, tb.text)
        ) / 2
    else:
        title = 0.0
    if a.description_head and b.description_head:
        description = fuzz.token_set_ratio(a.description_head, b.description_head)
    else:
        description = 0.0
    overlap, dates_disjoint = _dates(a, b)
    budget_log_ratio = (
        abs(math.log10(a.budget_usd / b.budget_usd)) if a.budget_usd and b.budget_usd else None
    )
    shared_countries = a.countries & b.countries
    crossed_orgs = (a.donors & b.implementers) | (a.implementers & b.donors)
    return Evidence(
        title=title,
        title_in_text=_title_in_text(a, b),
        description=description,
        shared_orgs=a.organizations & b.organizations,
        same_donors=a.donors & b.donors,
        same_implementers=a.implementers & b.implementers,
        crossed_orgs=crossed_orgs,
        # Two grants of one donor to two implementers: the commonest look-alike that is not a
        # duplicate (sibling projects of one programme or joint response).
        different_implementers=bool(
            a.implementers
            and b.implementers
            and not a.implementers & b.implementers
            and not crossed_orgs
        ),
        shared_countries=shared_countries,
        countries_disjoint=bool(a.countries and b.countries and not shared_countries),
        shared_themes=a.themes & b.themes,
        start_gap_days=(a.start - b.start).days if a.start and b.start else None,
        overlap=overlap,
        dates_disjoint=dates_disjoint,
        budget_log_ratio=budget_log_ratio,
        # Both titles name a phase and they differ: the next phase of one programme.
        phase_conflict=bool(ta.phases and tb.phases and not ta.phases & tb.phases),
        # "UNHCR operation in Yemen (2020)" vs "(2021)": yearly records of one operation.
        year_conflict=bool(ta.years and tb.years and not ta.years & tb.years),
        same_identifier=bool(a.iati_identifier and a.iati_identifier == b.iati_identifier),
    )
