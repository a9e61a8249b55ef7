"""Retention of the outbox: finished deliveries and their messages go after a while.

Delivered deliveries go after ``OUTBOX_RETENTION_DAYS``; failed and cancelled ones are kept
for ``OUTBOX_FAILED_RETENTION_DAYS`` (longer by default: they are what someone looks into).
A message goes with its last delivery, or, if it never had one (no target when its event was
raised), once it is older than ``OUTBOX_RETENTION_DAYS``. Pending deliveries are never purged,
however old.

The rows go in batches, each its own short transaction, so a large backlog never holds a
writer (or SQLite's single write lock) for long.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from adam.notifications.models import Delivery, DeliveryStatus, OutboxMessage


@dataclass
class OutboxPurge:
    deliveries: int = 0
    messages: int = 0


def purge_outbox(
    session: Session,
    *,
    delivered_before: dt.datetime | None,
    failed_before: dt.datetime | None,
    batch_size: int,
) -> OutboxPurge:
    """Delete deliveries finished before the cutoffs and messages left without deliveries;
    commits after each batch. A cutoff of None keeps those rows."""
    report = OutboxPurge()
    for statuses, before in (
        ((DeliveryStatus.DELIVERED,), delivered_before),
        ((DeliveryStatus.FAILED, DeliveryStatus.CANCELLED), failed_before),
    ):
        if before is not None:
            _purge_deliveries(session, statuses, before, batch_size, report)
    if delivered_before is not None:
        _purge_lone_messages(session, delivered_before, batch_size, report)
    return report


def _purge_deliveries(
    session: Session,
    statuses: tuple[DeliveryStatus, ...],
    before: dt.datetime,
    batch_size: int,
    report: OutboxPurge,
) -> None:
    # A finished delivery was due (next_attempt_at) no later than it was last tried or
    # delivered, so the first condition, on the claim index, narrows what the second checks.
    finished_at = func.coalesce(
        Delivery.delivered_at, Delivery.last_attempt_at, Delivery.next_attempt_at
    )
    query = (
        select(Delivery.id, Delivery.message_id)
        .where(Delivery.status.in_(statuses), Delivery.next_attempt_at < before)
        .where(finished_at < before)
        .limit(batch_size)
    )
    while rows := session.execute(query).all():
        ids = [row.id for row in rows]
        session.execute(delete(Delivery).where(Delivery.id.in_(ids)))
        report.deliveries += len(ids)
        report.messages += _delete_if_alone(session, {row.message_id for row in rows})
        session.commit()
        if len(rows) < batch_size:
            return


def _purge_lone_messages(
    session: Session, before: dt.datetime, batch_size: int, report: OutboxPurge
) -> None:
    after = 0
    while True:
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.created_at < before, OutboxMessage.id > after)
                .order_by(OutboxMessage.id)
                .limit(batch_size)
            )
        )
        if not ids:
            return
        # Kept messages (a delivery still pending or kept) are stepped over, not read again.
        after = ids[-1]
        report.messages += _delete_if_alone(session, set(ids))
        session.commit()


def _delete_if_alone(session: Session, message_ids: set[int]) -> int:
    """Delete those of ``message_ids`` that no delivery refers to any more."""
    if not message_ids:
        return 0
    result = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.id.in_(message_ids),
            ~exists().where(Delivery.message_id == OutboxMessage.id),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
