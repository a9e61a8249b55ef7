"""IATI import jobs: accept a file, claim a job (one runner at a time), read it back; running a
claimed job is ``runner``'s.

A job is claimed with a token and a lease in one conditional UPDATE (``WHERE id = ? AND
(status = 'queued' OR the lease ran out)``): of several processes trying at once, the row count
tells the one that won.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import ColumnElement

from adam.auth import permissions
from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.db import MAX_ID, utcnow
from adam.errors import N_, AdamError, InvalidInput, NotFound
from adam.iati import parse
from adam.iati.models import ImportJob, ImportStatus
from adam.paging import one_page
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.codes import country_codes

MiB = 1024 * 1024
# The account the command line imports as: a coordinator nobody signs in as.
SYSTEM_USER = "iati-import@adam.invalid"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ImportTooLarge(AdamError):
    status = 413
    code = "payload_too_large"


class SettingsError(ValueError):
    """An IATI_IMPORT_* configuration value cannot be used."""


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
            N_(
                "The file is larger than the %(limit)s bytes "
                "(IATI_IMPORT_MAX_BYTES) an import accepts.",
                limit=settings.max_bytes,
            ),
            {"file": [N_("Larger than %(limit)s bytes.", limit=settings.max_bytes)]},
        )
    errors: dict[str, list[str]] = {}
    known = refusals.KnownCodes(session)
    if publisher_org:
        found = reference_service.find_organization(session, publisher_org)
        if found is None:
            errors["publisher_org"] = [
                refusals.unknown_code("organization", publisher_org, known=known)
            ]
        else:
            publisher_org = found.code
    if default_theme:
        default_theme = default_theme.strip().lower()
        themes = reference_service.themes_by_slug(session, [default_theme])
        if unknown := refusals.unknown_codes("theme", [default_theme], themes, known=known):
            errors["default_theme"] = unknown
    if errors:
        raise InvalidInput(N_("The import options name things that do not exist."), errors)
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
        raise NotFound(N_("No import job with id %(id)s.", id=job_id))
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
    query = query.options(defer(ImportJob.report)).order_by(ImportJob.id.desc())
    rows = session.scalars(one_page(query, page=page, per_page=per_page))
    return list(rows), total
