"""ISO code lists from pycountry, with the additions the aid world uses (Kosovo)."""

from __future__ import annotations

import csv
import gettext
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry


@dataclass(frozen=True, slots=True)
class CountryCode:
    code: str
    alpha3: str | None
    name_en: str
    name_ru: str


# Kosovo is used by IATI, the EU and the World Bank but has no ISO 3166-1 entry yet.
EXTRA_COUNTRIES = (CountryCode("XK", "XKX", "Kosovo", "Косово"),)


@cache
def _russian() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)


@cache
def numeric_codes() -> dict[str, str]:
    """The ISO 3166-1 numeric code ("004") of each alpha-3 code; Kosovo (XKX) has none."""
    return {c.alpha_3: c.numeric for c in pycountry.countries}


def all_countries() -> list[CountryCode]:
    ru = _russian()
    found = [
        CountryCode(
            code=c.alpha_2,
            alpha3=c.alpha_3,
            name_en=getattr(c, "common_name", None) or c.name,
            name_ru=ru.gettext(c.name),
        )
        for c in pycountry.countries
    ]
    return sorted([*found, *EXTRA_COUNTRIES], key=lambda c: c.code)


# ISO 4217 "testing" and "no currency" codes are not budgets.
_NOT_MONEY = frozenset({"XTS", "XXX"})


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies) - _NOT_MONEY


def is_currency(code: str) -> bool:
    return code in currency_codes()


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 two-letter codes: what IATI's xml:lang and narratives use."""
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def is_language(code: str) -> bool:
    return code in language_codes()


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.code for c in all_countries())


@cache
def country_regions() -> dict[str, str]:
    """The region of each country of the Paris Pact's (regions.csv); the others have none."""
    text = resources.files("adam.reference").joinpath("data", "regions.csv").read_text("utf-8")
    return {row["code"]: row["region"] for row in csv.DictReader(text.splitlines())}


@cache
def theme_slugs() -> tuple[str, ...]:
    """The themes' slugs as shipped (adam seed loads the same file)."""
    text = resources.files("adam.reference").joinpath("data", "themes.json").read_text("utf-8")
    return tuple(spec["slug"] for spec in json.loads(text)["themes"])


def enum(codes: Iterable[str]) -> dict[str, list[str]]:
    """Field metadata that lists a fixed code set in the OpenAPI document (upper case where
    the server also takes lower case: it normalises before it looks)."""
    return {"enum": sorted(codes)}
