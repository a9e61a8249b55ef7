"""Score one pair of records and explain the score."""

from __future__ import annotations

import math

from adam.matching.config import DEFAULT_WEIGHTS, Weights
from adam.matching.explain import explain
from adam.matching.features import Evidence, compare
from adam.matching.record import MatchRecord
from adam.matching.result import Match, Reason

__all__ = ["Match", "Reason", "logit", "probability", "score", "score_value"]


def logit(evidence: Evidence, weights: Weights) -> float:
    values = evidence.vector()
    return weights.bias + math.fsum(
        w * v for w, v in zip(weights.coefficients(), values, strict=True)
    )


def probability(z: float) -> float:
    # Clamped so math.exp cannot overflow on absurd weights.
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def score_value(a: MatchRecord, b: MatchRecord, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """The score alone, without reasons (for bulk evaluation)."""
    evidence = compare(a, b)
    if evidence.same_identifier:
        return 100.0
    return round(100.0 * probability(logit(evidence, weights)), 1)


def score(a: MatchRecord, b: MatchRecord, weights: Weights = DEFAULT_WEIGHTS) -> Match:
    """Duplicate score 0-100 of two records, with the evidence behind it (strongest first)."""
    evidence = compare(a, b)
    if evidence.same_identifier:
        # One IATI identifier is one activity by definition of the standard.
        reason = Reason("iati_identifier", 100.0, f"same IATI identifier: {a.iati_identifier}")
        return Match(100.0, (reason,))
    value = round(100.0 * probability(logit(evidence, weights)), 1)
    return Match(value, tuple(explain(a, b, evidence, weights)))
