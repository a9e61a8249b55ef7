"""A database from before webhook secrets were encrypted: its clear secrets are sealed by
``adam db upgrade`` (or by the first ``adam worker``) and still sign what receivers verify;
migrating back down needs them decrypted first."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask

from adam.app import create_app
from adam.cli import alembic_config, main
from adam.db import make_engine
from adam.notifications import service
from adam.notifications.models import WebhookSubscription
from adam.session import new_session
from tests.conftest import _drop_postgres_database, _postgres_database
from tests.notifications.conftest import alert_payload
from tests.notifications.servers import Receiver
from tests.notifications.test_webhook_secrets import assert_signed_with, run_worker, stored_secret

BEFORE = "c4f2a9e7d105"  # the revision before secrets were sealed
CLEAR = "whsec_stored-in-clear-by-the-release-before"


@pytest.fixture()
def old_database(backend: str) -> Iterator[str]:
    """A new database of the test's backend, migrated to ``BEFORE``, holding a webhook whose
    secret is in clear, as that release stored it."""
    with tempfile.TemporaryDirectory() as folder:
        if backend == "sqlite":
            url = f"sqlite:///{Path(folder) / 'old.sqlite3'}"
        else:
            url = _postgres_database()
        try:
            command.upgrade(alembic_config(url), BEFORE)
            engine = make_engine(url)
            now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
            with engine.begin() as conn:
                conn.execute(
                    sa.insert(WebhookSubscription.__table__).values(
                        id=1,
                        url="http://127.0.0.1:1/replaced-by-the-test",
                        events=["alert.created"],
                        description="from before",
                        secret=CLEAR,
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
            engine.dispose()
            yield url
        finally:
            if backend == "postgresql":
                _drop_postgres_database(url)


@pytest.fixture()
def old_app(old_database: str) -> Iterator[Flask]:
    application = create_app({"ENV": "testing", "DATABASE_URL": old_database})
    yield application
    application.extensions["adam.engine"].dispose()


def _point_at(app: Flask, receiver: Receiver) -> None:
    with new_session(app) as session:
        session.execute(sa.update(WebhookSubscription).values(url=receiver.url))
        service.enqueue(session, event="alert.created", payload=alert_payload())
        session.commit()


def test_db_upgrade_encrypts_clear_secrets_that_then_still_sign(
    old_app: Flask, receiver: Receiver
) -> None:
    result = old_app.test_cli_runner().invoke(main, ["db", "upgrade"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "encrypted 1 secrets stored in clear" in result.output
    stored = stored_secret(old_app, 1)
    assert stored.startswith("fernet:") and CLEAR not in stored
    _point_at(old_app, receiver)
    assert "Delivered 1," in run_worker(old_app)
    [request] = receiver.requests
    assert_signed_with(CLEAR, request)


def test_the_first_worker_encrypts_what_a_bare_migration_left_in_clear(
    old_app: Flask, old_database: str, receiver: Receiver
) -> None:
    command.upgrade(alembic_config(old_database), "head")  # alembic alone: no key, no sealing
    assert stored_secret(old_app, 1) == CLEAR
    _point_at(old_app, receiver)

    assert "Delivered 1," in run_worker(old_app)

    assert stored_secret(old_app, 1).startswith("fernet:")
    assert_signed_with(CLEAR, receiver.requests[0])


def test_migrating_down_needs_the_secrets_decrypted_first(old_app: Flask) -> None:
    runner = old_app.test_cli_runner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0

    refused = runner.invoke(main, ["db", "downgrade", BEFORE])
    assert refused.exit_code != 0
    assert "webhooks encrypt-secrets --decrypt" in str(refused.exception)

    decrypted = runner.invoke(main, ["webhooks", "encrypt-secrets", "--decrypt"])
    assert decrypted.exit_code == 0 and "1 secrets decrypted" in decrypted.output
    assert runner.invoke(main, ["db", "downgrade", BEFORE]).exit_code == 0
    assert stored_secret(old_app, 1) == CLEAR
