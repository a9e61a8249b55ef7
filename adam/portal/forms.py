"""Reading web forms: what a hidden or typed number field holds."""

from __future__ import annotations

from adam.db import MAX_ID


def form_int(value: str | None) -> int | None:
    """The positive integer a field holds, or None. ``str.isdigit`` alone also admits "²"
    and other digits ``int`` refuses; only ASCII digits within the id range are taken."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
