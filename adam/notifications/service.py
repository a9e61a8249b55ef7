"""Notifications service: enqueue events, manage webhook subscriptions, read the delivery log."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.db import MAX_ID, utcnow
from adam.errors import N_, InvalidInput, NotFound
from adam.notifications import outbox, sealing, webhooks
from adam.notifications.events import DEFAULT_EVENTS, EMAIL_EVENTS, EVENTS
from adam.notifications.models import (
    Delivery,
    DeliveryStatus,
    OutboxMessage,
    WebhookSubscription,
)
from adam.notifications.settings import NotificationSettings
from adam.paging import one_page

_UNSET: Any = object()


def enqueue(
    session: Session,
    *,
    event: str,
    payload: Mapping[str, Any],
    settings: NotificationSettings | None = None,
    now: dt.datetime | None = None,
) -> OutboxMessage:
    """Queue one ``event`` (see ``enqueue_many``) and return its outbox row."""
    (message_id,) = enqueue_many(
        session, event=event, payloads=[payload], settings=settings, now=now
    )
    message = session.get(OutboxMessage, message_id)
    assert message is not None
    return message


def enqueue_many(
    session: Session,
    *,
    event: str,
    payloads: Sequence[Mapping[str, Any]],
    settings: NotificationSettings | None = None,
    now: dt.datetime | None = None,
    recipients: Sequence[str] | None = None,
) -> list[int]:
    """Queue ``event`` once per payload for every target, in the caller's transaction; sends
    nothing itself. Returns the outbox message ids, in the payloads' order.

    Targets: each active webhook subscribed to ``event``, and, for events e-mail can render
    when an SMTP host is configured, each active coordinator and administrator plus
    ``ALERT_EMAILS`` (each address once), or the ``recipients`` given (the people an event
    concerns, such as the focal points of a need's country). ``settings`` default to those
    the session carries (``adam.settings.session_factory``). ``payload`` must be
    JSON-serialisable; dates, datetimes (as UTC ISO 8601), decimals, UUIDs and enums are
    converted.

    :raises TypeError: for a payload value that JSON cannot hold (before anything is written).
    :raises ValueError: for NaN or infinite numbers in the payload.
    """
    settings = settings or _settings_of(session)
    now = now or utcnow()
    documents = [_json_document(payload) for payload in payloads]
    if not documents:
        return []
    # One lookup of the targets serves every message: a check that raises ten alerts
    # writes them with a handful of statements, not two per alert.
    hooks = [
        hook
        for hook in session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.active.is_(True))
            .order_by(WebhookSubscription.id)
        )
        if event in (hook.events or [])
    ]
    addresses: list[str] = []
    if settings.email_enabled and event in EMAIL_EVENTS:
        seen: set[str] = set()
        given = (
            [*auth_service.staff_emails(session), *settings.alert_emails]
            if recipients is None
            else recipients
        )
        for address in given:
            if address.lower() not in seen:
                seen.add(address.lower())
                addresses.append(address)
    return outbox.write_messages(
        session, event=event, payloads=documents, webhooks=hooks, recipients=addresses, now=now
    )


def _settings_of(session: Session) -> NotificationSettings:
    from adam import settings as adam_settings  # the settings module builds on this domain

    return adam_settings.of_session(session).notifications


def _json_value(value: Any) -> Any:
    # Producers hand over what their schemas hold; the usual non-JSON types get their API form.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _json_document(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as plain JSON now, so a bad one fails here and not at the caller's commit.

    :raises TypeError: for a value JSON cannot hold.
    """
    text = json.dumps(dict(payload), default=_json_value, allow_nan=False)
    document: dict[str, Any] = json.loads(text)
    return document


@dataclass(frozen=True, slots=True)
class CreatedWebhook:
    subscription: WebhookSubscription
    secret: str  # shown to the caller once; later reads never return it


def _check_events(events: Sequence[str]) -> list[str]:
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise InvalidInput(
            N_("Unknown event."),
            {
                "events": [
                    N_(
                        "Unknown event: %(event)s. Known: %(known)s.",
                        event=e,
                        known=", ".join(EVENTS),
                    )
                    for e in unknown
                ]
            },
        )
    if not events:
        raise InvalidInput(
            N_("Name at least one event."), {"events": [N_("Name at least one event.")]}
        )
    return list(dict.fromkeys(events))


def create_webhook(
    session: Session,
    *,
    actor: Actor,
    url: str,
    events: Sequence[str] = DEFAULT_EVENTS,
    description: str = "",
    active: bool = True,
    settings: NotificationSettings | None = None,
) -> CreatedWebhook:
    """Subscribe ``url``; its secret is stored sealed (``sealing``) and returned in clear once.

    :raises Forbidden: unless the actor manages webhooks. :raises InvalidInput: bad events.
    """
    permissions.require(actor, "webhook.manage")
    settings = settings or _settings_of(session)
    secret = webhooks.new_secret()
    now = utcnow()
    subscription = WebhookSubscription(
        url=url,
        events=_check_events(events),
        description=description,
        secret=sealing.seal(secret, settings.webhook_secret_keys),
        active=active,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
        deactivated_at=None if active else now,
    )
    session.add(subscription)
    session.flush()
    return CreatedWebhook(subscription, secret)


def encrypt_secrets(
    session: Session, *, settings: NotificationSettings | None = None, rekey: bool = False
) -> int:
    """Seal the secrets stored in clear (from before they were encrypted); with ``rekey``,
    also re-seal those sealed under an old key, so that the old keys can be dropped from the
    configuration. Returns how many were written; the caller commits.

    :raises SecretUnavailable: with ``rekey``, a secret that no configured key opens.
    """
    keys = (settings or _settings_of(session)).webhook_secret_keys
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if not rekey:
        query = query.where(WebhookSubscription.secret.not_like(sealing.PREFIX + "%"))
    written = 0
    # The table holds one row per endpoint ever subscribed: small enough to read at once.
    for subscription in session.scalars(query.with_for_update()):
        if sealing.sealed_under_first(subscription.secret, keys):
            continue
        try:
            subscription.secret = sealing.reseal(subscription.secret, keys)
        except sealing.SecretUnavailable as error:
            raise sealing.SecretUnavailable(f"Webhook {subscription.id}: {error}") from None
        written += 1
    session.flush()
    return written


def decrypt_secrets(session: Session, *, settings: NotificationSettings | None = None) -> int:
    """Write every sealed secret back in clear: only before migrating the database down to a
    release that stored them so. Returns how many; the caller commits.

    :raises SecretUnavailable: a secret that no configured key opens (nothing is written).
    """
    keys = (settings or _settings_of(session)).webhook_secret_keys
    query = select(WebhookSubscription).where(WebhookSubscription.secret.like(sealing.PREFIX + "%"))
    subscriptions = list(session.scalars(query.with_for_update()))
    clear = [sealing.unseal(s.secret, keys) for s in subscriptions]
    for subscription, secret in zip(subscriptions, clear, strict=True):
        subscription.secret = secret
    session.flush()
    return len(subscriptions)


def list_webhooks(
    session: Session, *, actor: Actor, active: bool | None = None
) -> list[WebhookSubscription]:
    permissions.require(actor, "webhook.manage")
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if active is not None:
        query = query.where(WebhookSubscription.active.is_(active))
    return list(session.scalars(query))


def get_webhook(session: Session, webhook_id: int, *, actor: Actor) -> WebhookSubscription:
    """:raises Forbidden: unless the actor manages webhooks. :raises NotFound:"""
    permissions.require(actor, "webhook.manage")
    found = session.get(WebhookSubscription, webhook_id) if 0 < webhook_id <= MAX_ID else None
    if found is None:
        raise NotFound(N_("No webhook %(id)s.", id=webhook_id))
    return found


def update_webhook(
    session: Session,
    webhook_id: int,
    *,
    actor: Actor,
    url: str = _UNSET,
    events: Sequence[str] = _UNSET,
    description: str = _UNSET,
    active: bool = _UNSET,
) -> WebhookSubscription:
    """Change what is given. Queued deliveries go to the new URL; events apply to new ones."""
    subscription = get_webhook(session, webhook_id, actor=actor)
    if url is not _UNSET:
        subscription.url = url
    if events is not _UNSET:
        subscription.events = _check_events(events)
    if description is not _UNSET:
        subscription.description = description
    if active is not _UNSET:
        _set_active(subscription, active)
    subscription.updated_at = utcnow()
    session.flush()
    return subscription


def deactivate_webhook(session: Session, webhook_id: int, *, actor: Actor) -> WebhookSubscription:
    """Stop sending (queued deliveries are cancelled by the worker); the log is kept."""
    subscription = get_webhook(session, webhook_id, actor=actor)
    _set_active(subscription, False)
    subscription.updated_at = utcnow()
    session.flush()
    return subscription


def _set_active(subscription: WebhookSubscription, active: bool) -> None:
    if subscription.active and not active:
        subscription.deactivated_at = utcnow()
    elif active:
        subscription.deactivated_at = None
    subscription.active = active


def list_deliveries(
    session: Session,
    webhook_id: int,
    *,
    actor: Actor,
    status: DeliveryStatus | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Delivery], int]:
    """One webhook's delivery log, newest first, and the total count."""
    subscription = get_webhook(session, webhook_id, actor=actor)
    conditions = [Delivery.webhook_id == subscription.id]
    if status is not None:
        conditions.append(Delivery.status == status)
    total = session.scalar(select(func.count()).select_from(Delivery).where(*conditions)) or 0
    query = select(Delivery).where(*conditions).order_by(Delivery.id.desc())
    items = session.scalars(one_page(query, page=page, per_page=per_page)).unique()
    return list(items), total
