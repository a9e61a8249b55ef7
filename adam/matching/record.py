"""The matcher's view of a project: plain values, normalised once at construction."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from adam.matching.normalize import NormalizedText, normalize_code, normalize_text

# Rough USD value of one unit, 2020-2024 averages. Budgets are only compared by order of
# magnitude (a funder's grant vs the implementer's budget line), so stale rates cost little;
# an unknown currency simply makes the budget unknown for cross-currency comparisons.
USD_PER_UNIT: dict[str, float] = {
    "USD": 1.0, "EUR": 1.12, "GBP": 1.28, "CHF": 1.08, "CAD": 0.75, "AUD": 0.7, "NZD": 0.63,
    "JPY": 0.0085, "KRW": 0.00078, "NOK": 0.1, "SEK": 0.1, "DKK": 0.15, "XDR": 1.37,
    "JOD": 1.41, "RUB": 0.013, "CNY": 0.145, "INR": 0.012, "PKR": 0.0045, "AFN": 0.013,
    "TRY": 0.06, "KZT": 0.0022, "UZS": 0.00009, "TJS": 0.092, "KGS": 0.0118, "IRR": 0.000024,
}  # fmt: skip

# Descriptions run to 13k characters; the first words carry the summary, and rapidfuzz cost
# grows with length, so fuzzy comparison uses this many leading content words.
DESCRIPTION_WORDS = 60


def _codes(values: Iterable[str]) -> frozenset[str]:
    return frozenset(normalize_code(v) for v in values if v and v.strip())


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One project as the matcher sees it; derived fields are filled in ``__post_init__``."""

    id: int | str
    title: str
    description: str = ""
    donors: frozenset[str] = frozenset()
    implementers: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    start: date | None = None
    end: date | None = None
    budget_amount: float | None = None
    budget_currency: str | None = None
    iati_identifier: str | None = None

    title_norm: NormalizedText = field(init=False, repr=False, compare=False)
    description_norm: NormalizedText = field(init=False, repr=False, compare=False)
    description_head: str = field(init=False, repr=False, compare=False)
    budget_usd: float | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen dataclass: derived values are set once through object.__setattr__.
        set_ = object.__setattr__
        for name in ("donors", "implementers", "countries", "themes"):
            set_(self, name, _codes(getattr(self, name)))
        set_(self, "title_norm", normalize_text(self.title))
        description = normalize_text(self.description)
        set_(self, "description_norm", description)
        set_(self, "description_head", " ".join(description.text.split()[:DESCRIPTION_WORDS]))
        set_(self, "budget_usd", _to_usd(self.budget_amount, self.budget_currency))
        if self.iati_identifier is not None:
            set_(self, "iati_identifier", self.iati_identifier.strip().upper() or None)

    @property
    def organizations(self) -> frozenset[str]:
        return self.donors | self.implementers


def _to_usd(amount: float | None, currency: str | None) -> float | None:
    if amount is None or not math.isfinite(amount) or amount <= 0 or not currency:
        return None
    rate = USD_PER_UNIT.get(currency.upper())
    return amount * rate if rate is not None else None


def prenormalized(
    *,
    title: str,
    title_norm: NormalizedText,
    description_tokens: frozenset[str],
    description_head: str,
    **fields: object,
) -> MatchRecord:
    """A record whose text was normalised earlier and stored (the service's search index).

    Normalising a record costs about 0.5 ms; re-scoring 200 stored candidates must not pay it.
    Only what the features read is restored: the description's tokens and its first words.
    """
    record = MatchRecord(title="", **fields)  # type: ignore[arg-type]
    set_ = object.__setattr__
    set_(record, "title", title)
    set_(record, "title_norm", title_norm)
    set_(
        record, "description_norm", NormalizedText("", description_tokens, frozenset(), frozenset())
    )
    set_(record, "description_head", description_head)
    return record
