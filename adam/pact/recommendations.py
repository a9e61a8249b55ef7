"""Recommendations the events agree: register, read, edit, list, and their history.

Order inside each write: check access, resolve references, save, record. Every change is
recorded in the recommendation's history. The caller owns the transaction and commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, selectinload

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.changes import field_changes
from adam.db import MAX_ID, utcnow
from adam.errors import N_, Conflict, InvalidInput, NotFound
from adam.pact.codes import code_conflict, code_taken, flush_code, free_code
from adam.pact.filters import (
    RecommendationFilters,
    filter_recommendations,
)
from adam.pact.follow_up import FollowUp, follow_ups
from adam.pact.models import (
    Event,
    FollowUpStatus,
    HistoryAction,
    Recommendation,
    RecommendationHistory,
    RecommendationState,
)
from adam.pact.writes import check_version, flush_versioned, known_countries
from adam.paging import one_page
from adam.projects.filters import fold
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Pillar


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


def record_history(
    session: Session,
    recommendation: Recommendation,
    action: HistoryAction,
    actor: Actor | None,
    changes: dict[str, Any],
    note: str | None = None,
) -> None:
    """Add a row to the recommendation's history: who did what, when, with what note."""
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


def live_event(session: Session, event_id: int, field: str) -> Event:
    """The event a recommendation names (under ``field``).

    :raises InvalidInput: no such event, or it is withdrawn.
    """
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


def endorsed_too_early(endorser: Event, field: str) -> InvalidInput:
    """The refusal of an endorsement by a PCG meeting held before the event that agreed the
    recommendation (under ``field``)."""
    message = N_(
        "The PCG event %(id)s (%(date)s) took place before the event that agreed the "
        "recommendation.",
        id=endorser.id,
        date=endorser.start_date.isoformat(),
    )
    return InvalidInput(message, {field: [message]})


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
        recommendation.event = live_event(session, data["event_id"], "event_id")
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
        recommendation.countries = known_countries(session, data["countries"], "countries")
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
        recommendation.code = free_code(session, recommendation.event)
    elif code_taken(session, recommendation.code, None):
        raise code_conflict(data["code"])
    _apply_recommendation(session, recommendation, {})  # search text with the code
    session.add(recommendation)
    flush_code(session, recommendation)
    record_history(
        session,
        recommendation,
        HistoryAction.CREATE,
        actor,
        {**field_changes({}, snapshot(recommendation)), "state": {"old": None, "new": "proposed"}},
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
    check_version(recommendation, expected_version, "Recommendation")
    if changes.get("code") and code_taken(session, changes["code"], recommendation.id):
        raise code_conflict(changes["code"])
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
        raise endorsed_too_early(endorser, "event_id")
    diff = field_changes(before, snapshot(recommendation))
    if not diff:
        session.expire(recommendation)
        return get_recommendation(session, recommendation_id, actor=actor)
    recommendation.updated_at = utcnow()
    recommendation.updated_by_id = actor.user_id
    flush_versioned(session, recommendation, "Recommendation")
    record_history(session, recommendation, HistoryAction.UPDATE, actor, diff)
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
