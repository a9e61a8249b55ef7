"""The worker: claim what is due, send it, record the outcome; ``adam worker`` runs it.

Delivery is at least once: a notice is sent once unless a worker dies (or loses its lease)
between sending and recording, in which case another worker sends it again. Receivers can
drop such repeats by the delivery id (the ``X-ADAM-Delivery`` header, the body's "delivery").
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.orm import Session

from adam.auth import service as auth_service
from adam.db import utcnow
from adam.notifications import emails, outbox, sealing, webhooks
from adam.notifications.models import Channel, Delivery
from adam.notifications.outbox import Outcome
from adam.notifications.settings import NotificationSettings
from adam.notifications.smtp import SmtpSender

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]
DIGEST_BATCH = 1000  # e-mail deliveries claimed at once in digest mode


@dataclass
class DrainReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0  # handed back unsent: the lease was running out
    batches: int = 0

    def add(self, outcome: Outcome | None, *, final_failure: bool) -> None:
        if outcome is None:
            self.cancelled += 1
        elif outcome.delivered:
            self.delivered += 1
        elif final_failure:
            self.failed += 1
        else:
            self.retrying += 1


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery as plain data, so no session stays open while the network is used."""

    delivery_id: int
    channel: Channel
    attempts: int
    message_id: int
    event: str
    payload: Any
    created_at: dt.datetime
    recipient: str | None = None
    webhook_url: str | None = None
    # Sealed as stored (sealing.py): opened only just before signing, never in logs.
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_active: bool = False
    locale: str | None = None  # the recipient's language, if an active user chose one

    @classmethod
    def of(cls, delivery: Delivery, *, locale: str | None = None) -> Job:
        hook = delivery.webhook
        return cls(
            delivery_id=delivery.id,
            channel=delivery.channel,
            attempts=delivery.attempts,
            message_id=delivery.message_id,
            event=delivery.message.event,
            payload=delivery.message.payload,
            created_at=delivery.message.created_at,
            recipient=delivery.recipient,
            webhook_url=hook.url if hook else None,
            webhook_secret=hook.secret if hook else None,
            webhook_active=bool(hook and hook.active),
            locale=locale,
        )


@dataclass
class _Batch:
    token: str
    jobs: list[Job]
    started: float = field(default_factory=time.monotonic)


def drain(
    session_factory: SessionFactory,
    settings: NotificationSettings,
    *,
    now: dt.datetime | None = None,
    http_client: httpx.Client | None = None,
) -> DrainReport:
    """Deliver everything due, batch by batch, then return what happened.

    ``now`` fixes the clock for the whole pass (tests move it forward to make retries due,
    instead of sleeping); by default each batch reads the real clock.
    """
    report = DrainReport()
    # A digest gathers everything due for a recipient into one message, so e-mail is
    # claimed in one large batch per pass; everything else in batches of batch_size.
    passes: list[tuple[list[Channel], int]] = [([Channel.WEBHOOK], settings.batch_size)]
    if settings.email_enabled:
        digest = settings.email_mode == "digest"
        passes.append(([Channel.EMAIL], DIGEST_BATCH if digest else settings.batch_size))
    client = http_client or httpx.Client(timeout=settings.webhook_timeout, follow_redirects=False)
    try:
        for channels, limit in passes:
            _drain_channels(session_factory, settings, channels, limit, now, client, report)
    finally:
        if http_client is None:
            client.close()
    return report


def _drain_channels(
    session_factory: SessionFactory,
    settings: NotificationSettings,
    channels: list[Channel],
    limit: int,
    now: dt.datetime | None,
    client: httpx.Client,
    report: DrainReport,
) -> None:
    attempted: set[int] = set()
    while True:
        current = now or utcnow()
        batch = _claim(session_factory, settings, current, channels, limit)
        if batch is None:
            return
        if {job.delivery_id for job in batch.jobs} <= attempted:
            # Everything claimed was already tried in this pass (a backoff shorter than
            # the pass): leave it to the next pass rather than loop.
            _release(session_factory, batch.token, batch.jobs, report)
            return
        report.batches += 1
        report.claimed += len(batch.jobs)
        attempted.update(job.delivery_id for job in batch.jobs)
        _process(session_factory, settings, batch, current, client, report)


def _claim(
    session_factory: SessionFactory,
    settings: NotificationSettings,
    now: dt.datetime,
    channels: list[Channel],
    limit: int,
) -> _Batch | None:
    with session_factory() as session:
        token, ids = outbox.claim_due(
            session,
            now=now,
            lease_seconds=settings.lease_seconds,
            limit=limit,
            channels=channels,
        )
        session.commit()
        if not ids:
            return None
        deliveries = outbox.load_claimed(session, token)
        # The language is looked up when sending, in one query per batch: a user who changes
        # it (or is deactivated) before a retry or a digest gets the new one, and the outbox
        # keeps no copy of it.
        locales = auth_service.locales_by_email(
            session, [d.recipient for d in deliveries if d.channel == Channel.EMAIL and d.recipient]
        )
        jobs = [Job.of(d, locale=locales.get((d.recipient or "").lower())) for d in deliveries]
    return _Batch(token, jobs)


def _release(
    session_factory: SessionFactory, token: str, jobs: list[Job], report: DrainReport
) -> None:
    with session_factory() as session:
        outbox.release(session, token=token, ids=[job.delivery_id for job in jobs])
        session.commit()
    report.released += len(jobs)


