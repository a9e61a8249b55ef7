"""Keep the events of the consultative mechanism and the recommendations they agree: register,
edit, move through their states, follow up, note progress. Every recommendation change is
recorded in its history.

Order inside each write (as for needs): check access, resolve references, save, record.
The caller owns the transaction and commits.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import MAX_ID, utcnow
from adam.errors import N_, Conflict, InvalidInput, NotFound, PreconditionFailed
from adam.pact.filters import (
    EventFilters,
    RecommendationFilters,
    filter_events,
    filter_recommendations,
)
from adam.pact.follow_up import FollowUp, follow_ups
from adam.pact.models import (
    DatePrecision,
    Event,
    EventKind,
    FollowUpStatus,
    HistoryAction,
    ProgressNote,
    Recommendation,
    RecommendationHistory,
    RecommendationState,
)
from adam.paging import one_page
from adam.projects.filters import fold
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country, Pillar

__all__ = [
    "EventFilters",
    "FollowUp",
    "RecommendationFilters",
    "add_progress_note",
    "create_event",
    "create_recommendation",
    "describe",
    "get_event",
    "get_recommendation",
    "progress_notes",
    "recommendation_history",
    "search_events",
    "search_recommendations",
    "set_follow_up",
    "set_recommendation_state",
    "update_event",
    "update_recommendation",
    "withdraw_event",
]

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
KIND_PREFIX = {
    EventKind.EXPERT_WORKING_GROUP: "EWG",
    EventKind.EXPERT_ROUND_TABLE: "ERT",
    EventKind.POLICY_CONSULTATIVE_GROUP: "PCG",
    EventKind.MINISTERIAL_CONFERENCE: "MC",
}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"old": before.get(key), "new": value}
        for key, value in after.items()
        if before.get(key) != value
    }


def _countries(session: Session, codes: list[str], field: str) -> list[Country]:
    found = reference_service.countries_by_code(session, [c.upper() for c in codes])
    known = refusals.KnownCodes(session)
    if bad := refusals.unknown_codes("country", codes, found, known=known):
        raise InvalidInput(N_("The record names countries that do not exist."), {field: bad})
    return sorted(found.values(), key=lambda c: c.code)


def _flush_versioned(session: Session, record: Event | Recommendation, what: str) -> None:
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


def _check_version(record: Event | Recommendation, expected: int | None, what: str) -> None:
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


# --- Events ---


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
        event.countries = _countries(session, data["countries"], "countries")
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
    _check_version(event, expected_version, "Event")
    with session.no_autoflush:  # one flush, so one version step, for the whole change
        _apply_event(session, event, changes)
        _check_endorsements(session, event)
    if not session.is_modified(event):
        return event
    event.updated_at = utcnow()
    _flush_versioned(session, event, "Event")
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
    session: Session, event_id: int, *, actor: Actor, expected_version: int | None = None
) -> Event:
    """Withdraw an event (kept, hidden from lists); withdrawing it again changes nothing.

    :raises Conflict: recommendations that are not withdrawn still name it.
    """
    event = get_event(session, event_id, actor=actor)
    permissions.require(actor, "event.withdraw")
    if event.withdrawn_at is not None:
        return event
    _check_version(event, expected_version, "Event")
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
    _flush_versioned(session, event, "Event")
    return event


def restore_event(
    session: Session, event_id: int, *, actor: Actor, expected_version: int | None = None
) -> Event:
    """Bring a withdrawn event back; restoring a live one changes nothing."""
    event = get_event(session, event_id, actor=actor)
    permissions.require(actor, "event.restore")
    if event.withdrawn_at is None:
        return event
    _check_version(event, expected_version, "Event")
    event.withdrawn_at = None
    event.updated_at = utcnow()
    _flush_versioned(session, event, "Event")
    return event


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


# --- Recommendations ---


def snapshot(recommendation: Recommendation) -> dict[str, Any]:
    """The recommendation's user-visible fields as JSON values: what the history compares."""
    return {
        "code": recommendation.code,
        "text_en": recommendation.text_en,
        "text_ru": recommendation.text_ru,
        "illustrative": recommendation.illustrative,
        "event_id": recommendation.event_id,
        "pillar": str(recommendation.pillar) if recommendation.pillar else None,
        "themes": [t.slug for t in recommendation.themes],
        "countries": [c.code for c in recommendation.countries],
        "routes": list(recommendation.routes or []),
        "addressees": list(recommendation.addressees or []),
    }


