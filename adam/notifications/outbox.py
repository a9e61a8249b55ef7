"""The outbox table's two halves: writing deliveries (producers) and claiming them (workers).

Claiming is how several workers share the work without sending anything twice. A worker
stamps due rows with its own token and a lease expiry in one short transaction, then sends
outside any transaction. On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so
workers never wait on each other; SQLite has one writer at a time, so a single conditional
UPDATE (whose WHERE repeats the due test) is atomic by itself. A worker that dies leaves a
lease that runs out, after which the rows are due again.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from adam.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    OutboxMessage,
    WebhookSubscription,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to. ``permanent`` failures are not retried."""

    delivered: bool
    status_code: int | None = None
    error: str | None = None
    permanent: bool = False


def write_messages(
    session: Session,
    *,
    event: str,
    payloads: Sequence[dict[str, Any]],
    webhooks: Sequence[WebhookSubscription],
    recipients: Sequence[str],
    now: dt.datetime,
) -> list[int]:
    """One outbox row per payload and a delivery per target of each: two bulk INSERTs.

    :returns: the messages' ids in the payloads' order.
    """
    message_ids = list(
        session.scalars(
            insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
            [{"event": event, "payload": p, "created_at": now} for p in payloads],
        )
    )
    deliveries: list[dict[str, Any]] = []
    for message_id in message_ids:
        common = {"message_id": message_id, "next_attempt_at": now, "created_at": now}
        deliveries += [
            {**common, "channel": Channel.WEBHOOK, "webhook_id": w.id, "recipient": None}
            for w in webhooks
        ]
        deliveries += [
            {**common, "channel": Channel.EMAIL, "webhook_id": None, "recipient": address}
            for address in recipients
        ]
    if deliveries:
        session.execute(insert(Delivery), deliveries)
    return message_ids


def _due(now: dt.datetime, channels: Iterable[Channel]) -> ColumnElement[bool]:
    return and_(
        Delivery.status == DeliveryStatus.PENDING,
        Delivery.next_attempt_at <= now,
        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now),
        Delivery.channel.in_(list(channels)),
    )


def claim_due(
    session: Session,
    *,
    now: dt.datetime,
    lease_seconds: float,
    limit: int,
    channels: Iterable[Channel] = tuple(Channel),
) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due deliveries for this caller; the caller commits.

    Returns the claim token and the ids claimed (oldest due first). Until the commit the
    rows stay locked (PostgreSQL) or the database write-locked (SQLite).
    """
    channels = list(channels)
    token = secrets.token_hex(16)
    until = now + dt.timedelta(seconds=lease_seconds)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(
            session.scalars(
                select(Delivery.id)
                .where(_due(now, channels))
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(claim_token=token, claimed_until=until)
                .execution_options(synchronize_session=False)
            )
        return token, sorted(ids)
    picked = (
        select(Delivery.id)
        .where(_due(now, channels))
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .correlate(None)  # its own scan of the table, not a reference to the UPDATE's row
        .scalar_subquery()
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(picked), _due(now, channels))
        .values(claim_token=token, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(session.scalars(select(Delivery.id).where(Delivery.claim_token == token)))
    return token, ids


def load_claimed(session: Session, token: str) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery).where(Delivery.claim_token == token).order_by(Delivery.id)
        ).unique()
    )


def backoff(attempts: int, *, base_seconds: float, max_seconds: float) -> dt.timedelta:
    """Wait base, 2 base, 4 base... after the 1st, 2nd, 3rd failure, never more than max."""
    return dt.timedelta(seconds=min(max_seconds, base_seconds * 2 ** max(attempts - 1, 0)))


def record_outcome(
    session: Session,
    *,
    delivery_id: int,
    token: str,
    now: dt.datetime,
    outcome: Outcome | None,
    max_attempts: int,
    base_seconds: float,
    max_seconds: float,
) -> bool:
    """Write one attempt's result and release the claim; the caller commits.

    ``outcome`` None means the delivery was cancelled unsent (its webhook is inactive).

    Returns False when this worker's lease was lost (another worker took the row over),
    in which case nothing is written.
    """
    attempts = session.scalar(
        select(Delivery.attempts).where(Delivery.id == delivery_id, Delivery.claim_token == token)
    )
    if attempts is None:
        return False
    values: dict[str, Any] = {"claim_token": None, "claimed_until": None}
    if outcome is None:
        values.update(status=DeliveryStatus.CANCELLED, last_error="The webhook is inactive.")
    else:
        attempts += 1
        values.update(
            attempts=attempts,
            last_attempt_at=now,
            last_status_code=outcome.status_code,
            last_error=outcome.error,
        )
        if outcome.delivered:
            values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        elif outcome.permanent or attempts >= max_attempts:
            values.update(status=DeliveryStatus.FAILED)
        else:
            wait = backoff(attempts, base_seconds=base_seconds, max_seconds=max_seconds)
            values.update(next_attempt_at=now + wait)
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, *, token: str, ids: Iterable[int]) -> None:
    """Give back claimed rows unsent (the worker ran out of lease time or is stopping)."""
    ids = list(ids)
    if ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.claim_token == token)
            .values(claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
