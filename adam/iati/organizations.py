"""The ADAM organizations an IATI file names: found by IATI ref, else by name, else created
under a code made from the name."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, MutableMapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.auth.actor import Actor
from adam.iati.codes import organization_type_from_iati
from adam.iati.parse import OrganizationRef
from adam.reference import service as reference_service
from adam.reference.models import Organization

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_DERIVED_CODE = 60


def organization_key(org: OrganizationRef) -> str:
    """How the import remembers an organisation it has resolved: by ref, else by name."""
    return f"ref:{org.ref.lower()}" if org.ref else f"name:{org.name.casefold()}"


def resolve_organization(
    session: Session,
    org: OrganizationRef,
    *,
    actor: Actor,
    known: Mapping[str, str],
    pending: MutableMapping[str, str],
    create: bool = True,
) -> str | None:
    """The ADAM code of an organisation the file names, created when ADAM lacks it (None when
    it lacks it and ``create`` is false). ``known``: resolved in committed activities;
    ``pending``: in this one, by ``organization_key`` (a code found here is added to it).

    By ref (IATI organisation identifier, case-insensitive) when it has one; else by name
    (case-insensitive), else created under a code made from its name.
    """
    key = organization_key(org)
    code = known.get(key) or pending.get(key)
    if code:
        return code
    if org.ref:
        found = reference_service.find_organization(session, org.ref)
        if found is None and not create:
            return None
        code = found.code if found else _create(session, org, org.ref, actor).code
    else:
        code = _by_name(session, org, actor, create=create)
        if code is None:
            return None
    pending[key] = code
    return code


def _by_name(
    session: Session, org: OrganizationRef, actor: Actor, *, create: bool = True
) -> str | None:
    # lower() is ASCII-only on SQLite; the code derived from the name catches the rest.
    found = session.scalar(
        select(Organization.code)
        .where(func.lower(Organization.name) == org.name.lower())
        .order_by(Organization.id)
        .limit(1)
    )
    if found:
        return found
    code = derived_code(org.name)
    clash = reference_service.find_organization(session, code)
    if clash is not None:
        if clash.name.casefold() == org.name.casefold():
            return clash.code
        code = f"{code}-{_digest(org.name)}"
        clash = reference_service.find_organization(session, code)
        if clash is not None:
            return clash.code  # the same name, folded the same way
    if not create:
        return None
    return _create(session, org, code, actor).code


def _create(session: Session, org: OrganizationRef, code: str, actor: Actor) -> Organization:
    return reference_service.create_organization(
        session,
        actor=actor,
        code=code,
        name=org.name or code,
        type=organization_type_from_iati(org.type_code, funds=org.funds),
    )


def _digest(name: str) -> str:
    return hashlib.sha1(name.casefold().encode(), usedforsecurity=False).hexdigest()[:6]


def derived_code(name: str) -> str:
    """A slug of an organisation's name: "Ministère de l'Intérieur" -> "ministere-de-l-interieur".

    Names with no Latin letters (Cyrillic, Arabic...) get ``org-`` and a digest of the name.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:MAX_DERIVED_CODE].strip("-")
    return slug or f"org-{_digest(name)}"
