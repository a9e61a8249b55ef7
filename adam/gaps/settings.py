"""The gap view's and the unassisted-need alert's settings (``GAP_*`` configuration keys)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class SettingsError(ValueError):
    """A ``GAP_*`` value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class GapSettings:
    # A cell is an overlap when at least this many distinct donors fund active projects there.
    overlap_donors: int = 2
    # A high-priority need open this many days with no active confirmed-linked project is
    # alerted to the coordinators (once per need).
    alert_after_days: int = 90
    # How often ``adam worker`` looks for such needs.
    alert_every_seconds: float = 3600.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GapSettings:
        defaults = cls()
        return cls(
            overlap_donors=_positive_int(config, "GAP_OVERLAP_DONORS", defaults.overlap_donors),
            alert_after_days=_positive_int(
                config, "GAP_ALERT_AFTER_DAYS", defaults.alert_after_days
            ),
            alert_every_seconds=float(
                _positive_int(config, "GAP_ALERT_EVERY_SECONDS", int(defaults.alert_every_seconds))
            ),
        )


def _positive_int(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SettingsError(f"{key} must be a whole number of at least 1, not {value!r}.")
    return value
