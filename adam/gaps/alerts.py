"""The unassisted-need alert: a high-priority need still open, with no active confirmed-linked
project, ``GAP_ALERT_AFTER_DAYS`` after it was registered, is announced once to coordinators
(e-mail and the ``need.unassisted`` webhook event, through the outbox); ``Need.alerted_at``
records that it was, so it is never announced again. ``adam worker`` runs ``alert_unassisted``
every ``GAP_ALERT_EVERY_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from adam.db import utcnow
from adam.gaps.cells import OPEN_NEED_STATES
from adam.gaps.figures import assisted_needs
from adam.gaps.settings import GapSettings
from adam.needs.models import Need, Priority
from adam.notifications import service as notifications
from adam.notifications.events import NEED_UNASSISTED

log = logging.getLogger(__name__)
BATCH = 500


def _payload(need: Need, now: dt.datetime) -> dict[str, Any]:
    return {
        "need": {
            "id": need.id,
            "title": need.title,
            "country": {"code": need.country_code, "name": need.country.name_en},
            "priority": need.priority.value,
            "state": need.state.value,
            "themes": [{"slug": t.slug, "name": t.name_en} for t in need.themes],
            "cost": (
                {"amount": need.cost_amount, "currency": need.cost_currency}
                if need.cost_amount is not None
                else None
            ),
            "created_at": need.created_at,
            "days_open": (now - need.created_at).days,
            "url": f"/api/v1/needs/{need.id}",
        }
    }


def alert_unassisted(
    session_factory: Callable[[], Session],
    settings: GapSettings,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Queue one notice per high-priority open need without assistance past the delay, mark
    each ``alerted_at`` in the same transaction, and return how many were queued."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=settings.alert_after_days)
    queued = 0
    with session_factory() as session:
        assisted = assisted_needs(session, now.date())
        due = [
            need
            for need in session.scalars(
                select(Need)
                .where(
                    Need.priority == Priority.HIGH,
                    Need.state.in_(OPEN_NEED_STATES),
                    Need.alerted_at.is_(None),
                    Need.created_at <= cutoff,
                )
                .order_by(Need.id)
                .with_for_update(skip_locked=True, of=Need)
            )
            if need.id not in assisted
        ]
        for start in range(0, len(due), BATCH):
            batch = due[start : start + BATCH]
            notifications.enqueue_many(
                session,
                event=NEED_UNASSISTED,
                payloads=[_payload(need, now) for need in batch],
                now=now,
            )
            # Not a change of the need itself: its version and history stay as they are.
            session.execute(
                update(Need)
                .where(Need.id.in_([need.id for need in batch]))
                .values(alerted_at=now)
                .execution_options(synchronize_session=False)
            )
            queued += len(batch)
        session.commit()
    if queued:
        log.info("Queued %s unassisted-need alerts.", queued)
    return queued
