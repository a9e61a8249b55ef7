"""The codes of recommendations (``EWG-2023-SOFIA/3``): made from their event's kind, year
and number or place when none is given, and kept unique."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adam.errors import N_, Conflict
from adam.pact.models import (
    Event,
    EventKind,
    Recommendation,
)

KIND_PREFIX = {
    EventKind.EXPERT_WORKING_GROUP: "EWG",
    EventKind.EXPERT_ROUND_TABLE: "ERT",
    EventKind.POLICY_CONSULTATIVE_GROUP: "PCG",
    EventKind.MINISTERIAL_CONFERENCE: "MC",
}


def _ascii_word(text: str | None, limit: int = 12) -> str:
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", plain).upper()[:limit]


def code_prefix(event: Event) -> str:
    """The readable part of the codes of an event's recommendations: kind, year and the
    event's number, else its place, else its id (``EWG-2023-SOFIA``, ``PCG-2023-17``)."""
    which = str(event.number) if event.number else _ascii_word(event.place) or f"E{event.id}"
    return f"{KIND_PREFIX[event.kind]}-{event.start_date.year}-{which}"


def free_code(session: Session, event: Event) -> str:
    """The first code ``<prefix>/<n>`` of the event's that no recommendation has."""
    prefix = code_prefix(event)
    taken = set(
        session.scalars(
            select(Recommendation.code).where(Recommendation.code.startswith(f"{prefix}/"))
        )
    )
    order = 1
    while f"{prefix}/{order}" in taken:
        order += 1
    return f"{prefix}/{order}"


def code_taken(session: Session, code: str, own_id: int | None) -> bool:
    """Does another recommendation than ``own_id`` have ``code``?"""
    found = session.scalar(select(Recommendation.id).where(Recommendation.code == code))
    return found is not None and found != own_id


def code_conflict(code: str) -> Conflict:
    """The refusal of a code another recommendation has."""
    message = N_("A recommendation with the code %(code)s exists already.", code=code)
    return Conflict(message, {"code": [message]})


def flush_code(session: Session, recommendation: Recommendation) -> None:
    """Flush a new recommendation.

    :raises Conflict: its code was taken meanwhile.
    """
    code = recommendation.code
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        # Two registrations took the same code at the same moment.
        raise code_conflict(code) from error
