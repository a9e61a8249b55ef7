"""A spreadsheet's columns and what each holds; the CSV and Excel writers share them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    """How a column's values are written: text is guarded against formulas, the rest is not."""

    TEXT = "text"  # str or None
    INTEGER = "integer"
    AMOUNT = "amount"  # Decimal with two places: "1234.50" in CSV, a number cell in Excel
    DATE = "date"
    DATETIME = "datetime"  # aware UTC datetimes


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    width: float = 14  # Excel column width, in characters


# A cell starting with one of these is run as a formula by Excel and LibreOffice (OWASP's
# "CSV injection" list, with tab and carriage return, which some importers skip first).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CHARS = frozenset(FORMULA_START)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def safe_text(value: str | None) -> str:
    """A text cell for CSV: a leading apostrophe keeps a formula-like value as text."""
    if not value:
        return ""
    return "'" + value if value[0] in FORMULA_CHARS else value
