"""Events of the consultative mechanism: register, read, edit, withdraw, restore, list,
and their history.

Every write is recorded in the event's history, in the caller's transaction. The caller owns
the transaction and commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.changes import field_changes
from adam.db import MAX_ID, utcnow
from adam.errors import N_, Conflict, InvalidInput, NotFound
from adam.pact.filters import (
    EventFilters,
    filter_events,
)
from adam.pact.models import (
    DatePrecision,
    Event,
    EventHistory,
    EventKind,
    HistoryAction,
    Recommendation,
    RecommendationState,
)
from adam.pact.writes import check_version, flush_versioned, known_countries
from adam.paging import one_page
from adam.reference.models import Pillar


def event_snapshot(event: Event) -> dict[str, Any]:
    """The event's user-visible fields as JSON values: what the history compares."""
    return {
        "kind": str(event.kind) if event.kind else None,
        "number": event.number,
        "title": event.title,
        "focus": event.focus,
        "place": event.place,
        "host": event.host,
        "pillar": str(event.pillar) if event.pillar else None,
        "start_date": event.start_date.isoformat() if event.start_date else None,
        "date_precision": str(event.date_precision) if event.date_precision else None,
        "end_date": event.end_date.isoformat() if event.end_date else None,
        "routes": list(event.routes or []),
        "countries": [c.code for c in event.countries],
        "participant_countries": event.participant_countries,
        "participant_organizations": event.participant_organizations,
        "participant_people": event.participant_people,
        "outcome": event.outcome,
        "source": event.source,
    }


def record_event_history(
    session: Session,
    event: Event,
    action: HistoryAction,
    actor: Actor | None,
    changes: dict[str, Any],
    note: str | None = None,
) -> None:
    """Add a row to the event's history: who did what, when, with what note."""
    session.add(
        EventHistory(
            event=event,
            action=action,
            actor_id=actor.user_id if actor else None,
            at=utcnow(),
            changes=changes,
            note=note.strip() if note and note.strip() else None,
        )
    )


def _apply_event(session: Session, event: Event, data: dict[str, Any]) -> None:
    for name in ("number", "start_date", "end_date", "routes"):
        if name in data:
            setattr(event, name, data[name])
    for name in ("title", "focus", "place", "host", "outcome", "source"):
        if name in data:
            setattr(event, name, data[name] or None)
    if "kind" in data:
        event.kind = EventKind(data["kind"])
    if "pillar" in data:
        event.pillar = Pillar(data["pillar"]) if data["pillar"] else None
    if data.get("date_precision"):
        event.date_precision = DatePrecision(data["date_precision"])
    if "participants" in data:
        figures = data["participants"] or {}
        event.participant_countries = figures.get("countries")
        event.participant_organizations = figures.get("organizations")
        event.participant_people = figures.get("people")
    if "countries" in data:
        event.countries = known_countries(session, data["countries"], "countries")
    if event.end_date and event.start_date and event.end_date < event.start_date:
        message = N_("The end date is before the start date.")
        raise InvalidInput(message, {"end_date": [message]})


def create_event(session: Session, *, actor: Actor, data: dict[str, Any]) -> Event:
    """Register an event from validated input (``EventInSchema``).

    :raises Forbidden: the actor is not a coordinator or an administrator.
    :raises InvalidInput: unknown countries; the end before the start.
    """
    permissions.require(actor, "event.create")
    now = utcnow()
    event = Event(
        version=1,
        routes=[],
        date_precision=DatePrecision.DAY,
        created_at=now,
        updated_at=now,
        created_by_id=actor.user_id,
    )
    _apply_event(session, event, data)
    session.add(event)
    session.flush()
    record_event_history(
        session, event, HistoryAction.CREATE, actor, field_changes({}, event_snapshot(event))
    )
    session.flush()
    return event


def get_event(session: Session, event_id: int, *, actor: Actor) -> Event:
    """An event by id; a withdrawn one for coordinators and administrators only.

    :raises NotFound: no such event, or withdrawn and the actor may not see it.
    """
    permissions.require(actor, "event.read")
    event = (
        session.scalar(
            select(Event).where(Event.id == event_id).options(selectinload(Event.countries))
        )
        if 0 < event_id <= MAX_ID
        else None
    )
    if event is None or (
        event.withdrawn_at is not None and not permissions.allowed(actor, "event.read_withdrawn")
    ):
        raise NotFound(N_("No event with id %(id)s.", id=event_id))
    return event


