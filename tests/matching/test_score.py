"""Scoring: pairs that must match, near-misses that must not, and how reasons read."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from adam.matching import ALERT_THRESHOLD, DEFAULT_WEIGHTS, MatchRecord, score, score_value
from adam.matching.config import FEATURES
from adam.matching.features import compare

# The donor's record and the implementer's record of one activity, in their own words.
FUNDER = MatchRecord(
    id=1,
    title="Strengthening Border Liaison Offices on the Tajik-Afghan border",
    description=(
        "The UK funds UNODC to equip and train border liaison offices in Tajikistan so that "
        "border guards, customs and drug control agencies share information on trafficking."
    ),
    donors=frozenset({"gb-fcdo"}),
    implementers=frozenset({"unodc"}),
    countries=frozenset({"TJ"}),
    themes=frozenset({"border-control"}),
    start=date(2024, 3, 1),
    end=date(2025, 6, 30),
    budget_amount=2_000_000,
    budget_currency="GBP",
)
IMPLEMENTER = MatchRecord(
    id=2,
    title="BLO network in Tajikistan (UNODC)",
    description=(
        "UNODC equips and trains border liaison offices of Tajikistan; border guards, customs "
        "and the Drug Control Agency exchange information on drug trafficking."
    ),
    donors=frozenset({"GB-FCDO"}),
    implementers=frozenset({"UNODC"}),
    countries=frozenset({"TJ", "AF"}),
    themes=frozenset({"border-control", "law-enforcement"}),
    start=date(2024, 4, 1),
    end=date(2025, 12, 31),
    budget_amount=2_600_000,
    budget_currency="USD",
)


def test_same_activity_in_different_words_is_an_alert() -> None:
    match = score(FUNDER, IMPLEMENTER)
    assert match.score >= ALERT_THRESHOLD
    details = [str(r) for r in match.reasons]
    assert "same donor: gb-fcdo" in details
    assert "dates overlap 2024-04..2025-06" in details


def test_funder_named_on_the_implementers_record_is_an_alert() -> None:
    # IATI pattern: each publisher lists only what it knows; the funder's code appears as
    # donor on one record, the implementer's as implementer on both.
    funder = replace(FUNDER, donors=frozenset({"gb-fcdo"}), implementers=frozenset({"unodc"}))
    implementer = replace(IMPLEMENTER, donors=frozenset({"gb-fcdo"}), implementers=frozenset())
    assert score(funder, implementer).score >= ALERT_THRESHOLD


def test_same_title_country_and_period_alert_without_organisation_codes() -> None:
    a = replace(FUNDER, donors=frozenset(), implementers=frozenset())
    b = replace(
        IMPLEMENTER,
        title="Strengthening of border liaison offices, Tajik-Afghan border",
        donors=frozenset(),
        implementers=frozenset(),
    )
    assert score(a, b).score >= ALERT_THRESHOLD


def test_same_donor_other_country_and_period_is_not_an_alert() -> None:
    other = replace(
        IMPLEMENTER,
        title="Border liaison offices in Kyrgyzstan",
        countries=frozenset({"KG"}),
        start=date(2021, 1, 1),
        end=date(2022, 12, 31),
    )
    match = score(FUNDER, other)
    assert match.score < ALERT_THRESHOLD
    details = [str(r) for r in match.reasons]
    assert "different countries: TJ / KG" in details
    assert "dates disjoint: 2024-03..2025-06 / 2021-01..2022-12" in details


def test_next_phase_is_not_an_alert() -> None:
    phase_one = replace(
        FUNDER, title="Border Liaison Offices in Tajikistan, phase I", end=date(2023, 12, 31),
        start=date(2021, 1, 1),
    )  # fmt: skip
    phase_two = replace(
        FUNDER, id=3, title="Border Liaison Offices in Tajikistan - Phase II",
        start=date(2024, 1, 1), end=date(2026, 12, 31),
    )  # fmt: skip
    match = score(phase_one, phase_two)
    assert match.score < ALERT_THRESHOLD
    assert "different phases: I / II" in [str(r) for r in match.reasons]
    # Even when the phases overlap in time, two named phases are two activities.
    overlapping = replace(phase_two, start=date(2023, 6, 1))
    assert score(phase_one, overlapping).score < ALERT_THRESHOLD


def test_sibling_grants_of_one_donor_are_not_an_alert() -> None:
    # One donor, same country and period, two implementers: a programme's components.
    sibling = replace(
        IMPLEMENTER,
        title="Alternative livelihoods for farmers in Badakhshan",
        description="Aga Khan Foundation helps farmers replace opium poppy with fruit orchards.",
        implementers=frozenset({"akf"}),
        countries=frozenset({"TJ"}),
    )
    match = score(FUNDER, sibling)
    assert match.score < ALERT_THRESHOLD
    assert "different implementers: unodc / akf" in [str(r) for r in match.reasons]


def test_shared_implementer_alone_is_not_an_alert() -> None:
    # UNODC implements dozens of projects in one country at once, often for one donor:
    # organizations in common without a word in common are two activities.
    other_subject = MatchRecord(
        id=7,
        title="Family-based drug dependence treatment in Dushanbe clinics",
        description="Clinicians of the national narcology centre learn Treatnet protocols.",
        donors=FUNDER.donors,
        implementers=FUNDER.implementers,
        countries=FUNDER.countries,
        themes=frozenset({"demand-reduction"}),
        start=FUNDER.start,
        end=FUNDER.end,
    )
    evidence = compare(FUNDER, other_subject)
    assert evidence.shared_orgs and evidence.text_signal() < 0.25
    assert score(FUNDER, other_subject).score < ALERT_THRESHOLD


def test_same_iati_identifier_is_certain() -> None:
    a = replace(FUNDER, iati_identifier="GB-GOV-1-300123")
    b = replace(IMPLEMENTER, title="Something else", iati_identifier=" gb-gov-1-300123 ")
    match = score(a, b)
    assert match.score == 100.0
    assert [str(r) for r in match.reasons] == ["same IATI identifier: GB-GOV-1-300123"]


def test_score_is_symmetric_and_bounded() -> None:
    forward, backward = score(FUNDER, IMPLEMENTER), score(IMPLEMENTER, FUNDER)
    assert forward.score == backward.score == score_value(FUNDER, IMPLEMENTER)
    assert 0.0 <= forward.score <= 100.0


def test_reason_format() -> None:
    a = replace(FUNDER, title="Border liaison offices")
    b = replace(IMPLEMENTER, title="Border Liaison Office")
    reasons = score(a, b).reasons
    title = next(r for r in reasons if r.field == "title")
    assert str(title) == 'title 100: "Border liaison offices" / "Border Liaison Office"'
    assert title.score == 100.0
    for reason in reasons:
        assert re.fullmatch(r"[a-z_]+", reason.field)
        assert 0.0 <= reason.score <= 100.0
        assert reason.detail and "\n" not in reason.detail
    # Strongest evidence first, whichever its direction.
    sizes = [abs(r.contribution) for r in reasons]
    assert sizes == sorted(sizes, reverse=True)


def test_weights_cover_every_feature() -> None:
    assert len(DEFAULT_WEIGHTS.coefficients()) == len(FEATURES)
    assert len(compare(FUNDER, IMPLEMENTER).vector()) == len(FEATURES)


def test_record_normalises_codes() -> None:
    assert IMPLEMENTER.donors == {"gb-fcdo"}
    assert IMPLEMENTER.countries == {"tj", "af"}
    assert IMPLEMENTER.budget_usd == pytest.approx(2_600_000)


def test_matching_package_is_pure() -> None:
    # The matcher runs in the service, in batch jobs and in tests: stdlib and rapidfuzz only.
    package = Path(__file__).resolve().parents[2] / "adam" / "matching"
    allowed = {"rapidfuzz", "adam", "__future__"}
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = {node.module.split(".")[0]}
                if roots == {"adam"}:
                    assert node.module.startswith("adam.matching"), f"{path.name}: {node.module}"
            else:
                continue
            for root in roots - allowed:
                assert root in sys.stdlib_module_names, f"{path.name} imports {root}"
