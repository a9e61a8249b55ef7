"""Unknown codes: one wording wherever a request names a country, theme, organization or
currency ADAM does not have, with the known codes nearest to it (``Unknown country code: TX.
Did you mean TJ, TM or TR?``)."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Container, Iterable
from functools import cache
from typing import Any, Literal

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.errors import N_, Text
from adam.reference.codes import all_countries, country_regions, currency_codes
from adam.reference.models import Organization, Theme
from adam.reference.suggest import Candidate, CodeIndex, nearest

Kind = Literal["country", "theme", "organization", "currency"]

# Budgets of the projects ADAM holds come in the donors' currencies far more often than in the
# others: among equally close currencies these are suggested first, in this order ("dollar": USD).
DONOR_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "RUB")

# What people call some countries that ISO does not: the EU's codes (UK, EL) and the short
# Russian names of countries whose ISO Russian name is the long one.
OTHER_COUNTRY_CODES = {"GB": ("UK",), "GR": ("EL",)}
OTHER_COUNTRY_NAMES = {
    "RU": ("Россия",),
    "GB": ("Великобритания", "Britain", "Great Britain"),
    "US": ("США",),
    "MD": ("Молдова", "Молдавия"),
    "SY": ("Сирия",),
    "KG": ("Кыргызстан",),
}


@cache
def country_index() -> CodeIndex:
    """Every country by its codes and its names; the Paris Pact's countries first among equals."""
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    regions = country_regions()
    candidates = []
    for country in all_countries():
        names = {country.name_en, country.name_ru}
        iso = pycountry.countries.get(alpha_2=country.code)
        for attribute in ("name", "official_name"):
            name = getattr(iso, attribute, None) if iso is not None else None
            if name:
                names |= {name, ru.gettext(name)}
        candidates.append(
            Candidate(
                code=country.code,
                codes=(country.alpha3,) if country.alpha3 else (),
                aliases=OTHER_COUNTRY_CODES.get(country.code, ()),
                names=(*sorted(names), *OTHER_COUNTRY_NAMES.get(country.code, ())),
                rank=0 if country.code in regions else 1,
            )
        )
    return CodeIndex(candidates)


@cache
def currency_index() -> CodeIndex:
    ru = gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    known = currency_codes()
    return CodeIndex(
        Candidate(
            code=c.alpha_3,
            names=(c.name, ru.gettext(c.name)),
            rank=(
                DONOR_CURRENCIES.index(c.alpha_3)
                if c.alpha_3 in DONOR_CURRENCIES
                else len(DONOR_CURRENCIES)
            ),
        )
        for c in pycountry.currencies
        if c.alpha_3 in known
    )


def theme_index(session: Session) -> CodeIndex:
    rows = session.execute(select(Theme.id, Theme.slug, Theme.name_en, Theme.name_ru))
    return CodeIndex(
        Candidate(code=slug, aliases=(str(id_),), names=(name_en, name_ru))
        for id_, slug, name_en, name_ru in rows
    )


# The last organization index built for each database, with the stamp it was built at.
_ORGANIZATIONS: dict[str, tuple[tuple[Any, ...], CodeIndex]] = {}


def organization_index(session: Session) -> CodeIndex:
    """The organizations by code, name and acronym; built again only when the registry changed.

    The stamp (how many, the highest id, the latest change) moves with every insert and update
    (organizations are never deleted); reading it costs a few milliseconds where reading and
    indexing 10,000 organizations costs a hundred (bench/RESULTS.md).
    """
    table = Organization.__table__.c
    connection = session.connection()
    stamp = tuple(
        connection.execute(
            select(func.count(), func.max(table.id), func.max(table.updated_at))
        ).one()
    )
    database = connection.engine.url.render_as_string(hide_password=True)
    cached = _ORGANIZATIONS.get(database)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    # Only the three columns, as plain rows without the ORM's loading.
    rows = connection.execute(select(table.code, table.name, table.acronym))
    index = CodeIndex(
        Candidate(code=code, names=(name, acronym) if acronym else (name,))
        for code, name, acronym in rows
    )
    _ORGANIZATIONS[database] = (stamp, index)
    return index


class KnownCodes:
    """The known codes of each kind, read when a refusal first needs them, then kept: make one
    per request (or per refused record), so that a refusal of many codes reads them once."""

    def __init__(self, session: Session | None = None) -> None:
        self.session = session
        self._read: dict[str, CodeIndex] = {}

    def index(self, kind: Kind) -> CodeIndex:
        if kind == "country":
            return country_index()
        if kind == "currency":
            return currency_index()
        if kind not in self._read:
            if self.session is None:
                raise ValueError(f"Suggesting {kind} codes needs a database session.")
            read = theme_index if kind == "theme" else organization_index
            self._read[kind] = read(self.session)
        return self._read[kind]


