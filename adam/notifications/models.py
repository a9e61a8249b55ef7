"""The outbox: one message per event, one delivery per target, and webhook subscriptions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.db import Base, enum_type, intpk, timestamp, utcnow


class Channel(enum.StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at (possibly claimed by a worker right now)
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up: permanent refusal or the last attempt failed
    CANCELLED = "cancelled"  # its webhook was deactivated before it could be sent


class OutboxMessage(Base):
    """An event as its producer described it; the payload is rendered per channel at send time."""

    __tablename__ = "outbox_message"

    # The purge finds old messages by age (purge.py).
    __table_args__ = (Index("ix_outbox_message_created_at", "created_at"),)

    id: Mapped[intpk]
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[timestamp]


class WebhookSubscription(Base):
    """An endpoint that receives events as signed JSON. Never deleted: deactivated."""

    __tablename__ = "webhook_subscription"

    id: Mapped[intpk]
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(500), default="")
    # Encrypted (sealing.py): HMAC needs the secret itself, so it cannot be hashed. Shown to
    # the caller once, at creation; opened only by the worker, to sign.
    secret: Mapped[str] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deactivated_at: Mapped[dt.datetime | None]


class Delivery(Base):
    """One message to one target (a webhook, or one e-mail address), with its attempts so far.

    A worker owns a delivery while ``claim_token`` is set and ``claimed_until`` is in the
    future; a worker that dies simply lets the lease run out, and another one takes it over.
    """

    __tablename__ = "notification_delivery"
    __table_args__ = (
        # The claim query: pending rows in due order.
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
        # The delivery log of one webhook, newest first.
        Index("ix_notification_delivery_webhook_id_id", "webhook_id", "id"),
    )

    id: Mapped[intpk]
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "notification_channel"))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscription.id"))
    recipient: Mapped[str | None] = mapped_column(String(320))  # the e-mail address
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[dt.datetime | None]
    last_attempt_at: Mapped[dt.datetime | None]
    last_status_code: Mapped[int | None]  # HTTP status, or the SMTP reply code
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None]
    created_at: Mapped[timestamp]

    message: Mapped[OutboxMessage] = relationship(lazy="joined")
    webhook: Mapped[WebhookSubscription | None] = relationship(lazy="joined")
