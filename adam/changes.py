"""What the history of a versioned record stores for a change: each field's old and new value."""

from __future__ import annotations

from typing import Any


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Each field of ``after`` that differs from ``before``, as ``{"old", "new"}``."""
    return {
        key: {"old": before.get(key), "new": value}
        for key, value in after.items()
        if before.get(key) != value
    }
