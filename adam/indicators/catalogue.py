"""The indicators a country fact sheet holds: each code with its unit and its names.

The catalogue is fixed: an indicator's unit comes from here, never from the caller, so that
figures of one indicator always add up. English names are ``N_`` texts (the portal gives them
in the reader's language from the translation catalogue); the Russian name is also kept here,
as the API answers both (tests check it is the catalogue's translation).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from adam.errors import N_, Text

KG = "kg"
LITRES = "litres"
PERSONS = "persons"

UNIT_NAMES: dict[str, tuple[Text, str]] = {
    KG: (N_("kg"), "кг"),
    LITRES: (N_("litres"), "литров"),
    PERSONS: (N_("persons"), "человек"),
}


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    unit: str
    name_en: Text
    name_ru: str


CATALOGUE: tuple[Indicator, ...] = (
    Indicator("seizures_heroin", KG, N_("Heroin seizures"), "Изъятия героина"),
    Indicator("seizures_opium", KG, N_("Opium seizures"), "Изъятия опия"),
    Indicator("seizures_morphine", KG, N_("Morphine seizures"), "Изъятия морфина"),
    Indicator("seizures_cannabis_herb", KG, N_("Cannabis herb seizures"), "Изъятия марихуаны"),
    Indicator("seizures_cannabis_resin", KG, N_("Cannabis resin seizures"), "Изъятия гашиша"),
    Indicator(
        "seizures_ats",
        KG,
        N_("Amphetamine-type stimulants seizures"),
        "Изъятия стимуляторов амфетаминового ряда",
    ),
    Indicator(
        "seizures_precursors_solid",
        KG,
        N_("Precursor chemicals seized (solid)"),
        "Изъятия прекурсоров (твёрдых)",
    ),
    Indicator(
        "seizures_precursors_liquid",
        LITRES,
        N_("Precursor chemicals seized (liquid, e.g. acetic anhydride)"),
        "Изъятия прекурсоров (жидких, например уксусного ангидрида)",
    ),
    Indicator(
        "people_in_treatment",
        PERSONS,
        N_("People in drug treatment"),
        "Лица, проходящие лечение от наркозависимости",
    ),
    Indicator(
        "treatment_demand_new",
        PERSONS,
        N_("Treatment demand (new entrants)"),
        "Спрос на лечение (впервые обратившиеся)",
    ),
)
BY_CODE = {indicator.code: indicator for indicator in CATALOGUE}
CODES = tuple(BY_CODE)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


# A file may name an indicator as people read it, in either language, not only by its code.
_BY_WORDING = {
    _key(wording): indicator
    for indicator in CATALOGUE
    for wording in (indicator.code, str(indicator.name_en), indicator.name_ru)
}


def find(given: str) -> Indicator | None:
    """The indicator a file names by its code, or its English or Russian name (any case)."""
    return _BY_WORDING.get(_key(given))


FIRST_YEAR = 1990
# Digits with at most three decimals (the column's scale), no sign, no exponent: as a JSON
# string, exact, like the budgets' amounts.
VALUE_PATTERN = r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?$"
_VALUE = re.compile(VALUE_PATTERN)
MAX_VALUE = Decimal(10) ** 15


def last_year(today: dt.date | None = None) -> int:
    """The latest year a figure may be for: next year (a plan or a first estimate)."""
    return (today or dt.date.today()).year + 1


def year_problem(year: int, today: dt.date | None = None) -> Text | None:
    if FIRST_YEAR <= year <= last_year(today):
        return None
    return N_(
        "The year must be from %(first)s to %(last)s.", first=FIRST_YEAR, last=last_year(today)
    )


def unknown_indicator(code: str) -> Text:
    return N_("Unknown indicator: %(code)s. See GET /api/v1/indicators/catalogue.", code=code)


# Thousands separated by spaces (as Russian pages show them: 1 900) and a decimal point or comma.
_SPACES = "[ \u00a0\u202f]"
_WRITTEN = re.compile(
    rf"(?P<whole>[0-9]{{1,3}}(?:{_SPACES}[0-9]{{3}})+|[0-9]+)(?:(?P<mark>[.,])(?P<decimals>[0-9]+))?"
)
_MARKS = re.compile(r"[0-9 \u00a0\u202f.,]+")


def ambiguous(given: str) -> Text:
    return N_(
        '"%(given)s" can be read in more than one way: separate thousands by spaces or not at '
        'all, and decimals by one point or comma, e.g. "1 250,5" or "1250.5".',
        given=given[:40],
    )


def plain_figure(given: str) -> str | Text:
    """A figure as people write it ("1 900", "455,5") in the API's plain digits ("1900",
    "455.5"); the text unchanged when it is no such figure (the caller says what is wrong);
    why not when it can be read two ways ("1,900.5,3", or "1,900": 1900 or 1.9?)."""
    text = given.strip()
    written = _WRITTEN.fullmatch(text)
    if written is None:
        if _MARKS.fullmatch(text) and text.count(",") + text.count(".") > 1:
            return ambiguous(text)
        return text
    whole = re.sub(_SPACES, "", written["whole"])
    mark, decimals = written["mark"], written["decimals"]
    # "1,900": an English thousands separator as much as a Russian decimal comma.
    if mark == "," and len(decimals) == 3 and len(written["whole"]) <= 3 and whole != "0":
        return ambiguous(text)
    return whole + (f".{decimals}" if mark else "")


def parse_value(raw: object) -> Decimal | Text:
    """A figure as the API takes it (a string of digits, at most three decimals), or why not.

    A spreadsheet's number cell (int or float) is read as the digits it shows.
    """
    if isinstance(raw, bool):
        return N_('Not a number: give digits, e.g. "1250.5".')
    if isinstance(raw, int | float):
        raw = format(Decimal(str(raw)).normalize(), "f")
    if not isinstance(raw, str):
        return N_('Not a number: give digits, e.g. "1250.5".')
    text = plain_figure(raw)
    if isinstance(text, Text):
        return text
    if _VALUE.fullmatch(text):
        return Decimal(text)
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return N_('Not a number: give digits, e.g. "1250.5".')
    if not number.is_finite():
        return N_('Not a number: give digits, e.g. "1250.5".')
    if number < 0:
        return N_("A figure cannot be negative.")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        return N_("Use at most three decimal places.")
    if number >= MAX_VALUE:
        return N_("The figure is implausibly large.")
    return N_('Write the figure as plain digits with a point for decimals, e.g. "1250.5".')
