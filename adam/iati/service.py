"""IATI import jobs: accept a file, claim a job (one runner at a time), run it, read it back.

A job is claimed with a token and a lease in one conditional UPDATE (``WHERE id = ? AND
(status = 'queued' OR the lease ran out)``): of several processes trying at once, the row count
tells the one that won. The runner renews the lease whenever it saves progress and stops as
soon as a save finds its token gone; a runner that died leaves a lease that runs out, and
``adam worker`` then runs the job again from its start (activities already imported come
out ``unchanged``, since an import finds projects by iati-identifier).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, defer, undefer
from sqlalchemy.sql.elements import ColumnElement

from adam.auth import permissions
from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.db import MAX_ID, utcnow
from adam.duplicates.index import insert_weighed, unindexed_project_ids
from adam.duplicates.scan import check_new, reindex_missing
from adam.duplicates.settings import MatcherSettings
from adam.duplicates.terms import refresh_if_stale
from adam.errors import AdamError, InvalidInput, NotFound
from adam.iati import imports, parse
from adam.iati.models import COUNTERS, ImportJob, ImportStatus
from adam.reference import service as reference_service
from adam.reference.codes import country_codes

log = logging.getLogger(__name__)

MiB = 1024 * 1024
# Activities a bulk import writes per transaction.
BATCH = 200
# The account the command line imports as: a coordinator nobody signs in as.
SYSTEM_USER = "iati-import@adam.invalid"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

SessionFactory = Callable[[], Session]
Progress = Callable[[int], object]


class ImportTooLarge(AdamError):
    status = 413
    code = "payload_too_large"


class SettingsError(ValueError):
    """An IATI_IMPORT_* configuration value cannot be used."""


class LeaseLost(Exception):
    """Another process holds the job now (this one's lease ran out); stop without writing."""


@dataclass(frozen=True, slots=True)
class ImportSettings:
    max_bytes: int = 50 * MiB
    # A running job whose runner has not saved progress for this long is taken over.
    lease_seconds: float = 120.0
    # Counters are saved every this many activities, or this often, whichever comes first.
    progress_every: int = 200
    progress_seconds: float = 1.0
    # IATI_IMPORT_COUNTRIES: activities must benefit one of these (empty: any ADAM country).
    countries: frozenset[str] = frozenset()
    # IATI_REPORTING_ORG_REF: the export names a project that has no IATI identifier
    # "{ref}-{code}"; an import of such an activity is that project, not a new one.
    reporting_org_ref: str | None = None
    # IATI_IMPORT_BULK_FROM: files of at least this many activities are imported in batches,
    # their duplicates found once all are in (one by one below: each checked as registered).
    bulk_from: int = 200

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImportSettings:
        """:raises SettingsError: a value of the wrong kind or an unknown country."""
        default = cls()
        max_bytes = config.get("IATI_IMPORT_MAX_BYTES", default.max_bytes)
        lease = config.get("IATI_IMPORT_LEASE_SECONDS", default.lease_seconds)
        for key, value in (
            ("IATI_IMPORT_MAX_BYTES", max_bytes),
            ("IATI_IMPORT_LEASE_SECONDS", lease),
        ):
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise SettingsError(f"{key} must be a positive number, not {value!r}.")
        countries = config.get("IATI_IMPORT_COUNTRIES") or []
        if isinstance(countries, str):
            countries = [c for c in countries.split(",") if c.strip()]
        if not isinstance(countries, list | tuple) or not all(
            isinstance(c, str) for c in countries
        ):
            raise SettingsError(f"IATI_IMPORT_COUNTRIES must list ISO codes, not {countries!r}.")
        codes = frozenset(c.strip().upper() for c in countries)
        unknown = sorted(codes - country_codes())
        if unknown:
            raise SettingsError(f"IATI_IMPORT_COUNTRIES names unknown countries: {unknown}.")
        reporting_org_ref = str(config.get("IATI_REPORTING_ORG_REF") or "").strip() or None
        bulk_from = config.get("IATI_IMPORT_BULK_FROM", default.bulk_from)
        if not isinstance(bulk_from, int) or isinstance(bulk_from, bool) or bulk_from < 1:
            raise SettingsError(
                f"IATI_IMPORT_BULK_FROM must be a whole number >= 1, not {bulk_from!r}."
            )
        return cls(
            max_bytes=int(max_bytes),
            lease_seconds=float(lease),
            countries=codes,
            reporting_org_ref=reporting_org_ref,
            bulk_from=bulk_from,
        )


# --- Accepting a file ---


def system_actor(session: Session) -> Actor:
    """The command line's actor: a coordinator account, inactive so that nobody signs in as it."""
    user = session.scalar(select(User).where(User.email == SYSTEM_USER))
    if user is None:
        user = auth_service.create_user(
            session, email=SYSTEM_USER, role=Role.COORDINATOR, name="IATI import (command line)"
        )
        user.is_active = False
        session.flush()
    return Actor(user_id=user.id, email=user.email, role=Role.COORDINATOR)


def _filename(name: str | None) -> str:
    base = PurePosixPath((name or "").replace("\\", "/")).name
    return _CONTROL.sub("", base).strip()[:255] or "upload.xml"


def create_job(
    session: Session,
    *,
    actor: Actor,
    filename: str | None,
    content: bytes,
    settings: ImportSettings,
    publisher_org: str | None = None,
    default_theme: str | None = None,
    system: bool = False,
) -> ImportJob:
    """Check a file whole and queue its import; nothing is imported from a file refused here.

    ``system``: the job runs as the command line's coordinator account, not as its creator.

    :raises Forbidden: viewers.
    :raises ImportTooLarge: above ``settings.max_bytes``.
    :raises InvalidInput: an unknown publisher organization or default theme.
    :raises parse.MalformedFile: not well-formed, or not an IATI activity file (with the line).
    """
    permissions.require(actor, "iati.import")
    if len(content) > settings.max_bytes:
        raise ImportTooLarge(
            f"The file is larger than the {settings.max_bytes} bytes "
            "(IATI_IMPORT_MAX_BYTES) an import accepts.",
            {"file": [f"Larger than {settings.max_bytes} bytes."]},
        )
    errors: dict[str, list[str]] = {}
    if publisher_org:
        found = reference_service.find_organization(session, publisher_org)
        if found is None:
            errors["publisher_org"] = [f"Unknown organization: {publisher_org}."]
        else:
            publisher_org = found.code
    if default_theme:
        default_theme = default_theme.strip().lower()
        if not reference_service.themes_by_slug(session, [default_theme]):
            errors["default_theme"] = [f"Unknown theme: {default_theme}. See GET /api/v1/themes."]
    if errors:
        raise InvalidInput("The import options name things that do not exist.", errors)
    summary = parse.check_file(content)
    job = ImportJob(
        status=ImportStatus.QUEUED,
        filename=_filename(filename),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        options={
            "publisher_org": publisher_org or None,
            "default_theme": default_theme or None,
            "system": system,
        },
        created_by_id=actor.user_id,
        total=summary.activities,
        report=[],
    )
    session.add(job)
    session.flush()
    return job


# --- Claiming ---


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        ImportJob.status == ImportStatus.QUEUED,
        and_(ImportJob.status == ImportStatus.RUNNING, ImportJob.lease_until < now),
    )


