"""The purge of finished rows past their retention, and of expired Idempotency-Key answers:
what ``adam worker`` runs every ``PURGE_EVERY_SECONDS`` and ``adam purge`` runs once
(settings: ``RetentionSettings``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from adam.db import utcnow
from adam.iati.purge import purge_jobs
from adam.idempotency.service import purge_expired as purge_idempotency_keys
from adam.notifications.purge import purge_outbox
from adam.settings import RetentionSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    deliveries: int
    messages: int
    import_jobs: int
    idempotency_keys: int

    def __str__(self) -> str:
        return (
            f"Purged {self.deliveries} deliveries, {self.messages} outbox messages, "
            f"{self.import_jobs} import jobs. "
            f"Deleted {self.idempotency_keys} expired Idempotency-Key answers."
        )


def purge(
    session_factory: Callable[[], Session],
    settings: RetentionSettings,
    *,
    now: dt.datetime | None = None,
) -> PurgeReport:
    """Delete what is past its retention, batch by batch (each committed)."""
    now = now or utcnow()
    with session_factory() as session:
        outbox = purge_outbox(
            session,
            delivered_before=settings.cutoff(settings.outbox_days, now),
            failed_before=settings.cutoff(settings.outbox_failed_days, now),
            batch_size=settings.batch_size,
        )
        jobs_before = settings.cutoff(settings.import_job_days, now)
        jobs = (
            purge_jobs(session, finished_before=jobs_before, batch_size=settings.batch_size)
            if jobs_before is not None
            else 0
        )
        # Their own TTL (IDEMPOTENCY_KEY_TTL_HOURS) says when they expire, not a retention.
        keys = purge_idempotency_keys(session, now=now)
        session.commit()
    report = PurgeReport(outbox.deliveries, outbox.messages, jobs, keys)
    if outbox.deliveries or outbox.messages or jobs or keys:
        log.info("%s", report)
    return report
