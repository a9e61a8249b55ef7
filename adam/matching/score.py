"""Score one pair of records and explain the score."""

from __future__ import annotations

import math

from adam.matching.config import DEFAULT_WEIGHTS, Weights
from adam.matching.explain import explain
from adam.matching.features import (
    NO_TEXT,
    Evidence,
    _above_floor,
    _covered,
    _title_in_text,
    _title_specific,
    compare,
    description_cutoff,
    text_signal,
    text_similarity,
)
from adam.matching.record import MatchRecord
from adam.matching.result import Match, Reason

__all__ = [
    "Match",
    "Reason",
    "could_alert",
    "logit",
    "percent",
    "probability",
    "score",
    "score_value",
]

# Features that are never larger for a pair without textual resemblance than for one with it;
# their weights enter the bound of ``could_alert`` at most at full value.
_BOUNDED = (
    "title_specific",
    "coverage",
    "start_close",
    "budget_close",
    "shared_theme",
    "same_description",
)


def logit(evidence: Evidence, weights: Weights) -> float:
    values = evidence.vector()
    return weights.bias + math.fsum(
        w * v for w, v in zip(weights.coefficients(), values, strict=True)
    )


def percent(z: float) -> float:
    """The score 0-99.9 of log-odds ``z``: 100 is kept for one IATI identifier, which is
    certain, so that a threshold of 100 alerts on nothing else."""
    return min(99.9, round(100.0 * probability(z), 1))


def probability(z: float) -> float:
    # Clamped so math.exp cannot overflow on absurd weights.
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def score_value(a: MatchRecord, b: MatchRecord, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """The score alone, without reasons (for bulk evaluation)."""
    evidence = compare(a, b)
    if evidence.same_identifier:
        return 100.0
    return percent(logit(evidence, weights))


def score(
    a: MatchRecord,
    b: MatchRecord,
    weights: Weights = DEFAULT_WEIGHTS,
    *,
    explain_below: float | None = None,
) -> Match:
    """Duplicate score 0-100 of two records, with the evidence behind it (strongest first).

    A score under ``explain_below`` comes without reasons (nobody will read them).
    """
    evidence = compare(a, b, description_cutoff=description_cutoff(a, b, weights.description))
    if evidence.same_identifier:
        # One IATI identifier is one activity by definition of the standard.
        reason = Reason("iati_identifier", 100.0, f"same IATI identifier: {a.iati_identifier}")
        return Match(100.0, (reason,))
    value = percent(logit(evidence, weights))
    if explain_below is not None and value < explain_below:
        return Match(value, ())
    return Match(value, tuple(explain(a, b, evidence, weights)))


def could_alert(
    a: MatchRecord,
    b: MatchRecord,
    weights: Weights = DEFAULT_WEIGHTS,
    *,
    org_specificity: float = 1.0,
) -> bool:
    """False only if the pair cannot reach the threshold: a few microseconds, on the text
    features alone, for the many candidates that share a rare word and nothing more.

    Without textual resemblance organizations count for nothing and ``no_text`` applies (see
    ``features.NO_TEXT``), so the score is bounded by the text features and the few others
    at their best. ``org_specificity``: the weight of the rarest organization the two share
    (an upper bound will do; ``b`` may be a record of text alone).
    """
    if a.iati_identifier and a.iati_identifier == b.iati_identifier:
        return True
    cutoff = description_cutoff(a, b, weights.description)
    title, description = text_similarity(a, b, description_cutoff=cutoff)
    in_text = _title_in_text(a, b)
    weighed = a.weighed and b.weighed
    specific = _title_specific(a, b) if weighed else 0.0
    coverage = max(_covered(a, b), _covered(b, a)) if weighed else 0.0
    signal = text_signal(weighed, title, description, in_text, specific, coverage)
    if max(signal, org_specificity if weighed else 0.0) >= NO_TEXT:
        return True
    bound = (
        weights.bias
        + weights.no_text
        + max(0.0, weights.title) * _above_floor(title)
        + max(0.0, weights.title_in_text) * in_text
        + max(0.0, weights.description) * _above_floor(description)
        + math.fsum(max(0.0, getattr(weights, name)) for name in _BOUNDED)
    )
    return 100.0 * probability(bound) >= weights.threshold
