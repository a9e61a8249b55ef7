"""What the matcher returns: a score and the reasons behind it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: ``field``, its strength 0-100, and a sentence for reviewers.

    ``contribution`` is the log-odds it added to the score (negative: evidence against), so a
    user interface can sort or colour reasons without knowing the model.
    """

    field: str
    score: float
    detail: str
    contribution: float = 0.0

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True, slots=True)
class Match:
    score: float  # 0-100
    reasons: tuple[Reason, ...]
