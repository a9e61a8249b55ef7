"""Progress notes on recommendations, and whom they are scoped to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import utcnow
from adam.errors import N_, Conflict, InvalidInput
from adam.pact.models import (
    ProgressNote,
    Recommendation,
    RecommendationState,
)
from adam.pact.recommendations import get_recommendation


def note_scope(recommendation: Recommendation) -> tuple[str, ...]:
    """What ``progress_note.create`` is checked against: the countries the recommendation
    names (none: every focal point may report on it)."""
    return tuple(c.code for c in recommendation.countries)


def add_progress_note(
    session: Session,
    recommendation_id: int,
    *,
    actor: Actor,
    noted_on: dt.date,
    text: str,
    today: dt.date | None = None,
) -> ProgressNote:
    """Note how a recommendation is carried out, as of ``noted_on`` (not in the future).

    :raises Forbidden: the actor is not a focal point, a coordinator or an administrator.
    :raises Conflict: the recommendation is withdrawn.
    :raises InvalidInput: no text; a day after today.
    """
    recommendation = get_recommendation(session, recommendation_id, actor=actor)
    permissions.require(actor, "progress_note.create", note_scope(recommendation))
    if recommendation.state == RecommendationState.WITHDRAWN:
        raise Conflict(
            N_("Recommendation %(code)s is withdrawn; it takes no notes.", code=recommendation.code)
        )
    errors: dict[str, list[str]] = {}
    # A day of grace: the writer's day may be ahead of the server's (UTC).
    latest = (today or utcnow().date()) + dt.timedelta(days=1)
    if noted_on > latest:
        errors["noted_on"] = [
            N_("A progress note speaks of a day that has come, not of the future.")
        ]
    if not text or not text.strip():
        errors["text"] = [N_("Write the note.")]
    if errors:
        raise InvalidInput(N_("The progress note cannot be saved as given."), errors)
    note = ProgressNote(
        recommendation_id=recommendation.id,
        noted_on=noted_on,
        text=text.strip(),
        author_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(note)
    session.flush()
    return note


def progress_notes(session: Session, recommendation_id: int, *, actor: Actor) -> list[ProgressNote]:
    """A recommendation's progress notes, the latest day first."""
    recommendation = get_recommendation(session, recommendation_id, actor=actor)
    permissions.require(actor, "progress_note.read")
    return list(
        session.scalars(
            select(ProgressNote)
            .where(
                ProgressNote.recommendation_id == recommendation.id,
                ProgressNote.withdrawn_at.is_(None),
            )
            .order_by(ProgressNote.noted_on.desc(), ProgressNote.id.desc())
        )
    )
