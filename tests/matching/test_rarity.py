"""Word and organization weights: rare is evidence, the field's common words are not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from adam.matching import ALERT_THRESHOLD, MatchRecord, rarity, score
from adam.matching.iati import weigh_all
from adam.matching.rarity import (
    COMMON_MIN,
    DESCRIPTION_TERMS,
    common_count,
    format_weights,
    parse_weights,
    record_weights,
    term_weight,
)


def test_weight_falls_from_one_to_zero_with_the_share_of_projects() -> None:
    total = 100_000
    assert common_count(total) == 5_000
    assert term_weight(1, total) == 1.0
    assert term_weight(0, total) == 1.0  # a new word
    assert 0.45 < term_weight(100, total) < 0.55
    assert term_weight(4_999, total) > 0 and term_weight(5_000, total) == 0.0
    assert term_weight(80_000, total) == 0.0
    # A small registry has no statistics: a word weighs nothing only from COMMON_MIN projects.
    assert common_count(35) == COMMON_MIN
    assert term_weight(COMMON_MIN, 35) == 0.0 and term_weight(2, 35) > 0.5


def test_record_weights_keep_every_title_word_and_the_rarest_description_words() -> None:
    counts = {"border": 40_000, "khorog": 12, "blo": 300} | {f"w{i}": i + 1 for i in range(60)}
    weights = record_weights(
        ["blo", "khorog", "border"], [f"w{i}" for i in range(60)] + ["khorog"], counts, 100_000
    )
    assert "border" not in weights  # common: weighs nothing, not stored
    assert set(weights) >= {"blo", "khorog"}
    described = [w for w in weights if w.startswith("w")]
    assert len(described) == DESCRIPTION_TERMS
    assert described[0] == "w0" and weights["w0"] == 1.0  # rarest first
    assert parse_weights(format_weights(weights)) == pytest.approx(weights, abs=1e-3)


def _corpus(records: list[MatchRecord]) -> list[MatchRecord]:
    """``records`` weighed by their words' and organizations' rarity among themselves and a
    backdrop of projects of the same organizations on other subjects (in a registry of 400 or
    more, where organizations count: see ``rarity.ORGANIZATION_EVIDENCE``)."""
    backdrop = [
        MatchRecord(
            id=f"b{i}",
            title=f"Drug investigation training for police officers in district {i}",
            description="Grant-based courses and equipment for drug control agency officers.",
            donors=frozenset({"us-inl"}),
            implementers=frozenset({"unodc"}),
        )
        for i in range(rarity.ORGANIZATION_EVIDENCE)
    ]
    return weigh_all(backdrop + records)[len(backdrop) :]


BASE = MatchRecord(
    id=1,
    title="Drug investigation training for police officers in Ishkashim",
    description="Courses for the Ishkashim drug squad, with the KAVRAS case management system.",
    donors=frozenset({"us-inl"}),
    implementers=frozenset({"unodc"}),
    countries=frozenset({"TJ"}),
    start=date(2025, 1, 1),
    end=date(2026, 6, 30),
)


def test_same_template_in_another_district_is_not_an_alert() -> None:
    # One donor and one implementer run the same course in two districts: two activities.
    other = replace(
        BASE,
        id=2,
        title="Drug investigation training for police officers in Vanj",
        description="Courses for the Vanj drug squad, with the ZARAFSHON case management system.",
    )
    a, b = _corpus([BASE, other])
    assert a.org_weights["unodc"] == 0.0  # in every project of the corpus
    match = score(a, b)
    assert match.score < ALERT_THRESHOLD
    conflict = next(r for r in match.reasons if r.field == "title_conflict")
    assert conflict.detail == "titles name different things: ishkashim / vanj"
    assert conflict.contribution < 0


def test_reworded_registration_of_the_same_course_is_an_alert() -> None:
    twin = replace(BASE, id=2, title="Ishkashim: police officers trained in drug investigation")
    a, b = _corpus([BASE, twin])
    assert score(a, b).score >= ALERT_THRESHOLD


def test_description_copied_under_another_title_is_an_alert() -> None:
    twin = replace(BASE, id=2, title="Support to the drug control agency")
    a, b = _corpus([BASE, twin])
    match = score(a, b)
    assert match.score >= ALERT_THRESHOLD
    assert any(r.detail.startswith("description 100") for r in match.reasons)


def test_a_rare_organization_in_common_counts_where_a_common_one_does_not() -> None:
    # The funder's and the implementer's record of one small grant share little prose.
    funder = replace(
        BASE,
        title="Grant to Afghanaid for community drug treatment",
        description="Funding agreement 2025.",
        donors=frozenset({"gb-fcdo"}),
        implementers=frozenset({"afghanaid"}),
    )
    implementer = replace(
        funder,
        id=2,
        title="Community-based treatment services, Badakhshan",
        description="Outreach workers and a clinic run with local shuras.",
    )
    a, b = _corpus([funder, implementer])
    assert a.org_weights["afghanaid"] > 0.25
    assert score(a, b).score >= ALERT_THRESHOLD
    common = [
        replace(r, donors=frozenset({"us-inl"}), implementers=frozenset({"unodc"}))
        for r in (funder, implementer)
    ]
    a, b = _corpus(common)
    assert score(a, b).score < ALERT_THRESHOLD
