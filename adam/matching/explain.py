"""Reasons: the evidence of one pair in sentences a reviewer can check against the records."""

from __future__ import annotations

from datetime import date

from rapidfuzz import fuzz

from adam.matching.config import FEATURES, Weights
from adam.matching.features import Evidence, unmatched_words
from adam.matching.record import MatchRecord
from adam.matching.result import Reason

_ROMAN = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")
# IATI records can list 30 donors; a reason names the first few and counts the rest.
_MAX_LISTED = 3
# Descriptions are only worth a line when they resemble each other more than shared jargon.
_DESCRIPTION_SHOWN = 50.0


def _listed(codes: frozenset[str], *, upper: bool = False) -> str:
    # Registry codes before "name:" keys, short before long: the most recognisable first.
    shown = sorted(codes, key=lambda c: (c.startswith("name:"), len(c), c))[:_MAX_LISTED]
    extra = len(codes) - len(shown)
    text = ", ".join(c.upper() if upper else c for c in shown)
    return text + (f" (+{extra})" if extra > 0 else "")


def _month(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


def _period(record: MatchRecord) -> str:
    return f"{_month(record.start) or '?'}..{_month(record.end)}"


def _phases(record: MatchRecord) -> str:
    phases = sorted(record.title_norm.phases)
    return "/".join(_ROMAN[p] if p < len(_ROMAN) else str(p) for p in phases)


def _years(record: MatchRecord) -> str:
    return ",".join(str(y) for y in sorted(record.title_norm.years))


def explain(a: MatchRecord, b: MatchRecord, evidence: Evidence, weights: Weights) -> list[Reason]:
    """Reasons for the score of ``a`` vs ``b``, strongest (in log-odds, either sign) first."""
    values = evidence.vector()
    part = {
        name: weight * value
        for name, weight, value in zip(FEATURES, weights.coefficients(), values, strict=True)
    }
    reasons = [
        Reason(
            "title",
            evidence.title,
            f'title {evidence.title:.0f}: "{a.title.strip()}" / "{b.title.strip()}"',
            part["title"] + part["title_specific"] + part["coverage"],
        )
    ]
    # The evidence may hold 0 for a description compared with a cutoff: shown in full here.
    description = (
        fuzz.token_set_ratio(a.description_head, b.description_head)
        if a.description_head and b.description_head
        else 0.0
    )
    if description >= _DESCRIPTION_SHOWN:
        reasons.append(
            Reason(
                "description",
                description,
                f"description {description:.0f}",
                part["description"] + part["same_description"],
            )
        )
    if part["title_conflict"] < 0:
        words = [", ".join(unmatched_words(x, y)[:_MAX_LISTED]) for x, y in ((a, b), (b, a))]
        detail = f"titles name different things: {words[0]} / {words[1]}"
        reasons.append(Reason("title_conflict", 0.0, detail, part["title_conflict"]))
    reasons += _organization_reasons(a, b, evidence, part)
    if evidence.shared_countries:
        shared = _listed(evidence.shared_countries, upper=True)
        reasons.append(Reason("countries", 100.0, f"same country: {shared}"))
    elif evidence.countries_disjoint:
        detail = (
            f"different countries: {_listed(a.countries, upper=True)} / "
            f"{_listed(b.countries, upper=True)}"
        )
        reasons.append(Reason("countries", 0.0, detail, part["countries_disjoint"]))
    if evidence.overlap is not None:
        start, end = evidence.overlap
        closeness = 100.0 * max(0.0, 1.0 - abs(evidence.start_gap_days or 0) / 365.0)
        detail = f"dates overlap {_month(start)}..{_month(end)}"
        reasons.append(Reason("dates", closeness, detail, part["start_close"]))
    elif evidence.dates_disjoint:
        detail = f"dates disjoint: {_period(a)} / {_period(b)}"
        reasons.append(Reason("dates", 0.0, detail, part["dates_disjoint"]))
    if evidence.budget_log_ratio is not None:
        detail = (
            f"budgets {a.budget_amount:,.0f} {a.budget_currency} / "
            f"{b.budget_amount:,.0f} {b.budget_currency}"
        )
        closeness = 100.0 * max(0.0, 1.0 - evidence.budget_log_ratio)
        reasons.append(Reason("budget", closeness, detail, part["budget_close"]))
    if evidence.shared_themes:
        detail = f"same theme: {_listed(evidence.shared_themes)}"
        reasons.append(Reason("themes", 100.0, detail, part["shared_theme"]))
    if evidence.phase_conflict:
        detail = f"different phases: {_phases(a)} / {_phases(b)}"
        reasons.append(Reason("phase", 0.0, detail, part["phase_conflict"]))
    if evidence.year_conflict:
        detail = f"titles name different years: {_years(a)} / {_years(b)}"
        reasons.append(Reason("years", 0.0, detail, part["year_conflict"]))
    reasons.sort(key=lambda r: -abs(r.contribution))
    return reasons


def _organization_reasons(
    a: MatchRecord, b: MatchRecord, evidence: Evidence, part: dict[str, float]
) -> list[Reason]:
    # The three organisation features overlap (sharing donor and implementer implies sharing an
    # organisation), so their summed log-odds go on the first, most specific reason.
    found: list[tuple[str, frozenset[str]]] = []
    if evidence.same_donors:
        found.append(("same donor", evidence.same_donors))
    if evidence.same_implementers:
        found.append(("same implementer", evidence.same_implementers))
    crossed = evidence.crossed_orgs - evidence.same_donors - evidence.same_implementers
    if crossed:
        found.append(("funder of one is implementer of the other", crossed))
    total = part["shared_org"] + part["same_implementer"] + part["same_donor_and_implementer"]
    reasons = [
        Reason("organizations", 100.0, f"{label}: {_listed(codes)}", total if i == 0 else 0.0)
        for i, (label, codes) in enumerate(found)
    ]
    if evidence.different_implementers:
        detail = f"different implementers: {_listed(a.implementers)} / {_listed(b.implementers)}"
        reasons.append(Reason("organizations", 0.0, detail, part["different_implementers"]))
    return reasons