def or_list(codes: list[str]) -> str:
    """``TJ``, ``TJ or TM``, ``TJ, TM or TR``: in the reader's language (a ``Text``)."""
    if len(codes) == 1:
        return codes[0]
    return N_("%(first)s or %(last)s", first=", ".join(codes[:-1]), last=codes[-1])


# How each kind's codes compare (country and currency codes upper case, slugs and organization
# codes lower), and what the person is told without and with codes to suggest.
_NORMAL: dict[str, Callable[[str], str]] = {
    "country": str.upper,
    "currency": str.upper,
    "theme": str.lower,
    "organization": str.lower,
}
_PLAIN: dict[str, Callable[[str], Text]] = {
    "country": lambda code: N_("Unknown country code: %(code)s.", code=code),
    "currency": lambda code: N_("Unknown currency code: %(code)s.", code=code),
    "theme": lambda code: N_("Unknown theme: %(code)s. See GET /api/v1/themes.", code=code),
    "organization": lambda code: N_(
        "Unknown organization: %(code)s. Register it with POST /api/v1/organizations.", code=code
    ),
}
_SUGGESTING: dict[str, Callable[[str, str], Text]] = {
    "country": lambda code, near: N_(
        "Unknown country code: %(code)s. Did you mean %(suggestions)s?",
        code=code,
        suggestions=near,
    ),
    "currency": lambda code, near: N_(
        "Unknown currency code: %(code)s. Did you mean %(suggestions)s?",
        code=code,
        suggestions=near,
    ),
    "theme": lambda code, near: N_(
        "Unknown theme: %(code)s. Did you mean %(suggestions)s? See GET /api/v1/themes.",
        code=code,
        suggestions=near,
    ),
    "organization": lambda code, near: N_(
        "Unknown organization: %(code)s. Did you mean %(suggestions)s? "
        "If not, register it with POST /api/v1/organizations.",
        code=code,
        suggestions=near,
    ),
}


def unknown_code(kind: Kind, code: str, *, known: KnownCodes | None = None) -> Text:
    """The message for one unknown code (countries and currencies need no ``known``)."""
    suggestions = nearest(code, (known or KnownCodes()).index(kind))
    if suggestions:
        return _SUGGESTING[kind](code, or_list(suggestions))
    return _PLAIN[kind](code)


def unknown_codes(
    kind: Kind, given: Iterable[str], found: Container[str], *, known: KnownCodes
) -> list[str]:
    """The field errors for the codes of ``given`` that are not in ``found`` (the codes the
    database has, as it spells them: upper-case countries, lower-case slugs and org codes)."""
    normal = _NORMAL[kind]
    unknown = [code for code in given if normal(code) not in found]
    # A suggestion costs tens of ms against thousands of organizations: a request naming
    # hundreds of made-up codes must not buy seconds of CPU, so only the first few get one.
    return [
        unknown_code(kind, code, known=known) if n < SUGGESTED_PER_FIELD else _PLAIN[kind](code)
        for n, code in enumerate(unknown)
    ]


SUGGESTED_PER_FIELD = 3


# A path naming an unknown country or organization (``GET /organizations/gb-fcd``) is 404.
_NO_SUCH: dict[str, Callable[[str], Text]] = {
    "country": lambda code: N_("No country with code %(code)s.", code=code),
    "organization": lambda code: N_("No organization with code %(code)s.", code=code),
}
_NO_SUCH_SUGGESTING: dict[str, Callable[[str, str], Text]] = {
    "country": lambda code, near: N_(
        "No country with code %(code)s. Did you mean %(suggestions)s?",
        code=code,
        suggestions=near,
    ),
    "organization": lambda code, near: N_(
        "No organization with code %(code)s. Did you mean %(suggestions)s?",
        code=code,
        suggestions=near,
    ),
}


def no_such(kind: Literal["country", "organization"], code: str, *, known: KnownCodes) -> Text:
    """The message of a 404 for a country or organization that the path names."""
    suggestions = nearest(code, known.index(kind))
    if suggestions:
        return _NO_SUCH_SUGGESTING[kind](code, or_list(suggestions))
    return _NO_SUCH[kind](code)
