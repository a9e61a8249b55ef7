"""Turn the codes a project names (countries, themes, organizations) into rows, each code
read once per ``References``; an unknown code becomes a field error."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from adam.errors import N_, InvalidInput
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country, Organization, Theme

Row = TypeVar("Row")


class References:
    """Countries, themes and organizations by code, each read once: the registrations of one
    import ask for the same few dozen again and again. Codes not found are asked again next
    time (an import creates organizations as it goes)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._countries: dict[str, Country] = {}
        self._themes: dict[str, Theme] = {}
        self._organizations: dict[str, Organization] = {}

    def countries(self, codes: Iterable[str]) -> dict[str, Country]:
        wanted = {c.upper() for c in codes}
        return _cached(self._countries, wanted, reference_service.countries_by_code, self.session)

    def themes(self, slugs: Iterable[str]) -> dict[str, Theme]:
        wanted = {s.lower() for s in slugs}
        return _cached(self._themes, wanted, reference_service.themes_by_slug, self.session)

    def organizations(self, codes: Iterable[str]) -> dict[str, Organization]:
        wanted = {c.lower() for c in codes}
        return _cached(
            self._organizations, wanted, reference_service.organizations_by_code, self.session
        )


def _cached(
    cache: dict[str, Row],
    wanted: set[str],
    read: Callable[[Session, Iterable[str]], dict[str, Row]],
    session: Session,
) -> dict[str, Row]:
    """The rows of ``wanted`` keys, reading only those ``cache`` lacks (and keeping them)."""
    if missing := wanted - cache.keys():
        cache |= read(session, missing)
    return {key: cache[key] for key in wanted if key in cache}


def resolve_references(
    session: Session, data: dict[str, Any], references: References | None = None
) -> dict[str, Any]:
    """Turn the codes in ``data`` into rows; every unknown code becomes a field error."""
    references = references or References(session)
    errors: dict[str, list[str]] = {}
    known = refusals.KnownCodes(session)
    resolved: dict[str, Any] = {}
    if "countries" in data:
        found = references.countries(data["countries"])
        if bad := refusals.unknown_codes("country", data["countries"], found, known=known):
            errors["countries"] = bad
        resolved["countries"] = [found[c.upper()] for c in data["countries"] if c.upper() in found]
    if "themes" in data:
        themes = references.themes(data["themes"])
        if bad := refusals.unknown_codes("theme", data["themes"], themes, known=known):
            errors["themes"] = bad
        resolved["themes"] = [themes[t.lower()] for t in data["themes"] if t.lower() in themes]
    # Donors and implementers in one lookup: a registration names both.
    orgs = references.organizations([*data.get("donors", ()), *data.get("implementers", ())])
    for name in ("donors", "implementers"):
        if name in data:
            if bad := refusals.unknown_codes("organization", data[name], orgs, known=known):
                errors[name] = bad
            resolved[name] = [orgs[c.lower()] for c in data[name] if c.lower() in orgs]
    if errors:
        raise InvalidInput(N_("The project names things that do not exist."), errors)
    return resolved
