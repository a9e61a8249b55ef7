"""Several workers at once: each delivery is claimed by one worker and sent once (both backends)."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.notifications import outbox, service, worker
from adam.notifications.models import Delivery, DeliveryStatus
from adam.notifications.settings import NotificationSettings
from tests.conftest import Account
from tests.notifications.conftest import T0, alert_payload, create_webhook
from tests.notifications.servers import DEADLINE, Receiver


def _enqueue_many(sessions: Callable[[], Session], count: int) -> None:
    with sessions() as session:
        for n in range(count):
            service.enqueue(session, event="alert.created", payload=alert_payload(n + 1), now=T0)
        session.commit()


def test_two_claims_never_share_a_delivery(
    client: FlaskClient,
    coordinator: Account,
    sessions: Callable[[], Session],
    backend: str,
) -> None:
    create_webhook(client, coordinator, "http://127.0.0.1:9/hook")
    _enqueue_many(sessions, 6)
    first, second = sessions(), sessions()
    try:
        _, mine = outbox.claim_due(first, now=T0, lease_seconds=60, limit=3)
        if backend == "sqlite":
            first.commit()  # SQLite has one writer: the second claim would wait for this one
        # On PostgreSQL the first claim is still uncommitted: SKIP LOCKED passes its rows by.
        _, theirs = outbox.claim_due(second, now=T0, lease_seconds=60, limit=10)
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()
    assert len(mine) == 3 and len(theirs) == 3
    assert set(mine).isdisjoint(theirs)
    with sessions() as session:
        _, nothing_left = outbox.claim_due(session, now=T0, lease_seconds=60, limit=10)
        session.commit()
    assert nothing_left == []


def test_two_workers_draining_at_once_send_each_notice_once(
    client: FlaskClient,
    coordinator: Account,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    # The first two requests wait for each other, so both workers must be sending at once.
    receiver = Receiver(gate=threading.Barrier(2, timeout=DEADLINE)).start()
    try:
        create_webhook(client, coordinator, receiver.url + "?first")
        create_webhook(client, coordinator, receiver.url + "?second")
        _enqueue_many(sessions, 20)  # 40 deliveries
        small_batches = dataclasses.replace(settings, batch_size=3)
        start = threading.Barrier(2, timeout=DEADLINE)
        reports: list[worker.DrainReport] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                start.wait()
                reports.append(worker.drain(sessions, small_batches, now=T0))
            except BaseException as error:  # surfaced below: a thread's failure is the test's
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DEADLINE * 3)
        assert not errors, errors
        assert not any(thread.is_alive() for thread in threads)

        sent = Counter(r.headers["X-ADAM-Delivery"] for r in receiver.requests)
        assert len(sent) == 40 and set(sent.values()) == {1}
        assert sum(r.delivered for r in reports) == 40
        assert all(r.claimed > 0 for r in reports)
        with sessions() as session:
            statuses = Counter(session.scalars(select(Delivery.status)))
        assert statuses == {DeliveryStatus.DELIVERED: 40}
    finally:
        receiver.stop()