def _process(
    session_factory: SessionFactory,
    settings: NotificationSettings,
    batch: _Batch,
    now: dt.datetime,
    client: httpx.Client,
    report: DrainReport,
) -> None:
    # Stop sending at half the lease: past the lease another worker may claim the same rows.
    deadline = batch.started + settings.lease_seconds / 2
    hooks = [job for job in batch.jobs if job.channel == Channel.WEBHOOK]
    mails = [job for job in batch.jobs if job.channel == Channel.EMAIL]
    pending = list(batch.jobs)

    def record(jobs: list[Job], outcome: Outcome | None) -> None:
        with session_factory() as session:
            for job in jobs:
                kept = outbox.record_outcome(
                    session,
                    delivery_id=job.delivery_id,
                    token=batch.token,
                    now=now,
                    outcome=outcome,
                    max_attempts=settings.max_attempts,
                    base_seconds=settings.backoff_seconds,
                    max_seconds=settings.backoff_max_seconds,
                )
                if not kept:
                    log.warning(
                        "delivery %s: lease lost before its outcome was recorded",
                        job.delivery_id,
                    )
                final = outcome is not None and (
                    outcome.permanent or job.attempts + 1 >= settings.max_attempts
                )
                report.add(outcome, final_failure=final)
                if outcome is not None and not outcome.delivered:
                    log.warning(
                        "delivery %s (%s) failed: %s", job.delivery_id, job.channel, outcome.error
                    )
                pending.remove(job)
            session.commit()

    try:
        for job in hooks:
            if time.monotonic() > deadline:
                return
            if not job.webhook_active or not job.webhook_url or not job.webhook_secret:
                record([job], None)
                continue
            try:
                secret = sealing.unseal(job.webhook_secret, settings.webhook_secret_keys)
            except sealing.SecretUnavailable as error:
                # A key missing from the configuration will not come back by retrying: the
                # delivery fails with the reason in its log, and the worker goes on.
                record([job], Outcome(False, error=str(error), permanent=True))
                continue
            outcome = webhooks.post(
                client,
                url=job.webhook_url,
                secret=secret,
                event=job.event,
                delivery_id=job.delivery_id,
                payload=webhooks.body(
                    delivery_id=job.delivery_id,
                    message_id=job.message_id,
                    event=job.event,
                    created_at=job.created_at,
                    payload=job.payload,
                ),
                now=now,
            )
            record([job], outcome)
        if mails:
            with SmtpSender(settings) as sender:
                for group in _mail_groups(mails, settings.email_mode):
                    if time.monotonic() > deadline:
                        return
                    record(group, _send_mail(sender, settings, group))
    finally:
        if pending:
            _release(session_factory, batch.token, pending, report)


def _mail_groups(jobs: list[Job], mode: str) -> list[list[Job]]:
    if mode != "digest":
        return [[job] for job in jobs]
    by_recipient: dict[str, list[Job]] = {}
    for job in jobs:
        by_recipient.setdefault((job.recipient or "").lower(), []).append(job)
    return list(by_recipient.values())


def _send_mail(sender: SmtpSender, settings: NotificationSettings, group: list[Job]) -> Outcome:
    recipient = group[0].recipient
    if not recipient:
        return Outcome(False, error="No recipient address.", permanent=True)
    try:
        items: list[tuple[str, Mapping[str, Any]]] = [(job.event, job.payload) for job in group]
        rendered = emails.render_digest(items, settings.public_url, group[0].locale)
        message = emails.build_message(rendered, sender=settings.smtp_sender, recipient=recipient)
    except (ValueError, TypeError, AttributeError) as error:
        # A payload that cannot be written up will not improve by waiting.
        return Outcome(False, error=f"cannot render: {error}"[:1000], permanent=True)
    return sender.send(message)


def run(
    session_factory: SessionFactory,
    settings: NotificationSettings,
    *,
    poll_interval: float,
    once: bool = False,
    stop: threading.Event | None = None,
    chores: Sequence[tuple[float, Callable[[], object]]] = (),
) -> DrainReport:
    """Drain, then wait ``poll_interval`` and drain again, until ``stop`` is set (or once).

    ``chores``: (every how many seconds, what) other upkeep the worker runs between passes,
    such as the duplicate matcher's word-count snapshot; a failing chore is logged and retried
    at its next turn.
    """
    stop = stop or threading.Event()
    total = DrainReport()
    due = [0.0] * len(chores)
    while not stop.is_set():
        for index, (every, chore) in enumerate(chores):
            if time.monotonic() >= due[index]:
                due[index] = time.monotonic() + every
                try:
                    chore()
                except Exception:
                    log.exception("worker chore %s failed", getattr(chore, "__name__", chore))
        try:
            report = drain(session_factory, settings)
        except Exception:  # the database may be away for a while; keep the worker alive
            if once:
                raise
            log.exception("worker pass failed; retrying in %s s", poll_interval)
            report = DrainReport()
        for name in ("claimed", "delivered", "retrying", "failed", "cancelled", "released"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if report.claimed:
            log.info(
                "delivered %s, retrying %s, failed %s, cancelled %s",
                report.delivered,
                report.retrying,
                report.failed,
                report.cancelled,
            )
        if once:
            break
        stop.wait(poll_interval)
    return total
