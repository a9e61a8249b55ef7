"""What every write of an event or a recommendation shares: the version checks that
keep one person from overwriting another's change, and the countries it names."""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from adam.errors import N_, InvalidInput, PreconditionFailed
from adam.pact.models import (
    Event,
    Recommendation,
)
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country


def known_countries(session: Session, codes: list[str], field: str) -> list[Country]:
    """The countries of ``codes``, by code.

    :raises InvalidInput: a code names no country (under ``field``).
    """
    found = reference_service.countries_by_code(session, [c.upper() for c in codes])
    known = refusals.KnownCodes(session)
    if bad := refusals.unknown_codes("country", codes, found, known=known):
        raise InvalidInput(N_("The record names countries that do not exist."), {field: bad})
    return sorted(found.values(), key=lambda c: c.code)


def flush_versioned(session: Session, record: Event | Recommendation, what: str) -> None:
    """Flush a change of a versioned record.

    :raises PreconditionFailed: another transaction changed it first.
    """
    record_id = record.id
    try:
        session.flush()
    except StaleDataError as error:
        raise PreconditionFailed(
            N_(
                "%(what)s %(id)s was changed by someone else at the same moment; "
                "read it again and reapply your change.",
                what=what,
                id=record_id,
            )
        ) from error


def check_version(record: Event | Recommendation, expected: int | None, what: str) -> None:
    """:raises PreconditionFailed: ``expected`` (from If-Match) is not the stored version."""
    if expected is not None and expected != record.version:
        raise PreconditionFailed(
            N_(
                "%(what)s %(id)s changed since you read it (now version %(version)s); "
                "read it again and reapply your change.",
                what=what,
                id=record.id,
                version=record.version,
            )
        )
