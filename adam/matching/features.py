"""Pair features: the evidence for and against "these two records are one activity".

Every feature is in [0, 1] and is either a similarity or a flag, so that a weight reads as
"log-odds added when the evidence is complete". Strings were normalised when the records were
built; here only rapidfuzz and set operations run (tens of microseconds per pair).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from adam.matching.record import MatchRecord

# Weight (summed word weights, see rarity.py) a record's words need before finding all of them
# in the other record counts fully: one rare word found is not yet a duplicate.
_FULL_MASS = 1.5
# Titles this similar are the same title, however common their words.
_SAME_TITLE = 95.0
# Descriptions this similar over their first words are one text, copied.
_SAME_DESCRIPTION = 90.0
# A title word also counts as found when the other title has a word this close to it
# ("SSACJR" / "SSCJR", "liason" / "liaison").
_WORD_CLOSE = 80.0
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
# shared organizations decisive; this gate is the business rule the data cannot teach. The
# signal is made of *weighted* words: two UNODC projects in one country share the field's
# words and templates ("drug investigation training for police officers in ..."), which raw
# string similarity takes for resemblance.
NO_TEXT = 0.25


@dataclass(frozen=True, slots=True)
class Evidence:
    """Raw comparison of two records; ``vector`` turns it into model features."""

    title: float  # 0-100, mean of token_set and token_sort ratios
    title_in_text: float  # 0-1, share of one title's words found in the other record
    title_specific: float  # 0-1, weighted Jaccard of the two titles' words
    coverage: float  # 0-1, share of one record's weighted words found in the other record
    title_conflict: float  # 0-1, rare title words of each record missing from the other
    description: float  # 0-100, token_set_ratio of the first description words, 0 if missing
    shared_orgs: frozenset[str]
    org_specificity: float  # 0-1, weight of the rarest shared organization (rarity.py)
    implementer_specificity: float  # 0-1, the same for implementers in common
    weighed: bool  # both records carry corpus weights (else every word and org weighs 1)
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
        has_text = self.text_signal() >= NO_TEXT
        return (
            _above_floor(self.title),
            self.title_in_text,
            self.title_specific,
            self.coverage,
            _above_floor(self.description),
            # Organizations count only next to some textual resemblance (see NO_TEXT), and
            # as much as they are specific: UNODC is in a fifth of all projects.
            self.org_specificity if has_text else 0.0,
            self.implementer_specificity if has_text else 0.0,
            self.implementer_specificity if self.same_donors and has_text else 0.0,
            1.0 if self.different_implementers else 0.0,
            start_close,
            budget_close,
            1.0 if self.shared_themes else 0.0,
            1.0 if self.countries_disjoint else 0.0,
            1.0 if self.dates_disjoint else 0.0,
            1.0 if self.phase_conflict else 0.0,
            1.0 if self.year_conflict else 0.0,
            0.0 if has_text else 1.0,
            self.conflict(),
            1.0 if self.description >= _SAME_DESCRIPTION else 0.0,
        )

    def conflict(self) -> float:
        """How strongly the titles name different things, 0-1.

        Conflicting words matter in titles that are otherwise one sentence ("... for police
        officers in Ishkashim" / "... in Vanj": one template, two districts); a paraphrase
        ("Mobile interdiction teams" / "DCA mobile teams") differs in its words by nature. A
        specific organization in common explains different wording too (a funder titles its
        grant, the implementer its operation); a common one explains nothing.
        """
        return self.title_conflict * _above_floor(self.title) * (1.0 - self.org_specificity)

    def text_signal(self) -> float:
        """The strongest textual evidence, 0-1 (see ``text_signal``)."""
        return max(
            text_signal(
                self.weighed,
                self.title,
                self.description,
                self.title_in_text,
                self.title_specific,
                self.coverage,
            ),
            self.org_specificity if self.weighed else 0.0,
        )


def text_signal(
    weighed: bool,
    title: float,
    description: float,
    title_in_text: float,
    title_specific: float,
    coverage: float,
) -> float:
    """The strongest textual evidence, 0-1.

    With corpus weights: the titles' rare words in common, one record's rare words found in
    the other, or the same title. Two projects of one organization in one country resemble
    each other in the field's words and the organization's templates ("drug investigation
    training for police officers in ..."), which unweighted similarity takes for evidence.
    Without weights (a pair scored outside any corpus): similar titles or descriptions, or
    one title's words found in the other record.
    """
    if weighed:
        same_title = 1.0 if title >= _SAME_TITLE else 0.0
        return max(title_specific, coverage, same_title)
    return max(_above_floor(title), _above_floor(description), title_in_text)


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


def unmatched_words(own: MatchRecord, other: MatchRecord) -> list[str]:
    """``own``'s weighed title words that ``other`` names nowhere, even misspelt."""
    title = other.title_norm.tokens
    text = title | other.description_norm.tokens
    words = []
    for word in own.title_norm.text.split():
        if own.weights.get(word, 0.0) <= 0 or word in text:
            continue
        if title and process.extractOne(word, title, scorer=fuzz.ratio, score_cutoff=_WORD_CLOSE):
            continue
        words.append(word)
    return list(dict.fromkeys(words))


def _unmatched(own: MatchRecord, other: MatchRecord) -> float:
    return sum(own.weights.get(word, 0.0) for word in unmatched_words(own, other))


def _title_conflict(a: MatchRecord, b: MatchRecord) -> float:
    # Without corpus statistics every word looks rare, and any rewording would conflict.
    if not (a.weighed and b.weighed):
        return 0.0
    return min(1.0, _unmatched(a, b), _unmatched(b, a))


def _specificity(codes: frozenset[str], a: MatchRecord, b: MatchRecord) -> float:
    """Weight of the rarest of ``codes`` (organizations both records name), 0 if none."""
    best = 0.0
    for code in codes:
        best = max(best, (a.org_weights.get(code, 1.0) + b.org_weights.get(code, 1.0)) / 2)
    return best


def _title_specific(a: MatchRecord, b: MatchRecord) -> float:
    words_a, words_b = a.title_norm.tokens, b.title_norm.tokens
    wa, wb = a.weights, b.weights
    shared = sum((wa.get(w, 0.0) + wb.get(w, 0.0)) / 2 for w in words_a & words_b)
    union = shared + sum(wa.get(w, 0.0) for w in words_a - words_b)
    union += sum(wb.get(w, 0.0) for w in words_b - words_a)
    return shared / union if union > 0 else 0.0


def _covered(own: MatchRecord, other: MatchRecord) -> float:
    weights = own.weights
    mass = sum(weights.values())
    if mass <= 0:
        return 0.0
    title, described = other.title_norm.tokens, other.description_norm.tokens
    found = sum(w for word, w in weights.items() if word in title or word in described)
    return found / mass * min(1.0, mass / _FULL_MASS)


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


def text_similarity(
    a: MatchRecord, b: MatchRecord, *, description_cutoff: float = 0.0
) -> tuple[float, float]:
    """Title and description similarity, 0-100 each (0 when either side is missing).

    A description similarity under ``description_cutoff`` comes out as 0: comparing 60 words
    is most of a pair's cost, and rapidfuzz stops early when told what is not worth knowing.
    """
    ta, tb = a.title_norm.text, b.title_norm.text
    title = 0.0
    if ta and tb:
        title = (fuzz.token_set_ratio(ta, tb) + fuzz.token_sort_ratio(ta, tb)) / 2
    description = 0.0
    if a.description_head and b.description_head:
        description = fuzz.token_set_ratio(
            a.description_head, b.description_head, score_cutoff=description_cutoff
        )
    return title, description


def description_cutoff(a: MatchRecord, b: MatchRecord, description_weight: float) -> float:
    """The description similarity below which nothing depends on its value: with corpus
    weights and no weight on the description itself, only a copied description counts."""
    if a.weighed and b.weighed and description_weight <= 0:
        return _SAME_DESCRIPTION
    return 0.0


def compare(a: MatchRecord, b: MatchRecord, *, description_cutoff: float = 0.0) -> Evidence:
    """Evidence for one pair; symmetric in ``a`` and ``b``."""
    ta, tb = a.title_norm, b.title_norm
    title, description = text_similarity(a, b, description_cutoff=description_cutoff)
    overlap, dates_disjoint = _dates(a, b)
    budget_log_ratio = (
        abs(math.log10(a.budget_usd / b.budget_usd)) if a.budget_usd and b.budget_usd else None
    )
    shared_countries = a.countries & b.countries
    shared = a.organizations & b.organizations
    crossed_orgs = (a.donors & b.implementers) | (a.implementers & b.donors)
    return Evidence(
        title=title,
        title_in_text=_title_in_text(a, b),
        title_specific=_title_specific(a, b),
        coverage=max(_covered(a, b), _covered(b, a)),
        # Only weighs in titles that are otherwise alike (Evidence.conflict): skip the cost.
        title_conflict=_title_conflict(a, b) if title > _TEXT_FLOOR else 0.0,
        description=description,
        shared_orgs=shared,
        org_specificity=_specificity(shared, a, b),
        implementer_specificity=_specificity(a.implementers & b.implementers, a, b),
        weighed=a.weighed and b.weighed,
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
