"""The nearest known codes: typos, other codes, names in English and Russian; none for garbage."""

from __future__ import annotations

import pytest

from adam.reference.refusals import country_index, currency_index, or_list
from adam.reference.suggest import Candidate, CodeIndex, max_edits, nearest

THEMES = CodeIndex(
    [
        Candidate(
            "border-control",
            aliases=("1",),
            names=("Border control and management", "Пограничный контроль и управление границами"),
        ),
        Candidate(
            "precursor-control",
            aliases=("4",),
            names=("Precursor control", "Контроль над прекурсорами"),
        ),
        Candidate("research", aliases=("10",), names=("Research, data and monitoring",)),
    ]
)
ORGANIZATIONS = CodeIndex(
    [
        Candidate("gb-fcdo", names=("Foreign, Commonwealth & Development Office", "FCDO")),
        Candidate("XM-DAC-41114", names=("United Nations Development Programme", "UNDP")),
        Candidate("unodc", names=("United Nations Office on Drugs and Crime",)),
        Candidate("tj-dca", names=("Drug Control Agency of Tajikistan",)),
    ]
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # One typo in a two-letter code: the Paris Pact's countries first, then A to Z.
        ("TX", ["TJ", "TM", "TR"]),
        ("tx", ["TJ", "TM", "TR"]),
        ("JT", ["TJ", "BT", "JO"]),  # swapped letters are one typo, and come first
        # Another code or a name of the country means that country alone.
        ("TJK", ["TJ"]),
        ("tjk", ["TJ"]),
        ("Tajikistan", ["TJ"]),
        ("Republic of Tajikistan", ["TJ"]),
        ("Таджикистан", ["TJ"]),
        ("UK", ["GB"]),
        ("Россия", ["RU"]),
        ("XKX", ["XK"]),
        # Names mistyped, or begun.
        ("Tadjikistan", ["TJ"]),
        ("Tajik", ["TJ"]),
        ("Kyrgystan", ["KG"]),
        ("Afganistan", ["AF"]),
        ("Афганистон", ["AF"]),
        ("Irak", ["IQ", "IR"]),
        ("Germny", ["DE"]),
    ],
)
def test_countries(given: str, expected: list[str]) -> None:
    assert nearest(given, country_index()) == expected


@pytest.mark.parametrize(
    "garbage",
    ["XYZZY-42", "!!!", "", "  ", "T", "hello", "qwerty", "asdfgh", "zzzzzz", "123", "foobar"],
)
def test_no_country_is_near_garbage(garbage: str) -> None:
    assert nearest(garbage, country_index()) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("USX", ["USD", "UGX", "USN"]),
        ("EUE", ["EUR"]),
        ("Euro", ["EUR"]),
        ("US Dollar", ["USD"]),
        ("Доллар США", ["USD"]),
        ("dollar", ["USD", "CAD", "AUD"]),  # the donors' currencies first
        ("somoni", ["TJS"]),
        ("XYZ", []),
        ("XXX", []),  # "no currency" is no budget's currency
        ("zzzz", []),
    ],
)
def test_currencies(given: str, expected: list[str]) -> None:
    assert nearest(given, currency_index()) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("border-controll", ["border-control"]),
        ("bordercontrol", ["border-control"]),
        ("Border control", ["border-control"]),
        ("пограничный контроль", ["border-control"]),
        ("контроль над прекурсорам", ["precursor-control"]),
        ("1", ["border-control"]),  # its number
        ("12", []),  # no number is a typo of another
        ("astrology", []),
        ("research-data", ["research"]),
    ],
)
def test_themes(given: str, expected: list[str]) -> None:
    assert nearest(given, THEMES) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("gb-fcd", ["gb-fcdo"]),
        ("GB-FCDO-1", ["gb-fcdo"]),
        ("FCDO", ["gb-fcdo"]),
        ("Foreign Commonwealth Development Office", ["gb-fcdo"]),
        ("XM-DAC-41141", ["XM-DAC-41114"]),
        ("undp", ["XM-DAC-41114"]),
        ("UN Office on Drugs and Crime", ["unodc"]),
        ("undoc", ["unodc"]),
        ("Drug Control Agency", ["tj-dca"]),
        ("nobody", []),
        ("Ministry of Magic", []),
    ],
)
def test_organizations(given: str, expected: list[str]) -> None:
    assert nearest(given, ORGANIZATIONS) == expected


def test_limit_and_order() -> None:
    assert nearest("TX", country_index(), limit=1) == ["TJ"]
    assert len(nearest("ZZ", country_index(), limit=10)) == 10
    # A list of candidates serves as well as an index.
    assert nearest("gb-fcd", [Candidate("gb-fcdo"), Candidate("gb-gov-1")]) == ["gb-fcdo"]


def test_typos_forgiven_grow_with_the_length() -> None:
    assert [max_edits(n) for n in (2, 4, 5, 8, 9, 30)] == [1, 1, 2, 2, 3, 3]


def test_suggestions_read_as_a_list() -> None:
    assert or_list(["TJ"]) == "TJ"
    assert or_list(["TJ", "TM"]) == "TJ or TM"
    assert or_list(["TJ", "TM", "TR"]) == "TJ, TM or TR"
