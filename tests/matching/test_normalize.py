"""Normalisation: one spelling of a title per activity, whatever the language or wording."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from adam.matching.normalize import fold, normalize_org_name, normalize_text, singular


def text(title: str) -> str:
    return normalize_text(title).text


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # Boiler-plate, case, punctuation and plural do not matter.
        (
            "Strengthening the capacity of Border Liaison Offices in Tajikistan",
            "border liaison office - TAJIKISTAN",
        ),
        # Acronym and the name it stands for.
        (
            "UNODC Container Control Programme",
            "Container control program (United Nations Office on Drugs and Crime)",
        ),
        ("BLO Tajikistan", "Border Liaison Offices, Tajikistan"),
        ("U.N.O.D.C. support to the CCP", "UNODC CCP"),
        # British/American spelling and hyphenated prefixes.
        ("Counter-narcotics training centre", "Counternarcotics training center"),
        (
            "Regional co-operation against drug trafficking",
            "regional cooperation against drug-trafficking",
        ),
        # Russian: inflection, field words and the Russian acronym of UNODC.
        (
            "Укрепление потенциала пограничных служб Таджикистана",
            "Поддержка пограничной службы Таджикистана",
        ),
        ("Проект УНП ООН по контролю контейнеров", "UNODC контроль контейнеров"),
    ],
)
def test_same_content_words(left: str, right: str) -> None:
    assert normalize_text(left).tokens == normalize_text(right).tokens


def test_reordered_words_score_full_marks() -> None:
    a = text("Drug demand reduction in Pakistan, UNODC")
    b = text("UNODC Pakistan: drug demand reduction")
    assert fuzz.token_sort_ratio(a, b) == 100


@pytest.mark.parametrize(
    ("plural", "single"),
    [("offices", "office"), ("countries", "country"), ("addresses", "address"),
     ("brushes", "brush"), ("process", "process"), ("aids", "aids"), ("analysis", "analysis")],
)  # fmt: skip
def test_singular(plural: str, single: str) -> None:
    assert singular(plural) == single


def test_transliteration_and_accents() -> None:
    assert fold("Таджикистан") == "tadzhikistan"
    assert fold("Щит, Ёж и Юг") == "shchit ezh i yug"
    assert fold("Қазақстан") == "qazaqstan"
    assert fold("Coopération régionale — Perú") == "cooperation regionale peru"


def test_cyrillic_title_meets_its_latin_transliteration() -> None:
    cyrillic = text("Пограничные службы Таджикистана")
    latin = text("Pogranichnye sluzhby Tadzhikistana")
    assert fuzz.token_sort_ratio(cyrillic, latin) >= 85


@pytest.mark.parametrize(
    ("title", "phase"),
    [
        ("Border Liaison Offices, Phase II", 2),
        ("BLO - 2nd phase", 2),
        ("BLO phase 3", 3),
        ("Second phase of the BLO project", 2),
        ("Пограничные службы, фаза 2", 2),
        ("Пограничные службы (второй этап)", 2),
        ("Fase II del proyecto", 2),
    ],
)
def test_phase_is_a_feature_not_a_word(title: str, phase: int) -> None:
    normalized = normalize_text(title)
    assert normalized.phases == {phase}
    assert not {"phase", "fase", "faza", "etap", "ii", "2nd"} & normalized.tokens


def test_years_are_set_aside() -> None:
    normalized = normalize_text("UNHCR operation in Yemen (2020)")
    assert normalized.years == {2020}
    assert normalized.text == "unhcr operation yemen"


def test_empty_and_stop_word_only_titles() -> None:
    assert normalize_text(None).text == ""
    assert normalize_text("Support to the project").text == ""


def test_organisation_names() -> None:
    assert normalize_org_name("International Organization for Migration (IOM)") == "iom"
    assert normalize_org_name("International Organisation for Migration") == "iom"
    assert normalize_org_name("UNODC") == normalize_org_name(
        "United Nations Office on Drugs and Crime"
    )
