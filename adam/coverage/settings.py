"""The coverage suggestions' settings, read from configuration once and passed on as data."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Suggestions at or above this score are stored and listed (bench/RESULTS.md: precision and
# recall of the labelled set at this threshold).
THRESHOLD = 50.0
# Suggestions one refresh of a need, recommendation or project lists, best first. Pairs the
# other end found stay stored beside them while they hold (``pairs``).
MAX_SUGGESTIONS = 10
# Projects read from the word search per need or recommendation.
CANDIDATES = 50


class SettingsError(ValueError):
    """A COVERAGE_* configuration value cannot be used."""


@dataclass(frozen=True, slots=True)
class CoverageSettings:
    threshold: float = THRESHOLD
    max_suggestions: int = MAX_SUGGESTIONS
    candidates: int = CANDIDATES

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CoverageSettings:
        """``COVERAGE_THRESHOLD`` (0-100), ``COVERAGE_MAX_SUGGESTIONS``, ``COVERAGE_CANDIDATES``.

        :raises SettingsError: a value of the wrong kind or out of range.
        """
        threshold = config.get("COVERAGE_THRESHOLD", THRESHOLD)
        if (
            not isinstance(threshold, int | float)
            or isinstance(threshold, bool)
            or not math.isfinite(threshold)
            or not 0 <= threshold <= 100
        ):
            raise SettingsError(
                f"COVERAGE_THRESHOLD must be a number between 0 and 100, not {threshold!r}."
            )
        return cls(
            threshold=float(threshold),
            max_suggestions=_count(config, "COVERAGE_MAX_SUGGESTIONS", MAX_SUGGESTIONS),
            candidates=_count(config, "COVERAGE_CANDIDATES", CANDIDATES),
        )


def _count(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SettingsError(f"{key} must be a whole number >= 1, not {value!r}.")
    return value
