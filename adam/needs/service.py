"""Register, edit and change the state of needs; every change is recorded in the history.

Order inside each write (as for projects): resolve references, check access, save, record.
The caller owns the transaction and commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.auth.models import Role
from adam.changes import field_changes
from adam.db import MAX_ID, utcnow
from adam.errors import N_, Conflict, InvalidInput, NotFound, PreconditionFailed
from adam.needs.filters import NeedFilters, apply_filters, order_needs
from adam.needs.models import Need, NeedHistory, NeedHistoryAction, NeedState, Priority
from adam.pact.models import Recommendation
from adam.paging import one_page
from adam.projects.filters import fold
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country, Theme

__all__ = [
    "NeedFilters",
    "create_need",
    "draft_need",
    "get_need",
    "need_history",
    "search_needs",
    "set_need_state",
    "snapshot",
    "update_need",
]


def snapshot(need: Need) -> dict[str, Any]:
    """The need's user-visible fields as JSON values: what the history compares."""
    return {
        "country": need.country_code,
        "title": need.title,
        "description": need.description,
        "location": need.location,
        "themes": [t.slug for t in need.themes],
        "priority": str(need.priority),
        "estimated_cost": (
            {"amount": f"{need.cost_amount:.2f}", "currency": need.cost_currency}
            if need.cost_amount is not None
            else None
        ),
        "start_date": need.start_date.isoformat() if need.start_date else None,
        "end_date": need.end_date.isoformat() if need.end_date else None,
        "recommendation_id": need.recommendation_id,
        "state": str(need.state),
    }


