"""The matcher's view of a project: plain values, normalised once at construction."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date

from adam.matching.normalize import NormalizedText, normalize_code, normalize_text
from adam.matching.rarity import DESCRIPTION_TERMS

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
    # Word -> weight 0-1 (``rarity.record_weights``): the title's words and the description's
    # rarest. Built uniform (every content word weighs 1); ``with_weights`` sets real ones.
    weights: Mapping[str, float] = field(init=False, repr=False, compare=False)
    weighed: bool = field(init=False, repr=False, compare=False)
    # Organization code -> weight 0-1 by how many projects name it; missing codes weigh 1.
    org_weights: Mapping[str, float] = field(init=False, repr=False, compare=False)

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
        head = list(dict.fromkeys(self.description_head.split()))[:DESCRIPTION_TERMS]
        set_(self, "weights", dict.fromkeys([*self.title_norm.text.split(), *head], 1.0))
        set_(self, "weighed", False)
        set_(self, "org_weights", {})

    def with_weights(
        self, weights: Mapping[str, float], org_weights: Mapping[str, float] | None = None
    ) -> MatchRecord:
        """A copy of this record whose words (and organizations) weigh as given, by their
        rarity in a corpus."""
        copy = object.__new__(MatchRecord)
        for name in _FIELDS:
            object.__setattr__(copy, name, getattr(self, name))
        object.__setattr__(copy, "weights", weights)
        object.__setattr__(copy, "weighed", True)
        if org_weights is not None:
            object.__setattr__(copy, "org_weights", org_weights)
        return copy

    @property
    def organizations(self) -> frozenset[str]:
        return self.donors | self.implementers


def _to_usd(amount: float | None, currency: str | None) -> float | None:
    if amount is None or not math.isfinite(amount) or amount <= 0 or not currency:
        return None
    rate = USD_PER_UNIT.get(currency.upper())
    return amount * rate if rate is not None else None


_FIELDS = tuple(f.name for f in fields(MatchRecord))


def prenormalized(
    *,
    id: int | str,
    title: str,
    title_norm: NormalizedText,
    description_tokens: frozenset[str],
    description_head: str,
    weights: Mapping[str, float],
    org_weights: Mapping[str, float] | None = None,
    donors: Iterable[str] = (),
    implementers: Iterable[str] = (),
    countries: Iterable[str] = (),
    themes: Iterable[str] = (),
    start: date | None = None,
    end: date | None = None,
    budget_amount: float | None = None,
    budget_currency: str | None = None,
    iati_identifier: str | None = None,
) -> MatchRecord:
    """A record whose text was normalised and weighed earlier and stored (the search index).

    Normalising costs about half a millisecond a record, and re-scoring 200 stored candidates
    must not pay it: this fills the fields directly, without ``__post_init__``. Only what the
    features read is restored: the description's tokens and its first words.
    """
    record = object.__new__(MatchRecord)
    values = {
        "id": id,
        "title": title,
        "description": "",
        "donors": _codes(donors),
        "implementers": _codes(implementers),
        "countries": _codes(countries),
        "themes": _codes(themes),
        "start": start,
        "end": end,
        "budget_amount": budget_amount,
        "budget_currency": budget_currency,
        "iati_identifier": (iati_identifier.strip().upper() or None) if iati_identifier else None,
        "weights": weights,
        "weighed": True,
        "org_weights": org_weights or {},
        "title_norm": title_norm,
        "description_norm": NormalizedText("", description_tokens, frozenset(), frozenset()),
        "description_head": description_head,
        "budget_usd": _to_usd(budget_amount, budget_currency),
    }
    set_ = object.__setattr__
    for name in _FIELDS:
        set_(record, name, values[name])
    return record
