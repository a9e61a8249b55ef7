"""Alerts for people: the alerts an actor may see, one page or one at a time, and a
coordinator's verdict on one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import UnaryExpression, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.auth.models import Role
from adam.db import MAX_ID, utcnow
from adam.duplicates.models import AlertStatus, DuplicateAlert, Resolution
from adam.duplicates.visibility import visible_clause
from adam.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from adam.paging import one_page
from adam.projects.models import Project, project_country


def _eager() -> list[Any]:
    loads = []
    for side in (DuplicateAlert.project_a, DuplicateAlert.project_b):
        loads += [
            selectinload(side).selectinload(Project.countries),
            selectinload(side).selectinload(Project.participations),
        ]
    return loads


@dataclass(frozen=True, slots=True)
class AlertFilters:
    statuses: tuple[str, ...] = ()
    resolutions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    project_id: int | None = None
    min_score: float | None = None


def list_alerts(
    session: Session,
    *,
    actor: Actor,
    filters: AlertFilters,
    sort: str = "-created_at",
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[DuplicateAlert], int]:
    """One page of the alerts the actor may see, and how many there are in all."""
    conditions: list[ColumnElement[bool]] = []
    visible = visible_clause(actor)
    if visible is not None:
        conditions.append(visible)
    if filters.statuses:
        conditions.append(DuplicateAlert.status.in_(filters.statuses))
    if filters.resolutions:
        conditions.append(DuplicateAlert.resolution.in_(filters.resolutions))
    if filters.countries:
        in_country = select(project_country.c.project_id).where(
            project_country.c.country_code.in_([c.upper() for c in filters.countries])
        )
        conditions.append(
            or_(
                DuplicateAlert.project_a_id.in_(in_country),
                DuplicateAlert.project_b_id.in_(in_country),
            )
        )
    if filters.project_id is not None:
        conditions.append(
            or_(
                DuplicateAlert.project_a_id == filters.project_id,
                DuplicateAlert.project_b_id == filters.project_id,
            )
        )
    if filters.min_score is not None:
        conditions.append(DuplicateAlert.score >= filters.min_score)
    total = session.scalar(select(func.count(DuplicateAlert.id)).where(*conditions)) or 0
    orders: dict[str, list[UnaryExpression[Any]]] = {
        "-created_at": [DuplicateAlert.id.desc()],
        "created_at": [DuplicateAlert.id.asc()],
        "-score": [DuplicateAlert.score.desc(), DuplicateAlert.id.desc()],
        "score": [DuplicateAlert.score.asc(), DuplicateAlert.id.desc()],
    }
    order = orders[sort]
    query = select(DuplicateAlert).where(*conditions).options(*_eager()).order_by(*order)
    rows = session.scalars(one_page(query, page=page, per_page=per_page))
    return list(rows), total


def get_alert(session: Session, alert_id: int, *, actor: Actor) -> DuplicateAlert:
    """:raises NotFound: no such alert. :raises Forbidden: it touches nothing of the actor's."""
    alert = (
        session.scalar(
            select(DuplicateAlert).where(DuplicateAlert.id == alert_id).options(*_eager())
        )
        if 0 < alert_id <= MAX_ID
        else None
    )
    if alert is None:
        raise NotFound(N_("No alert with id %(id)s.", id=alert_id))
    visible = visible_clause(actor)
    if visible is not None and not session.scalar(
        select(func.count(DuplicateAlert.id)).where(DuplicateAlert.id == alert_id, visible)
    ):
        raise Forbidden(
            N_("This alert touches no project of your country or organization.")
            if actor.role == Role.FOCAL_POINT
            else N_("This alert touches no project your organization funds.")
        )
    return alert


def resolve_alert(
    session: Session,
    alert_id: int,
    *,
    actor: Actor,
    resolution: str,
    note: str | None,
    only_open: bool = False,
) -> DuplicateAlert:
    """Record a coordinator's verdict on a pair; a verdict may be changed later, by a coordinator.

    ``only_open`` refuses an alert already resolved (a list's bulk verdict must not overwrite
    one given meanwhile).

    :raises Forbidden: only coordinators and administrators resolve alerts.
    :raises Conflict: ``only_open`` and the alert is resolved already.
    """
    permissions.require(actor, "alert.resolve")
    alert = get_alert(session, alert_id, actor=actor)
    if only_open and alert.status == AlertStatus.RESOLVED:
        raise Conflict(N_("Alert %(id)s was resolved meanwhile.", id=alert_id))
    try:
        verdict = Resolution(resolution)
    except ValueError as error:
        raise InvalidInput(N_("Unknown resolution."), {"resolution": [str(error)]}) from error
    now = utcnow()
    alert.status = AlertStatus.RESOLVED
    alert.resolution = verdict
    alert.note = note
    alert.resolved_at = now
    alert.resolved_by_id = actor.user_id
    alert.updated_at = now
    session.flush()
    session.refresh(alert, ["resolved_by"])
    return alert