def update_event(
    session: Session,
    event_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Event:
    """Apply a partial change; countries given replace the stored ones.

    :raises PreconditionFailed: ``expected_version`` is not the stored version.
    :raises Conflict: the event is withdrawn.
    """
    event = get_event(session, event_id, actor=actor)
    permissions.require(actor, "event.update")
    if event.withdrawn_at is not None:
        raise Conflict(N_("Event %(id)s is withdrawn; it cannot be changed.", id=event.id))
    check_version(event, expected_version, "Event")
    before = event_snapshot(event)
    with session.no_autoflush:  # one flush, so one version step, for the whole change
        _apply_event(session, event, changes)
        _check_endorsements(session, event)
    diff = field_changes(before, event_snapshot(event))
    if not diff:  # e.g. the same countries again: nothing to store, no version step
        session.expire(event)
        return get_event(session, event_id, actor=actor)
    event.updated_at = utcnow()
    flush_versioned(session, event, "Event")
    record_event_history(session, event, HistoryAction.UPDATE, actor, diff)
    session.flush()
    return event


def _check_endorsements(session: Session, event: Event) -> None:
    """An edit must not break what endorsements stand on: an endorsing event stays a PCG
    meeting held no earlier than the events whose recommendations it endorsed, and an event
    whose recommendations were endorsed stays no later than the PCG that did.

    :raises Conflict: the change would leave an endorsement standing on a wrong event.
    """
    endorsed = session.scalars(
        select(Recommendation).where(
            Recommendation.endorsed_by_id == event.id,
            Recommendation.state == RecommendationState.ENDORSED,
        )
    ).all()
    agreed_here = session.scalars(
        select(Recommendation).where(
            Recommendation.event_id == event.id,
            Recommendation.state == RecommendationState.ENDORSED,
            Recommendation.endorsed_by_id.is_not(None),
        )
    ).all()
    broken = [
        r
        for r in endorsed
        if event.kind != EventKind.POLICY_CONSULTATIVE_GROUP
        or event.start_date < r.event.start_date
    ] + [
        r
        for r in agreed_here
        if r.endorsed_by is not None and r.endorsed_by.start_date < event.start_date
    ]
    if broken:
        raise Conflict(
            N_(
                "This change would leave %(count)s endorsed recommendations (%(codes)s) "
                "endorsed by a meeting that is not a PCG or took place before the event that "
                "agreed them; change their state first.",
                count=len(broken),
                codes=", ".join(sorted(r.code for r in broken)[:5]),
            )
        )


def withdraw_event(
    session: Session,
    event_id: int,
    *,
    actor: Actor,
    expected_version: int | None = None,
    note: str | None = None,
) -> Event:
    """Withdraw an event (kept, hidden from lists); withdrawing it again changes nothing.
    ``note`` (why) goes into the withdrawal's history row.

    :raises Conflict: recommendations that are not withdrawn still name it.
    """
    event = get_event(session, event_id, actor=actor)
    permissions.require(actor, "event.withdraw")
    if event.withdrawn_at is not None:
        return event
    check_version(event, expected_version, "Event")
    named = session.scalar(
        select(func.count())
        .select_from(Recommendation)
        .where(
            (Recommendation.event_id == event.id) | (Recommendation.endorsed_by_id == event.id),
            Recommendation.state != RecommendationState.WITHDRAWN,
        )
    )
    if named:
        raise Conflict(
            N_(
                "Event %(id)s is named by %(count)s recommendations that are not withdrawn; "
                "withdraw them (or name another event) first.",
                id=event.id,
                count=named,
            )
        )
    now = utcnow()
    event.withdrawn_at = now
    event.updated_at = now
    flush_versioned(session, event, "Event")
    record_event_history(
        session,
        event,
        HistoryAction.WITHDRAW,
        actor,
        {"withdrawn": {"old": False, "new": True}},
        note,
    )
    session.flush()
    return event


def restore_event(
    session: Session, event_id: int, *, actor: Actor, expected_version: int | None = None
) -> Event:
    """Bring a withdrawn event back; restoring a live one changes nothing."""
    event = get_event(session, event_id, actor=actor)
    permissions.require(actor, "event.restore")
    if event.withdrawn_at is None:
        return event
    check_version(event, expected_version, "Event")
    event.withdrawn_at = None
    event.updated_at = utcnow()
    flush_versioned(session, event, "Event")
    record_event_history(
        session, event, HistoryAction.RESTORE, actor, {"withdrawn": {"old": True, "new": False}}
    )
    session.flush()
    return event


def event_history(session: Session, event_id: int, *, actor: Actor) -> list[EventHistory]:
    """Every recorded change of an event, oldest first.

    :raises NotFound: as ``get_event``: no such event, or withdrawn and hidden from the actor.
    """
    event = get_event(session, event_id, actor=actor)
    return list(
        session.scalars(
            select(EventHistory).where(EventHistory.event_id == event.id).order_by(EventHistory.id)
        )
    )


def search_events(
    session: Session,
    *,
    actor: Actor,
    filters: EventFilters,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Event], int]:
    """One page of the events matching ``filters``, newest first, and how many match."""
    permissions.require(actor, "event.read")
    if filters.withdrawn:
        permissions.require(actor, "event.read_withdrawn")
    matching = filter_events(session, select(Event.id), filters).subquery()
    total = session.scalar(select(func.count()).select_from(matching))
    query = one_page(
        filter_events(session, select(Event), filters).order_by(
            Event.start_date.desc(), Event.id.desc()
        ),
        page=page,
        per_page=per_page,
    ).options(selectinload(Event.countries))
    return list(session.scalars(query)), total or 0
