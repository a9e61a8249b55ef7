"""Duplicate matcher: pure scoring of two project records (no Flask, no database).

The service narrows candidates (shared country or donor, overlapping dates) and calls
``score`` on each; ``evaluate`` measures and refits the weights on labelled IATI pairs.
"""

from adam.matching.config import ALERT_THRESHOLD, DEFAULT_WEIGHTS, Weights
from adam.matching.record import MatchRecord
from adam.matching.score import Match, Reason, score, score_value

__all__ = [
    "ALERT_THRESHOLD",
    "DEFAULT_WEIGHTS",
    "Match",
    "MatchRecord",
    "Reason",
    "Weights",
    "score",
    "score_value",
]
