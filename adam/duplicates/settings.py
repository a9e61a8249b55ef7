"""The matcher's settings, read from configuration once and passed to the service as data."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adam.duplicates.candidates import Limits
from adam.matching.config import DEFAULT_WEIGHTS, Weights

# How many possible duplicates a registration answer lists.
LISTED = 10
# Alerts one check may raise, best scores first.
MAX_ALERTS = 10


class SettingsError(ValueError):
    """A DUPLICATE_* configuration value cannot be used."""


@dataclass(frozen=True, slots=True)
class MatcherSettings:
    weights: Weights = DEFAULT_WEIGHTS
    limits: Limits = field(default_factory=Limits)
    listed: int = LISTED
    max_alerts: int = MAX_ALERTS

    @property
    def threshold(self) -> float:
        return self.weights.threshold

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MatcherSettings:
        """``DUPLICATE_THRESHOLD``, ``DUPLICATE_WEIGHTS`` (a table of overrides),
        ``DUPLICATE_DATE_GAP_DAYS``, ``DUPLICATE_CANDIDATES_BY_WORDS``,
        ``DUPLICATE_CANDIDATES_BY_ORGANIZATION``.

        :raises SettingsError: an unknown weight or a value of the wrong kind.
        """
        given = config.get("DUPLICATE_WEIGHTS") or {}
        if not isinstance(given, Mapping):
            raise SettingsError(
                f"DUPLICATE_WEIGHTS must be a table of weight names to numbers, not {given!r}."
            )
        overrides = dict(given)
        known = {f.name for f in dataclasses.fields(Weights)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise SettingsError(
                f"DUPLICATE_WEIGHTS names unknown weights {unknown}; known: {sorted(known)}."
            )
        threshold = config.get("DUPLICATE_THRESHOLD")
        if threshold is not None:
            overrides["threshold"] = threshold
        for name, value in overrides.items():
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not math.isfinite(value)
            ):
                raise SettingsError(
                    f"Duplicate weight {name} must be a number (finite), not {value!r}."
                )
        if not 0 <= overrides.get("threshold", 0) <= 100:
            raise SettingsError("DUPLICATE_THRESHOLD must lie between 0 and 100.")
        weights = dataclasses.replace(
            DEFAULT_WEIGHTS, **{k: float(v) for k, v in overrides.items()}
        )
        default = Limits()
        limits = Limits(
            date_gap_days=_count(config, "DUPLICATE_DATE_GAP_DAYS", default.date_gap_days),
            by_words=_count(config, "DUPLICATE_CANDIDATES_BY_WORDS", default.by_words),
            by_organization=_count(
                config, "DUPLICATE_CANDIDATES_BY_ORGANIZATION", default.by_organization
            ),
        )
        max_alerts = _count(config, "DUPLICATE_MAX_ALERTS", MAX_ALERTS)
        return cls(weights=weights, limits=limits, max_alerts=max_alerts)


def _count(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SettingsError(f"{key} must be a whole number >= 0, not {value!r}.")
    return value