def claim_job(session: Session, job_id: int, *, lease_seconds: float) -> str | None:
    """Take a queued job, or a running one whose lease ran out; the caller commits.

    Returns the claim token, or None when the job is not to be had (another process has it,
    or it is finished).
    """
    now = utcnow()
    token = secrets.token_hex(16)
    result = session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, _claimable(now))
        .values(
            status=ImportStatus.RUNNING,
            claim_token=token,
            lease_until=now + dt.timedelta(seconds=lease_seconds),
            heartbeat_at=now,
            started_at=now,
            attempts=ImportJob.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]


def renew_leases(session: Session, claims: Mapping[int, str], *, lease_seconds: float) -> None:
    """Extend the leases of jobs claimed (``{job_id: token}``) and waiting their turn in this
    process, so that no other process takes them over meanwhile; the caller commits.

    A job whose token is gone already is left as it is: its run will find that out.
    """
    until = utcnow() + dt.timedelta(seconds=lease_seconds)
    for job_id, token in claims.items():
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.claim_token == token)
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )


def claim_next(session: Session, *, lease_seconds: float) -> tuple[int, str] | None:
    """Claim the oldest job to be had; the caller commits."""
    candidates = session.scalars(
        select(ImportJob.id).where(_claimable(utcnow())).order_by(ImportJob.id).limit(10)
    )
    for job_id in list(candidates):
        token = claim_job(session, job_id, lease_seconds=lease_seconds)
        if token is not None:
            return job_id, token
    return None


# --- Running ---


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
                refresh_if_stale(session)
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
    insert_weighed(session, importer.unindexed)
    importer.unindexed.clear()
    session.commit()
    # The word counts of later registrations follow the import (and, on PostgreSQL, what the
    # planner knows of the tables).
    refresh_if_stale(session)
    leftovers = unindexed_project_ids(session)
    if leftovers:
        reindex_missing(session)
        session.commit()
    written = sorted({*importer.written, *leftovers})
    return check_new(session, written, settings=matcher, advance=advance, starting=starting)


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
    result = session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost


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
    result = session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
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


# --- Reading ---


def get_job(session: Session, job_id: int, *, actor: Actor) -> ImportJob:
    """A job with its report. Others' jobs exist only for coordinators and administrators.

    :raises NotFound: no such job, or another user's and the actor may not see it.
    """
    permissions.require(actor, "iati.import")
    job = session.get(ImportJob, job_id) if 0 < job_id <= MAX_ID else None
    if job is None or (
        job.created_by_id != actor.user_id
        and not permissions.allowed(actor, "iati.import_read_all")
    ):
        raise NotFound(f"No import job with id {job_id}.")
    return job


def list_jobs(
    session: Session,
    *,
    actor: Actor,
    statuses: Iterable[ImportStatus] = (),
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[ImportJob], int]:
    """One page of jobs, newest first: the actor's own, or everyone's for coordinators."""
    permissions.require(actor, "iati.import")
    query = select(ImportJob)
    if not permissions.allowed(actor, "iati.import_read_all"):
        query = query.where(ImportJob.created_by_id == actor.user_id)
    statuses = list(statuses)
    if statuses:
        query = query.where(ImportJob.status.in_(statuses))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(defer(ImportJob.report))
        .order_by(ImportJob.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total