def _record(
    session: Session,
    recommendation: Recommendation,
    action: HistoryAction,
    actor: Actor | None,
    changes: dict[str, Any],
    note: str | None = None,
) -> None:
    session.add(
        RecommendationHistory(
            recommendation=recommendation,
            action=action,
            actor_id=actor.user_id if actor else None,
            at=utcnow(),
            changes=changes,
            note=note or None,
        )
    )


def _live_event(session: Session, event_id: int, field: str) -> Event:
    event = session.get(Event, event_id) if 0 < event_id <= MAX_ID else None
    if event is None:
        raise InvalidInput(
            N_("No event with id %(id)s.", id=event_id),
            {field: [N_("No event with id %(id)s.", id=event_id)]},
        )
    if event.withdrawn_at is not None:
        message = N_("Event %(id)s is withdrawn.", id=event_id)
        raise InvalidInput(message, {field: [message]})
    return event


def _apply_recommendation(
    session: Session, recommendation: Recommendation, data: dict[str, Any]
) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("text_en", "text_ru"):
        if name in data:
            setattr(recommendation, name, data[name] or None)
    if "illustrative" in data:
        recommendation.illustrative = bool(data["illustrative"])
    if data.get("code"):
        recommendation.code = data["code"]
    if "event_id" in data:
        recommendation.event = _live_event(session, data["event_id"], "event_id")
        recommendation.event_id = recommendation.event.id
    if data.get("pillar"):
        recommendation.pillar = Pillar(data["pillar"])
    elif recommendation.pillar is None and recommendation.event and recommendation.event.pillar:
        # A recommendation is of its event's pillar unless said otherwise.
        recommendation.pillar = recommendation.event.pillar
    for name in ("routes", "addressees"):
        if name in data:
            setattr(recommendation, name, list(data[name]))
    if "countries" in data:
        recommendation.countries = _countries(session, data["countries"], "countries")
    if "themes" in data:
        themes = reference_service.themes_by_slug(session, data["themes"])
        known = refusals.KnownCodes(session)
        if bad := refusals.unknown_codes("theme", data["themes"], themes, known=known):
            errors["themes"] = bad
        recommendation.themes = sorted(
            {t.id: t for t in themes.values()}.values(), key=lambda t: t.slug
        )
    if not (recommendation.text_en or recommendation.text_ru):
        message = N_("Give the recommendation's text in English, in Russian, or in both.")
        errors["text_en"] = errors["text_ru"] = [message]
    if recommendation.pillar is None:
        errors["pillar"] = [
            N_("Give the pillar: event %(id)s names none.", id=recommendation.event_id)
        ]
    if errors:
        raise InvalidInput(N_("The recommendation cannot be saved as given."), errors)
    recommendation.search_text = fold(
        f"{recommendation.code or ''}\n{recommendation.text_en or ''}\n"
        f"{recommendation.text_ru or ''}"
    )


def _ascii_word(text: str | None, limit: int = 12) -> str:
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", plain).upper()[:limit]


def code_prefix(event: Event) -> str:
    """The readable part of the codes of an event's recommendations: kind, year and the
    event's number, else its place, else its id (``EWG-2023-SOFIA``, ``PCG-2023-17``)."""
    which = str(event.number) if event.number else _ascii_word(event.place) or f"E{event.id}"
    return f"{KIND_PREFIX[event.kind]}-{event.start_date.year}-{which}"


def _free_code(session: Session, event: Event) -> str:
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


def _code_taken(session: Session, code: str, own_id: int | None) -> bool:
    found = session.scalar(select(Recommendation.id).where(Recommendation.code == code))
    return found is not None and found != own_id


def _flush_code(session: Session, recommendation: Recommendation) -> None:
    code = recommendation.code
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        # Two registrations took the same code at the same moment.
        raise Conflict(
            N_("A recommendation with the code %(code)s exists already.", code=code),
            {"code": [N_("A recommendation with the code %(code)s exists already.", code=code)]},
        ) from error


