"""A recommendation's moves through its states (proposed, endorsed, superseded,
withdrawn) and its follow-up status; each move is recorded in its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import MAX_ID, utcnow
from adam.errors import N_, Conflict, InvalidInput
from adam.pact.models import (
    Event,
    EventKind,
    FollowUpStatus,
    HistoryAction,
    Recommendation,
    RecommendationState,
)
from adam.pact.recommendations import (
    endorsed_too_early,
    get_recommendation,
    live_event,
    record_history,
)
from adam.pact.writes import check_version, flush_versioned

# Which state may follow which; the rest are refused with 409. Withdrawn is how a
# recommendation is deleted, and opening it again makes it proposed.
TRANSITIONS: dict[RecommendationState, frozenset[RecommendationState]] = {
    RecommendationState.PROPOSED: frozenset(
        {
            RecommendationState.ENDORSED,
            RecommendationState.SUPERSEDED,
            RecommendationState.WITHDRAWN,
        }
    ),
    RecommendationState.ENDORSED: frozenset(
        {RecommendationState.SUPERSEDED, RecommendationState.WITHDRAWN}
    ),
    RecommendationState.SUPERSEDED: frozenset({RecommendationState.WITHDRAWN}),
    RecommendationState.WITHDRAWN: frozenset({RecommendationState.PROPOSED}),
}


def _endorsing_event(
    session: Session, recommendation: Recommendation, event_id: int | None
) -> Event:
    if event_id is None:
        message = N_("Name the PCG event that endorsed it (endorsed_by).")
        raise InvalidInput(message, {"endorsed_by": [message]})
    event = live_event(session, event_id, "endorsed_by")
    if event.kind != EventKind.POLICY_CONSULTATIVE_GROUP:
        message = N_(
            "Event %(id)s is not a meeting of the Policy Consultative Group; only the PCG "
            "endorses recommendations.",
            id=event_id,
        )
        raise InvalidInput(message, {"endorsed_by": [message]})
    if event.start_date < recommendation.event.start_date:
        raise endorsed_too_early(event, "endorsed_by")
    return event


def _superseding(
    session: Session, recommendation: Recommendation, other_id: int | None
) -> Recommendation:
    if other_id is None:
        message = N_("Name the recommendation that replaces it (superseded_by).")
        raise InvalidInput(message, {"superseded_by": [message]})
    if other_id == recommendation.id:
        message = N_("A recommendation cannot supersede itself.")
        raise InvalidInput(message, {"superseded_by": [message]})
    other = session.get(Recommendation, other_id) if 0 < other_id <= MAX_ID else None
    if other is None:
        message = N_("No recommendation with id %(id)s.", id=other_id)
        raise InvalidInput(message, {"superseded_by": [message]})
    if other.state in (RecommendationState.WITHDRAWN, RecommendationState.SUPERSEDED):
        message = N_(
            "Recommendation %(code)s is %(state)s itself; name the one in force.",
            code=other.code,
            state=str(other.state),
        )
        raise InvalidInput(message, {"superseded_by": [message]})
    return other


def set_recommendation_state(
    session: Session,
    recommendation_id: int,
    *,
    actor: Actor,
    state: str,
    endorsed_by: int | None = None,
    superseded_by: int | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Recommendation:
    """Move a recommendation to ``state``: endorsed names the PCG event (``endorsed_by``),
    superseded the recommendation in force (``superseded_by``); withdrawn is its deletion,
    undone by proposing it again. The same state with the same references writes nothing.

    :raises Forbidden: the actor is not a coordinator or an administrator.
    :raises Conflict: the move is not allowed from the current state (``TRANSITIONS``).
    :raises InvalidInput: a reference is missing, unknown, or not of the right kind.
    """
    recommendation = get_recommendation(session, recommendation_id, actor=actor)
    permissions.require(actor, "recommendation.state", recommendation)
    check_version(recommendation, expected_version, "Recommendation")
    new = RecommendationState(state)
    errors: dict[str, list[str]] = {}
    if endorsed_by is not None and new != RecommendationState.ENDORSED:
        errors["endorsed_by"] = [N_("endorsed_by goes only with the state endorsed.")]
    if superseded_by is not None and new != RecommendationState.SUPERSEDED:
        errors["superseded_by"] = [N_("superseded_by goes only with the state superseded.")]
    if errors:
        raise InvalidInput(N_("The state change names references it cannot take."), errors)
    old = recommendation.state
    if new == old and (
        (new != RecommendationState.ENDORSED or endorsed_by == recommendation.endorsed_by_id)
        and (
            new != RecommendationState.SUPERSEDED
            or superseded_by == recommendation.superseded_by_id
        )
    ):
        return recommendation
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[old]))
        raise Conflict(
            N_(
                "Recommendation %(code)s is %(old)s; it cannot become %(new)s "
                "(from %(old)s: %(allowed)s).",
                code=recommendation.code,
                old=old.value,
                new=new.value,
                allowed=allowed,
            )
        )
    changes: dict[str, Any] = {"state": {"old": old.value, "new": new.value}}
    if new == RecommendationState.ENDORSED:
        event = _endorsing_event(session, recommendation, endorsed_by)
        changes["endorsed_by"] = {"old": recommendation.endorsed_by_id, "new": event.id}
        recommendation.endorsed_by = event
        recommendation.endorsed_by_id = event.id
    elif new == RecommendationState.SUPERSEDED:
        other = _superseding(session, recommendation, superseded_by)
        changes["superseded_by"] = {"old": recommendation.superseded_by_id, "new": other.id}
        recommendation.superseded_by = other
        recommendation.superseded_by_id = other.id
    elif new == RecommendationState.PROPOSED:
        # Proposed again: nobody has endorsed or replaced it yet.
        for name in ("endorsed_by_id", "superseded_by_id"):
            if getattr(recommendation, name) is not None:
                changes[name.removesuffix("_id")] = {
                    "old": getattr(recommendation, name),
                    "new": None,
                }
        recommendation.endorsed_by = None
        recommendation.endorsed_by_id = None
        recommendation.superseded_by = None
        recommendation.superseded_by_id = None
    recommendation.state = new
    recommendation.updated_at = utcnow()
    recommendation.updated_by_id = actor.user_id
    flush_versioned(session, recommendation, "Recommendation")
    action = {
        RecommendationState.WITHDRAWN: HistoryAction.WITHDRAW,
        RecommendationState.PROPOSED: HistoryAction.RESTORE,
    }.get(new, HistoryAction.STATE)
    record_history(session, recommendation, action, actor, changes, note)
    session.flush()
    return recommendation


def set_follow_up(
    session: Session,
    recommendation_id: int,
    *,
    actor: Actor,
    status: str,
    note: str,
    expected_version: int | None = None,
) -> Recommendation:
    """Set the follow-up status of an endorsed recommendation, with the note that says why.

    :raises Conflict: the recommendation is not endorsed, or already has that status.
    :raises InvalidInput: no note.
    """
    recommendation = get_recommendation(session, recommendation_id, actor=actor)
    permissions.require(actor, "recommendation.follow_up", recommendation)
    check_version(recommendation, expected_version, "Recommendation")
    if not note or not note.strip():
        message = N_("Say in a note why the status changes.")
        raise InvalidInput(message, {"note": [message]})
    if recommendation.state != RecommendationState.ENDORSED:
        raise Conflict(
            N_(
                "Recommendation %(code)s is %(state)s; only endorsed recommendations are "
                "followed up.",
                code=recommendation.code,
                state=recommendation.state.value,
            )
        )
    new = FollowUpStatus(status)
    old = recommendation.follow_up
    if new == old:
        raise Conflict(
            N_(
                "The follow-up of %(code)s is %(status)s already; add a progress note to "
                "report on it.",
                code=recommendation.code,
                status=new.value,
            )
        )
    recommendation.follow_up = new
    recommendation.updated_at = utcnow()
    recommendation.updated_by_id = actor.user_id
    flush_versioned(session, recommendation, "Recommendation")
    record_history(
        session,
        recommendation,
        HistoryAction.FOLLOW_UP,
        actor,
        {"follow_up": {"old": old.value, "new": new.value}},
        note.strip(),
    )
    session.flush()
    return recommendation
