"""Run a claimed IATI import job: import its activities, saving progress and renewing the lease
as it goes, then (a bulk import) index and check the projects it wrote.

The runner renews the lease whenever it saves progress and stops as soon as a save finds its
token gone; a runner that died leaves a lease that runs out, and ``adam worker`` then runs the
job again from its start (activities already imported come out ``unchanged``, since an import
finds projects by iati-identifier).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.db import utcnow
from adam.duplicates import service as duplicates_service
from adam.duplicates.settings import MatcherSettings
from adam.iati import imports, parse
from adam.iati.models import COUNTERS, ImportJob, ImportStatus
from adam.iati.service import ImportSettings, claim_next

log = logging.getLogger(__name__)

# Activities a bulk import writes per transaction.
BATCH = 200

SessionFactory = Callable[[], Session]
Progress = Callable[[int], object]


class LeaseLost(Exception):
    """Another process holds the job now (this one's lease ran out); stop without writing."""


def run_job(
    session_factory: SessionFactory,
    job_id: int,
    *,
    token: str,
    settings: ImportSettings,
    matcher: MatcherSettings,
    progress: Progress | None = None,
    checking: Progress | None = None,
) -> ImportJob | None:
    """Import every activity of a claimed job, saving progress; returns the finished job.

    ``progress(n)``: n more activities imported. ``checking(n)``: a bulk import has saved its
    activities and now looks for the duplicates of n new projects; ``progress`` then counts
    those.

    Returns None when the job was taken over by another process meanwhile. An error outside
    the activities (the database going away) marks the job failed with that error.
    """
    with session_factory() as session:
        try:
            _run(session, job_id, token, settings, matcher, progress, checking)
        except LeaseLost:
            log.warning("IATI import job %s was taken over by another process.", job_id)
            return None
        except Exception as error:
            session.rollback()
            log.exception("IATI import job %s failed.", job_id)
            _finish(session, job_id, token, ImportStatus.FAILED, error=_describe(error))
        query = select(ImportJob).where(ImportJob.id == job_id)
        return session.scalar(query.execution_options(populate_existing=True))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _run(
    session: Session,
    job_id: int,
    token: str,
    settings: ImportSettings,
    matcher: MatcherSettings,
    progress: Progress | None,
    checking: Progress | None = None,
) -> None:
    job = session.scalar(
        select(ImportJob).where(ImportJob.id == job_id).options(undefer(ImportJob.content))
    )
    if job is None or job.claim_token != token:
        raise LeaseLost
    actor = _actor(session, job)
    if actor is None:
        _finish(
            session,
            job_id,
            token,
            ImportStatus.FAILED,
            error="The account that uploaded the file is no longer active; nothing was imported.",
        )
        return
    content, options, total = job.content, dict(job.options), job.total
    rules = imports.mapping_rules(
        session,
        default_theme=options.get("default_theme"),
        publisher_org=options.get("publisher_org"),
        countries=settings.countries,
    )
    session.expunge(job)  # the bytes are held once, here; the session keeps no copy
    counters = dict.fromkeys(COUNTERS, 0) | {"total": total}
    report: list[dict[str, Any]] = []
    _save(session, job_id, token, settings, counters, report=report)  # a retry starts afresh
    importer = imports.Importer(
        actor=actor, matcher=matcher, reporting_org_ref=settings.reporting_org_ref
    )
    bulk = total >= settings.bulk_from
    saved_at = time.monotonic()

    def record(entries: list[imports.Entry]) -> None:
        nonlocal saved_at
        for entry in entries:
            report.append(entry.as_dict())
            counters["processed"] += 1
            counters[entry.outcome.value] += 1
            counters["alerts"] += entry.alerts
        if progress is not None:
            progress(len(entries))
        if (
            counters["processed"] % settings.progress_every < len(entries)
            or time.monotonic() - saved_at >= settings.progress_seconds
        ):
            _save(session, job_id, token, settings, counters)
            if not bulk:
                # A large import grows the index fast: the matcher's word counts follow it
                # (as ``adam worker`` would), instead of being counted live for every new word.
                duplicates_service.refresh_if_stale(session)
            saved_at = time.monotonic()

    activities = iter(parse.read_activities(content, rules))
    if not bulk:
        for activity in activities:
            record([imports.import_activity(session, activity, importer)])
    else:
        while batch := list(itertools.islice(activities, BATCH)):
            record(imports.import_batch(session, batch, importer))

        def keep_lease(done: int) -> None:
            # Called between countries (committed): the lease must outlast a long check.
            nonlocal saved_at
            if progress is not None:
                progress(done)
            if time.monotonic() - saved_at >= settings.progress_seconds:
                _save(session, job_id, token, settings, counters)
                saved_at = time.monotonic()

        alerts = _check_written(session, importer, matcher, keep_lease, checking)
        for line in report:
            line["alerts"] += alerts.get(line["project_id"], 0)
        counters["alerts"] += sum(alerts.values())
    _finish(session, job_id, token, ImportStatus.DONE, counters=counters, report=report)


def _check_written(
    session: Session,
    importer: imports.Importer,
    matcher: MatcherSettings,
    advance: Callable[[int], None],
    starting: Progress | None,
) -> Counter[int]:
    """Index the projects a bulk import saved and raise their duplicate alerts, with those of
    projects a run that died left unindexed; returns the alerts per project."""
    duplicates_service.insert_weighed(session, importer.unindexed)
    importer.unindexed.clear()
    session.commit()
    # The word counts of later registrations follow the import (and, on PostgreSQL, what the
    # planner knows of the tables).
    duplicates_service.refresh_if_stale(session)
    leftovers = duplicates_service.unindexed_project_ids(session)
    if leftovers:
        duplicates_service.reindex_missing(session)
        session.commit()
    written = sorted({*importer.written, *leftovers})
    return duplicates_service.check_new(
        session, written, settings=matcher, advance=advance, starting=starting
    )


def _actor(session: Session, job: ImportJob) -> Actor | None:
    """Who the job runs as: its uploader, in their scope as it is now."""
    user = session.get(User, job.created_by_id)
    if user is None:
        return None
    if job.options.get("system"):
        return Actor(user_id=user.id, email=user.email, role=Role.COORDINATOR)
    return Actor.from_user(user) if user.is_active else None


def _save(
    session: Session,
    job_id: int,
    token: str,
    settings: ImportSettings,
    counters: dict[str, int],
    *,
    report: list[dict[str, Any]] | None = None,
) -> None:
    """Save the counters (and the report, when given) and renew the lease.

    :raises LeaseLost: the job is no longer this runner's.
    """
    now = utcnow()
    values: dict[str, Any] = {
        **counters,
        "heartbeat_at": now,
        "lease_until": now + dt.timedelta(seconds=settings.lease_seconds),
    }
    if report is not None:
        values["report"] = report
    if not _write_claimed(session, job_id, token, values):
        raise LeaseLost


def _write_claimed(session: Session, job_id: int, token: str, values: dict[str, Any]) -> bool:
    """Write ``values`` to the job if this runner's claim still holds, and commit; whether it
    held (one conditional UPDATE: of two runners, the row count tells the one that owns it)."""
    result = session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _finish(
    session: Session,
    job_id: int,
    token: str,
    status: ImportStatus,
    *,
    counters: dict[str, int] | None = None,
    report: list[dict[str, Any]] | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {
        **(counters or {}),
        "status": status,
        "finished_at": utcnow(),
        "claim_token": None,
        "lease_until": None,
        "error": error,
    }
    if report is not None:
        values["report"] = report
    if not _write_claimed(session, job_id, token, values):
        log.warning("IATI import job %s finished after another process took it over.", job_id)


def run_queued(
    session_factory: SessionFactory,
    *,
    settings: ImportSettings,
    matcher: MatcherSettings,
    limit: int | None = None,
) -> list[int]:
    """Claim and run jobs until none is to be had (``adam worker``); returns their ids."""
    done: list[int] = []
    while limit is None or len(done) < limit:
        with session_factory() as session:
            claimed = claim_next(session, lease_seconds=settings.lease_seconds)
            session.commit()
        if claimed is None:
            break
        job_id, token = claimed
        run_job(session_factory, job_id, token=token, settings=settings, matcher=matcher)
        done.append(job_id)
    return done
