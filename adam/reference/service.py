"""Reference data: look up countries and themes, and manage organizations."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.errors import N_, Conflict, InvalidInput, NotFound
from adam.paging import one_page
from adam.reference import refusals
from adam.reference.models import Country, Organization, OrganizationType, Region, Theme

# A slug ("gb-fcdo") or an IATI organisation identifier ("XM-DAC-41114", "GB-COH-01234567").
ORG_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def get_country(session: Session, code: str) -> Country | None:
    return session.get(Country, code.strip().upper()) if code else None


def list_countries(session: Session, *, region: Region | None = None) -> list[Country]:
    query = select(Country).order_by(Country.code)
    if region is not None:
        query = query.where(Country.region == region)
    return list(session.scalars(query))


def list_themes(session: Session) -> list[Theme]:
    return list(session.scalars(select(Theme).order_by(Theme.id)))


def countries_by_code(session: Session, codes: Iterable[str]) -> dict[str, Country]:
    wanted = {c.upper() for c in codes}
    if not wanted:
        return {}
    return {c.code: c for c in session.scalars(select(Country).where(Country.code.in_(wanted)))}


def themes_by_slug(session: Session, slugs: Iterable[str]) -> dict[str, Theme]:
    wanted = {s.lower() for s in slugs}
    if not wanted:
        return {}
    return {t.slug: t for t in session.scalars(select(Theme).where(Theme.slug.in_(wanted)))}


def organizations_by_code(session: Session, codes: Iterable[str]) -> dict[str, Organization]:
    """Map each lower-cased code to its organization (codes are case-insensitive)."""
    wanted = {c.lower() for c in codes}
    if not wanted:
        return {}
    found = session.scalars(select(Organization).where(Organization.code_key.in_(wanted)))
    return {o.code_key: o for o in found}


def find_organization(session: Session, code: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.code_key == code.lower()))


def get_organization(session: Session, code: str) -> Organization:
    org = find_organization(session, code)
    if org is None:
        known = refusals.KnownCodes(session)
        raise NotFound(refusals.no_such("organization", code, known=known))
    return org


def search_organizations(
    session: Session,
    *,
    q: str | None = None,
    type: OrganizationType | None = None,
    country: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Organization], int]:
    query = select(Organization)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(Organization.name).like(pattern),
                func.lower(func.coalesce(Organization.acronym, "")).like(pattern),
                Organization.code_key.like(pattern),
            )
        )
    if type is not None:
        query = query.where(Organization.type == type)
    if country:
        query = query.where(Organization.country_code == country.upper())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        one_page(query.order_by(Organization.code_key), page=page, per_page=per_page)
    )
    return list(rows), total


def _check_country(session: Session, code: str | None, errors: dict[str, list[str]]) -> str | None:
    if code is None:
        return None
    country = get_country(session, code)
    if country is None:
        errors.setdefault("country", []).append(refusals.unknown_code("country", code))
        return None
    return country.code


def create_organization(
    session: Session,
    *,
    actor: Actor | None,
    code: str,
    name: str,
    type: OrganizationType,
    acronym: str | None = None,
    country: str | None = None,
) -> Organization:
    """:raises Conflict: when the code is taken (codes are compared case-insensitively)."""
    if actor is not None:
        permissions.require(actor, "organization.create")
    errors: dict[str, list[str]] = {}
    if not ORG_CODE.match(code):
        errors["code"] = ["Use letters, digits, '.', '_' or '-' (a slug or an IATI org id)."]
    country_code = _check_country(session, country, errors)
    if errors:
        raise InvalidInput(N_("The organization has invalid fields."), errors)
    if find_organization(session, code) is not None:
        raise Conflict(
            N_("An organization with code %(code)s exists already.", code=code),
            {"code": [N_("Taken.")]},
        )
    org = Organization(
        code=code,
        code_key=code.lower(),
        name=name,
        acronym=acronym,
        type=type,
        country_code=country_code,
    )
    session.add(org)
    session.flush()
    return org


def update_organization(
    session: Session, code: str, *, actor: Actor, changes: dict[str, object]
) -> Organization:
    org = get_organization(session, code)
    permissions.require(actor, "organization.update", org.id)
    errors: dict[str, list[str]] = {}
    if "country" in changes:
        changes["country_code"] = _check_country(session, changes.pop("country"), errors)  # type: ignore[arg-type]
    if errors:
        raise InvalidInput(N_("The organization has invalid fields."), errors)
    for key, value in changes.items():
        setattr(org, key, value)
    session.flush()
    return org


def missing(
    found: dict[str, object], asked: Sequence[str], *, key: Callable[[str], str] = str.lower
) -> list[str]:
    """The asked codes that ``found`` (keyed by ``key(code)``) does not hold, in asked order."""
    return [code for code in asked if key(code) not in found]