def create_recommendation(
    session: Session, *, actor: Actor, data: dict[str, Any], note: str | None = None
) -> Recommendation:
    """Register a proposed recommendation (``RecommendationInSchema``); the code is made
    from the event's when none is given. ``note`` goes into the creation's history row.

    :raises Forbidden: the actor is not a coordinator or an administrator.
    :raises InvalidInput: no text; unknown event, pillar source, themes or countries.
    :raises Conflict: the code is taken.
    """
    permissions.require(actor, "recommendation.create")
    now = utcnow()
    recommendation = Recommendation(
        version=1,
        state=RecommendationState.PROPOSED,
        follow_up=FollowUpStatus.NOT_STARTED,
        routes=[],
        addressees=[],
        illustrative=False,
        created_at=now,
        updated_at=now,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    _apply_recommendation(session, recommendation, data)
    if not data.get("code"):
        recommendation.code = _free_code(session, recommendation.event)
    elif _code_taken(session, recommendation.code, None):
        message = N_("A recommendation with the code %(code)s exists already.", code=data["code"])
        raise Conflict(message, {"code": [message]})
    _apply_recommendation(session, recommendation, {})  # search text with the code
    session.add(recommendation)
    _flush_code(session, recommendation)
    _record(
        session,
        recommendation,
        HistoryAction.CREATE,
        actor,
        {**_diff({}, snapshot(recommendation)), "state": {"old": None, "new": "proposed"}},
        note,
    )
    session.flush()
    return recommendation


def get_recommendation(session: Session, recommendation_id: int, *, actor: Actor) -> Recommendation:
    """A recommendation by id; a withdrawn one for coordinators and administrators only.

    :raises NotFound: no such recommendation, or withdrawn and the actor may not see it.
    """
    permissions.require(actor, "recommendation.read")
    recommendation = (
        session.scalar(
            select(Recommendation)
            .where(Recommendation.id == recommendation_id)
            .options(
                selectinload(Recommendation.themes),
                selectinload(Recommendation.countries),
                selectinload(Recommendation.endorsed_by),
                selectinload(Recommendation.superseded_by),
            )
        )
        if 0 < recommendation_id <= MAX_ID
        else None
    )
    if recommendation is None or (
        recommendation.state == RecommendationState.WITHDRAWN
        and not permissions.allowed(actor, "recommendation.read_withdrawn")
    ):
        raise NotFound(N_("No recommendation with id %(id)s.", id=recommendation_id))
    return recommendation


def describe(session: Session, recommendation: Recommendation) -> FollowUp:
    """The recommendation with its confirmed linked projects and its latest progress note."""
    [follow_up] = follow_ups(session, [recommendation])
    return follow_up


def read_recommendation(session: Session, recommendation_id: int, *, actor: Actor) -> FollowUp:
    """A recommendation with its follow-up (what its page and its GET answer show)."""
    return describe(session, get_recommendation(session, recommendation_id, actor=actor))


def update_recommendation(
    session: Session,
    recommendation_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Recommendation:
    """Apply a partial change; themes, countries, routes and addressees given replace.

    :raises PreconditionFailed: ``expected_version`` is not the stored version.
    :raises Conflict: the recommendation is withdrawn; the new code is taken.
    :raises InvalidInput: the change leaves no text, or names unknown things.
    """
    recommendation = get_recommendation(session, recommendation_id, actor=actor)
    permissions.require(actor, "recommendation.update")
    if recommendation.state == RecommendationState.WITHDRAWN:
        raise Conflict(
            N_(
                "Recommendation %(code)s is withdrawn; propose it again before editing.",
                code=recommendation.code,
            )
        )
    _check_version(recommendation, expected_version, "Recommendation")
    if changes.get("code") and _code_taken(session, changes["code"], recommendation.id):
        message = N_(
            "A recommendation with the code %(code)s exists already.", code=changes["code"]
        )
        raise Conflict(message, {"code": [message]})
    before = snapshot(recommendation)
    with session.no_autoflush:  # one flush, so one version step, for the whole change
        _apply_recommendation(session, recommendation, changes)
    endorser = recommendation.endorsed_by
    if (
        "event_id" in changes
        and recommendation.state == RecommendationState.ENDORSED
        and endorser is not None
        and endorser.start_date < recommendation.event.start_date
    ):
        message = N_(
            "The PCG event %(id)s (%(date)s) took place before the event that agreed the "
            "recommendation.",
            id=endorser.id,
            date=endorser.start_date.isoformat(),
        )
        raise InvalidInput(message, {"event_id": [message]})
    diff = _diff(before, snapshot(recommendation))
    if not diff:
        session.expire(recommendation)
        return get_recommendation(session, recommendation_id, actor=actor)
    recommendation.updated_at = utcnow()
    recommendation.updated_by_id = actor.user_id
    _flush_versioned(session, recommendation, "Recommendation")
    _record(session, recommendation, HistoryAction.UPDATE, actor, diff)
    session.flush()
    return recommendation


def _endorsing_event(
    session: Session, recommendation: Recommendation, event_id: int | None
) -> Event:
    if event_id is None:
        message = N_("Name the PCG event that endorsed it (endorsed_by).")
        raise InvalidInput(message, {"endorsed_by": [message]})
    event = _live_event(session, event_id, "endorsed_by")
    if event.kind != EventKind.POLICY_CONSULTATIVE_GROUP:
        message = N_(
            "Event %(id)s is not a meeting of the Policy Consultative Group; only the PCG "
            "endorses recommendations.",
            id=event_id,
        )
        raise InvalidInput(message, {"endorsed_by": [message]})
    if event.start_date < recommendation.event.start_date:
        message = N_(
            "The PCG event %(id)s (%(date)s) took place before the event that agreed the "
            "recommendation.",
            id=event_id,
            date=event.start_date.isoformat(),
        )
        raise InvalidInput(message, {"endorsed_by": [message]})
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
    _check_version(recommendation, expected_version, "Recommendation")
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
    _flush_versioned(session, recommendation, "Recommendation")
    action = {
        RecommendationState.WITHDRAWN: HistoryAction.WITHDRAW,
        RecommendationState.PROPOSED: HistoryAction.RESTORE,
    }.get(new, HistoryAction.STATE)
    _record(session, recommendation, action, actor, changes, note)
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
    _check_version(recommendation, expected_version, "Recommendation")
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
    _flush_versioned(session, recommendation, "Recommendation")
    _record(
        session,
        recommendation,
        HistoryAction.FOLLOW_UP,
        actor,
        {"follow_up": {"old": old.value, "new": new.value}},
        note.strip(),
    )
    session.flush()
    return recommendation


def recommendation_history(
    session: Session, recommendation_id: int, *, actor: Actor
) -> list[RecommendationHistory]:
    """Every recorded change of a recommendation, oldest first."""
    recommendation = get_recommendation(session, recommendation_id, actor=actor)
    return list(
        session.scalars(
            select(RecommendationHistory)
            .where(RecommendationHistory.recommendation_id == recommendation.id)
            .order_by(RecommendationHistory.id)
        )
    )


def note_scope(recommendation: Recommendation) -> tuple[str, ...]:
    """What ``progress_note.create`` is checked against: the countries the recommendation
    names (none: every focal point may report on it)."""
    return tuple(c.code for c in recommendation.countries)


def search_recommendations(
    session: Session,
    *,
    actor: Actor,
    filters: RecommendationFilters,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Recommendation], int]:
    """One page of the recommendations matching ``filters`` by code, and how many match."""
    permissions.require(actor, "recommendation.read")
    visible = (
        true()
        if permissions.allowed(actor, "recommendation.read_withdrawn")
        else Recommendation.state != RecommendationState.WITHDRAWN
    )
    matching = filter_recommendations(
        session, select(Recommendation.id).where(visible), filters
    ).subquery()
    total = session.scalar(select(func.count()).select_from(matching))
    query = one_page(
        filter_recommendations(session, select(Recommendation).where(visible), filters).order_by(
            Recommendation.code, Recommendation.id
        ),
        page=page,
        per_page=per_page,
    ).options(
        selectinload(Recommendation.themes),
        selectinload(Recommendation.countries),
        selectinload(Recommendation.endorsed_by),
    )
    return list(session.scalars(query)), total or 0


# --- Progress notes ---


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
