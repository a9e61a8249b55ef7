"""IATI import jobs: the uploaded file, its runner, its progress, what became of each activity."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, enum_type, intpk, timestamp


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportOutcome(enum.StrEnum):
    """What became of one activity (the report's ``outcome``)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"


COUNTERS = ("total", "processed", "created", "updated", "unchanged", "skipped", "failed", "alerts")


class ImportJob(Base):
    """One uploaded IATI activity file and its import.

    The file's bytes are stored with the job, so whichever process claims it (the web process
    that took the upload, or any ``adam worker``) can run it. A claim is a token and a lease:
    the runner renews the lease as it saves progress, and a job whose lease ran out (its runner
    died) may be claimed again.
    """

    __tablename__ = "import_job"
    # Workers look for queued jobs and for running ones whose lease ran out.
    __table_args__ = (Index("ix_import_job_status_lease_until", "status", "lease_until"),)

    id: Mapped[intpk]
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus, "import_status"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: listing jobs must not read every file.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[timestamp]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    alerts: Mapped[int] = mapped_column(default=0)
    # One entry per activity: {line, iati_identifier, outcome, reason, project_id, alerts, notes}.
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[User] = relationship(lazy="joined")

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}
