"""Retention: finished deliveries, their messages and finished import jobs are purged once
past their retention, by ``adam purge`` and by a pass of ``adam worker``; what is recent,
pending or running stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from adam.app import create_app
from adam.cli import main
from adam.config import ConfigError
from adam.db import utcnow
from adam.iati.models import ImportJob, ImportStatus
from adam.notifications.models import Channel, Delivery, DeliveryStatus, OutboxMessage
from adam.session import new_session
from tests.conftest import Account

DAY = dt.timedelta(days=1)
OUTBOX_TABLES = (Delivery, OutboxMessage)


@pytest.fixture()
def purging_app(app: Flask, database_url: str, tmp_path: Any) -> Iterator[Flask]:
    """The test app's database, purged two rows per transaction (so batches follow batches);
    retention as the defaults say: 30 days delivered, 90 failed and import jobs."""
    purging = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "PURGE_BATCH_SIZE": 2,
        }
    )
    yield purging
    purging.extensions["adam.engine"].dispose()


class Rows:
    """Outbox rows and import jobs written with the ages a test gives them."""

    def __init__(self, app: Flask, uploader: Account) -> None:
        self.app = app
        self.uploader = uploader
        self.now = utcnow()

    def ago(self, days: float) -> dt.datetime:
        return self.now - days * DAY

    def message(self, days: float, *deliveries: tuple[DeliveryStatus, float]) -> int:
        """A message ``days`` old and deliveries (status, days since last done) of it."""
        with new_session(self.app) as session:
            message = OutboxMessage(event="alert.created", payload={}, created_at=self.ago(days))
            session.add(message)
            session.flush()
            for status, age in deliveries:
                when = self.ago(age)
                session.add(
                    Delivery(
                        message_id=message.id,
                        # E-mail is off in tests, so no worker pass claims the pending ones.
                        channel=Channel.EMAIL,
                        recipient="someone@example.org",
                        status=status,
                        attempts=0 if status == DeliveryStatus.PENDING else 1,
                        next_attempt_at=when,
                        last_attempt_at=None if status == DeliveryStatus.PENDING else when,
                        delivered_at=when if status == DeliveryStatus.DELIVERED else None,
                        created_at=self.ago(days),
                    )
                )
            session.commit()
            return message.id

    def job(self, status: ImportStatus, days: float, **extra: Any) -> int:
        with new_session(self.app) as session:
            finished = status in (ImportStatus.DONE, ImportStatus.FAILED)
            job = ImportJob(
                status=status,
                filename="activities.xml",
                size=6,
                sha256="0" * 64,
                content=b"<xml/>",
                options={},
                created_by_id=self.uploader.id,
                created_at=self.ago(days + 1),
                started_at=self.ago(days + 1) if status != ImportStatus.QUEUED else None,
                finished_at=self.ago(days) if finished else None,
                **extra,
            )
            session.add(job)
            session.commit()
            return job.id

    def messages(self) -> dict[int, list[DeliveryStatus]]:
        with new_session(self.app) as session:
            found: dict[int, list[DeliveryStatus]] = {
                m: [] for m in session.scalars(sa.select(OutboxMessage.id))
            }
            for message_id, status in session.execute(
                sa.select(Delivery.message_id, Delivery.status).order_by(Delivery.id)
            ):
                found[message_id].append(status)
            return found

    def jobs(self) -> set[int]:
        with new_session(self.app) as session:
            return set(session.scalars(sa.select(ImportJob.id)))


@pytest.fixture()
def rows(purging_app: Flask, coordinator: Account) -> Rows:
    return Rows(purging_app, coordinator)


def purge_once(app: Flask) -> str:
    result = app.test_cli_runner().invoke(main, ["purge"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


D, F, C, P = (
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
    DeliveryStatus.CANCELLED,
    DeliveryStatus.PENDING,
)


def test_purge_deletes_only_what_is_finished_and_past_its_retention(
    purging_app: Flask, rows: Rows
) -> None:
    all_delivered = rows.message(40, (D, 35), (D, 35))
    one_failed = rows.message(40, (D, 35), (F, 35))  # the failure is kept 90 days
    long_failed = rows.message(100, (F, 95), (C, 95))
    old_pending = rows.message(400, (P, 400))  # never purged: it is still to be sent
    recent = rows.message(29, (D, 29))
    lone_old, lone_recent = rows.message(40), rows.message(10)  # no target had the event
    backlog = [rows.message(31, (D, 31)) for _ in range(5)]  # batches of two
    done_old = rows.job(ImportStatus.DONE, 100)
    failed_old = rows.job(ImportStatus.FAILED, 91)
    done_recent = rows.job(ImportStatus.DONE, 80)
    queued_old = rows.job(ImportStatus.QUEUED, 200)

    output = purge_once(purging_app)

    assert "Purged 10 deliveries, 8 outbox messages, 2 import jobs." in output
    assert rows.messages() == {one_failed: [F], old_pending: [P], recent: [D], lone_recent: []}
    for gone in (all_delivered, long_failed, lone_old, *backlog):
        assert gone not in rows.messages()
    # The uploaded file was the job's row (no file on disk): it is gone with it.
    assert rows.jobs() == {done_recent, queued_old}
    assert {done_old, failed_old}.isdisjoint(rows.jobs())
    assert "Purged 0 deliveries, 0 outbox messages, 0 import jobs." in purge_once(purging_app)


def test_a_worker_pass_purges(purging_app: Flask, rows: Rows) -> None:
    old = rows.message(40, (D, 35))
    recent = rows.message(5, (D, 5))
    pending = rows.message(40, (P, 40))
    done_old = rows.job(ImportStatus.DONE, 100)
    # Running for months and its runner alive (lease in the future): not finished, kept.
    running = rows.job(ImportStatus.RUNNING, 100, lease_until=utcnow() + DAY, claim_token="t")

    result = purging_app.test_cli_runner().invoke(
        main, ["worker", "--once"], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    assert rows.messages() == {recent: [D], pending: [P]}
    assert old not in rows.messages()
    assert rows.jobs() == {running} and done_old not in rows.jobs()


def test_zero_days_keeps_rows_for_ever(rows: Rows, make_app: Callable[..., Flask]) -> None:
    keeping = make_app(
        OUTBOX_RETENTION_DAYS=0, OUTBOX_FAILED_RETENTION_DAYS=0, IMPORT_JOB_RETENTION_DAYS=0
    )
    delivered = rows.message(4000, (D, 4000), (F, 4000))
    lone = rows.message(4000)
    job = rows.job(ImportStatus.DONE, 4000)

    assert "Purged 0 deliveries, 0 outbox messages, 0 import jobs." in purge_once(keeping)
    assert rows.messages() == {delivered: [D, F], lone: []}
    assert rows.jobs() == {job}


@pytest.fixture()
def make_app(database_url: str, tmp_path: Any) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        made.append(
            create_app(
                {
                    "ENV": "testing",
                    "DATABASE_URL": database_url,
                    "UPLOAD_DIR": str(tmp_path / "uploads"),
                    **config,
                }
            )
        )
        return made[-1]

    yield make
    for other in made:
        other.extensions["adam.engine"].dispose()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("OUTBOX_RETENTION_DAYS", -1),
        ("OUTBOX_FAILED_RETENTION_DAYS", "soon"),
        ("IMPORT_JOB_RETENTION_DAYS", 1.5),
        ("PURGE_BATCH_SIZE", 0),
        ("PURGE_BATCH_SIZE", 100_000),  # more ids than PostgreSQL binds in one statement
        ("PURGE_EVERY_SECONDS", 0),
    ],
)
def test_bad_retention_settings_stop_start_up(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", key: value})