def _resolve(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """The rows ``data`` names; every unknown code or id becomes a field error."""
    errors: dict[str, list[str]] = {}
    known = refusals.KnownCodes(session)
    resolved: dict[str, Any] = {}
    if "country" in data:
        code = data["country"].upper()
        found = reference_service.countries_by_code(session, [code])
        if code in found:
            resolved["country"] = found[code]
        else:
            errors["country"] = [refusals.unknown_code("country", code)]
    if "themes" in data:
        themes = reference_service.themes_by_slug(session, data["themes"])
        if bad := refusals.unknown_codes("theme", data["themes"], themes, known=known):
            errors["themes"] = bad
        resolved["themes"] = sorted(
            {
                themes[t.lower()].id: themes[t.lower()]
                for t in data["themes"]
                if t.lower() in themes
            }.values(),
            key=lambda t: t.slug,
        )
    recommendation_id = data.get("recommendation_id")
    if recommendation_id is not None and session.get(Recommendation, recommendation_id) is None:
        errors["recommendation_id"] = [
            N_("No recommendation with id %(id)s.", id=recommendation_id)
        ]
    if errors:
        raise InvalidInput(N_("The need names things that do not exist."), errors)
    return resolved


def _apply(need: Need, data: dict[str, Any], refs: dict[str, Any]) -> None:
    for name in ("title", "start_date", "end_date"):
        if name in data:
            setattr(need, name, data[name])
    for name in ("description", "location"):
        if name in data:
            setattr(need, name, data[name] or None)
    if "priority" in data:
        need.priority = Priority(data["priority"])
    if "recommendation_id" in data:
        need.recommendation_id = data["recommendation_id"]
    if "estimated_cost" in data:
        cost = data["estimated_cost"]
        need.cost_amount = cost["amount"] if cost else None
        need.cost_currency = cost["currency"] if cost else None
    if "country" in refs:
        country: Country = refs["country"]
        need.country = country
        need.country_code = country.code
    if "themes" in refs:
        themes: list[Theme] = refs["themes"]
        need.themes = themes
    need.search_text = fold(f"{need.title}\n{need.description or ''}\n{need.location or ''}")


def _check_dates(need: Need) -> None:
    if need.start_date and need.end_date and need.end_date < need.start_date:
        raise InvalidInput(
            N_("The end date is before the start date."),
            {"end_date": [N_("The end date is before the start date.")]},
        )


def _record(
    session: Session,
    need: Need,
    action: NeedHistoryAction,
    actor: Actor | None,
    changes: dict[str, Any],
    note: str | None = None,
) -> None:
    session.add(
        NeedHistory(
            need=need,
            action=action,
            version=need.version,
            actor_id=actor.user_id if actor else None,
            changes=changes,
            note=note,
        )
    )


def create_need(
    session: Session, *, actor: Actor, data: dict[str, Any], illustrative: bool = False
) -> Need:
    """Register a need from validated input (``NeedCreateSchema``), and record its creation.

    ``illustrative``: written for a demonstration (the demo loader); the API never sets it.

    :raises InvalidInput: unknown country, themes or recommendation; the end before the start.
    :raises Forbidden: the actor may not write needs of that country.
    """
    refs = _resolve(session, data)
    permissions.require(actor, "need.create", refs["country"].code)
    now = utcnow()
    need = Need(
        version=1,
        state=NeedState(data.get("state") or NeedState.OPEN),
        illustrative=illustrative,
        created_at=now,
        updated_at=now,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    _apply(need, data, refs)
    _check_dates(need)
    session.add(need)
    _record(session, need, NeedHistoryAction.CREATE, actor, field_changes({}, snapshot(need)))
    session.flush()
    return need


def draft_need(session: Session, *, actor: Actor, data: dict[str, Any]) -> Need:
    """A need as ``data`` (``NeedCreateSchema``) would register it, kept out of the session:
    what a form's live suggestions score while the person types. Nothing is written.

    :raises InvalidInput: unknown country, themes or recommendation.
    :raises Forbidden: the actor may not write needs of that country.
    """
    refs = _resolve(session, data)
    permissions.require(actor, "need.create", refs["country"].code)
    need = Need(state=NeedState(data.get("state") or NeedState.OPEN))
    _apply(need, data, refs)
    return need


def get_need(session: Session, need_id: int, *, actor: Actor) -> Need:
    """A need by id; every signed-in person may read every need, and those who may write
    it the withdrawn ones too.

    :raises NotFound: no such need, or withdrawn and the actor may not write it.
    """
    permissions.require(actor, "need.read")
    need = (
        session.scalar(
            select(Need)
            .where(Need.id == need_id)
            .options(selectinload(Need.themes), selectinload(Need.created_by))
        )
        if 0 < need_id <= MAX_ID
        else None
    )
    if need is None or (
        need.state == NeedState.WITHDRAWN
        and not permissions.allowed(actor, "need.read_withdrawn", need.country_code)
    ):
        raise NotFound(N_("No need with id %(id)s.", id=need_id))
    return need


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The needs ``actor`` may list: all but the withdrawn ones of countries it may not write."""
    if actor.role in permissions.STAFF:
        return true()
    if actor.role == Role.FOCAL_POINT and actor.country_code:
        return or_(Need.state != NeedState.WITHDRAWN, Need.country_code == actor.country_code)
    return Need.state != NeedState.WITHDRAWN


def _check_version(need: Need, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != need.version:
        raise PreconditionFailed(
            N_(
                "Need %(id)s changed since you read it (now version %(version)s); "
                "read it again and reapply your change.",
                id=need.id,
                version=need.version,
            )
        )


def _flush_versioned(session: Session, need: Need) -> None:
    need_id = need.id
    try:
        session.flush()
    except StaleDataError as error:
        raise PreconditionFailed(
            N_(
                "Need %(id)s was changed by someone else at the same moment; "
                "read it again and reapply your change.",
                id=need_id,
            )
        ) from error


def update_need(
    session: Session,
    need_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Need:
    """Apply a partial change; themes given replace the stored ones.

    :raises PreconditionFailed: ``expected_version`` is not the stored version.
    :raises Forbidden: the actor may not write the need's country (or the one it moves to).
    :raises Conflict: the need is withdrawn.
    """
    need = get_need(session, need_id, actor=actor)
    permissions.require(actor, "need.update", need.country_code)
    if need.state == NeedState.WITHDRAWN:
        raise Conflict(N_("Need %(id)s is withdrawn; reopen it before editing.", id=need.id))
    _check_version(need, expected_version)
    refs = _resolve(session, changes)
    if "country" in refs:
        permissions.require(actor, "need.update", refs["country"].code)
    before = snapshot(need)
    _apply(need, changes, refs)
    _check_dates(need)
    diff = field_changes(before, snapshot(need))
    if not diff:
        session.expire(need)
        return get_need(session, need_id, actor=actor)
    need.updated_at = utcnow()
    need.updated_by_id = actor.user_id
    _flush_versioned(session, need)
    _record(session, need, NeedHistoryAction.UPDATE, actor, diff)
    session.flush()
    return need


def set_need_state(
    session: Session,
    need_id: int,
    *,
    actor: Actor,
    state: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> Need:
    """Move a need to ``state`` with a note: withdrawn is how a need is deleted, and a
    withdrawn (or met) need may be opened again. The same state again writes nothing."""
    need = get_need(session, need_id, actor=actor)
    permissions.require(actor, "need.state", need.country_code)
    _check_version(need, expected_version)
    new = NeedState(state)
    if need.state == new:
        return need
    old = need.state
    now = utcnow()
    need.state = new
    need.updated_at = now
    need.updated_by_id = actor.user_id
    active = (NeedState.OPEN, NeedState.PARTLY_MET)
    if new in active and old not in active:
        # alerted_at says the "no assistance yet" alert went out (adam.gaps.alerts); a need
        # opened again may deserve it again.
        need.alerted_at = None
    _flush_versioned(session, need)
    _record(
        session,
        need,
        NeedHistoryAction.STATE,
        actor,
        {"state": {"old": str(old), "new": str(new)}},
        note=note or None,
    )
    session.flush()
    return need


def need_history(session: Session, need_id: int, *, actor: Actor) -> list[NeedHistory]:
    """Every recorded change of a need, oldest first."""
    need = get_need(session, need_id, actor=actor)
    return list(
        session.scalars(
            select(NeedHistory).where(NeedHistory.need_id == need.id).order_by(NeedHistory.id)
        )
    )


def search_needs(
    session: Session,
    *,
    actor: Actor,
    filters: NeedFilters,
    sort: str = "-created_at",
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Need], int]:
    """One page of the needs matching ``filters``, and how many match in all."""
    permissions.require(actor, "need.read")
    visible = _visible(actor)
    matching = apply_filters(session, select(Need.id).where(visible), filters).subquery()
    total = session.scalar(select(func.count()).select_from(matching))
    query = one_page(
        order_needs(apply_filters(session, select(Need).where(visible), filters), sort),
        page=page,
        per_page=per_page,
    ).options(selectinload(Need.themes), selectinload(Need.created_by))
    return list(session.scalars(query)), total or 0
