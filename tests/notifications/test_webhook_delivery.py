"""Webhooks end to end: enqueue, drain against a real HTTP receiver, signature, retries, log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.notifications import outbox, service, webhooks, worker
from adam.notifications.models import Delivery, DeliveryStatus
from adam.notifications.settings import NotificationSettings
from tests.conftest import Account
from tests.notifications.conftest import T0, alert_payload, create_webhook
from tests.notifications.servers import Receiver, free_port


def _enqueue(sessions: Callable[[], Session], event: str = "alert.created", **kw: object) -> int:
    with sessions() as session:
        message = service.enqueue(session, event=event, payload=alert_payload(**kw), now=T0)
        session.commit()
        return message.id


def _deliveries(sessions: Callable[[], Session]) -> list[Delivery]:
    with sessions() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)).unique())


def test_signed_body_verifies_with_the_secret_shown_once(
    client: FlaskClient,
    coordinator: Account,
    receiver: Receiver,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    hook = create_webhook(client, coordinator, receiver.url)
    message_id = _enqueue(sessions)

    report = worker.drain(sessions, settings, now=T0)

    assert report.delivered == 1
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-adam-event"] == "alert.created"
    assert headers["x-adam-timestamp"] == str(int(T0.timestamp()))
    signature = headers["x-adam-signature"]
    assert webhooks.verify(hook["secret"], headers["x-adam-timestamp"], request.body, signature)
    assert not webhooks.verify("whsec_wrong", headers["x-adam-timestamp"], request.body, signature)
    # A receiver can check it with nothing but the standard library, as the README shows.
    import hashlib
    import hmac

    expected = hmac.new(
        hook["secret"].encode(),
        headers["x-adam-timestamp"].encode() + b"." + request.body,
        hashlib.sha256,
    ).hexdigest()
    assert signature == f"sha256={expected}"
    body = json.loads(request.body)
    assert body["event"] == "alert.created"
    assert body["message"] == message_id
    assert body["delivery"] == int(headers["x-adam-delivery"])
    assert body["data"] == alert_payload()
    [delivery] = _deliveries(sessions)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1 and delivery.last_status_code == 200
    assert delivery.delivered_at == T0 and delivery.claim_token is None


def test_receiver_failing_three_times_gets_exactly_one_success(
    client: FlaskClient,
    coordinator: Account,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    receiver = Receiver(fail_first=3).start()
    try:
        hook = create_webhook(client, coordinator, receiver.url)
        _enqueue(sessions)
        now = T0
        assert worker.drain(sessions, settings, now=now).retrying == 1
        # Backoff 10 s, 20 s, 40 s: nothing is due a second before each retry.
        for wait in (10, 20, 40):
            assert (
                worker.drain(sessions, settings, now=now + dt.timedelta(seconds=wait - 1)).claimed
                == 0
            )
            now += dt.timedelta(seconds=wait)
            worker.drain(sessions, settings, now=now)
        # Later passes find nothing more to send.
        assert worker.drain(sessions, settings, now=now + dt.timedelta(days=1)).claimed == 0

        assert [r.status for r in receiver.requests] == [500, 500, 500, 200]
        assert len(receiver.successes) == 1
        ids = {r.headers["X-ADAM-Delivery"] for r in receiver.requests}
        assert len(ids) == 1  # one delivery, retried: receivers can dedupe on it
        log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=coordinator.headers)
        [entry] = log.json["items"]
        assert entry["status"] == "delivered" and entry["attempts"] == 4
        assert entry["last_status_code"] == 200 and entry["next_attempt_at"] is None
    finally:
        receiver.stop()


def test_after_the_last_attempt_the_delivery_is_failed_and_kept_in_the_log(
    client: FlaskClient,
    coordinator: Account,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    receiver = Receiver(fail_first=100).start()
    try:
        hook = create_webhook(client, coordinator, receiver.url)
        _enqueue(sessions)
        for day in range(10):  # far more passes than attempts, each past any backoff
            worker.drain(sessions, settings, now=T0 + dt.timedelta(days=day))
        assert len(receiver.requests) == settings.max_attempts
        log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=coordinator.headers)
        [entry] = log.json["items"]
        assert entry["status"] == "failed" and entry["attempts"] == settings.max_attempts
        assert entry["last_status_code"] == 500 and "HTTP 500 boom" in entry["last_error"]
        failed = client.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries?status=failed", headers=coordinator.headers
        )
        assert failed.json["total"] == 1
    finally:
        receiver.stop()


def test_connection_refused_and_timeouts_are_retried(
    client: FlaskClient,
    coordinator: Account,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    closed_url = f"http://127.0.0.1:{free_port()}/hook"
    hold = threading.Event()  # the slow receiver answers only when the test ends
    slow = Receiver(hold=hold).start()
    try:
        create_webhook(client, coordinator, closed_url)
        create_webhook(client, coordinator, slow.url)
        _enqueue(sessions)
        fast = dataclasses.replace(settings, webhook_timeout=0.5, backoff_seconds=10)

        report = worker.drain(sessions, fast, now=T0)

        assert report.retrying == 2 and report.delivered == 0
        refused, timed_out = _deliveries(sessions)
        assert refused.status == timed_out.status == DeliveryStatus.PENDING
        assert "ConnectError" in (refused.last_error or "")
        assert (timed_out.last_error or "").startswith("timeout")
        assert refused.next_attempt_at == T0 + dt.timedelta(seconds=10)
    finally:
        slow.stop()


def test_deactivated_subscriptions_get_nothing(
    client: FlaskClient,
    coordinator: Account,
    receiver: Receiver,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    queued_before = create_webhook(client, coordinator, receiver.url)
    deactivated_first = create_webhook(client, coordinator, receiver.url + "?first")
    created_inactive = create_webhook(client, coordinator, receiver.url + "?never", active=False)
    assert (
        client.delete(
            f"/api/v1/webhooks/{deactivated_first['id']}", headers=coordinator.headers
        ).status_code
        == 204
    )
    _enqueue(sessions)  # queued for queued_before only
    client.delete(f"/api/v1/webhooks/{queued_before['id']}", headers=coordinator.headers)

    report = worker.drain(sessions, settings, now=T0)

    assert receiver.requests == []
    assert report.cancelled == 1 and report.delivered == 0
    [delivery] = _deliveries(sessions)
    assert delivery.webhook_id == queued_before["id"]
    assert delivery.status == DeliveryStatus.CANCELLED
    assert created_inactive["active"] is False


def test_only_subscribed_events_are_sent(
    client: FlaskClient,
    coordinator: Account,
    receiver: Receiver,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    create_webhook(client, coordinator, receiver.url)
    _enqueue(sessions, event="something.else")
    assert _deliveries(sessions) == []
    assert worker.drain(sessions, settings, now=T0).claimed == 0


def test_a_claim_whose_worker_died_is_taken_over_after_the_lease(
    client: FlaskClient,
    coordinator: Account,
    receiver: Receiver,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    create_webhook(client, coordinator, receiver.url)
    _enqueue(sessions)
    with sessions() as session:  # a worker claims, commits, and dies before sending
        _token, ids = outbox.claim_due(session, now=T0, lease_seconds=300, limit=10)
        session.commit()
    assert len(ids) == 1

    assert worker.drain(sessions, settings, now=T0 + dt.timedelta(seconds=299)).claimed == 0
    report = worker.drain(sessions, settings, now=T0 + dt.timedelta(seconds=300))

    assert report.delivered == 1 and len(receiver.requests) == 1


def test_the_worker_loop_delivers_in_the_background(
    client: FlaskClient,
    coordinator: Account,
    receiver: Receiver,
    sessions: Callable[[], Session],
    settings: NotificationSettings,
) -> None:
    create_webhook(client, coordinator, receiver.url)
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run, args=(sessions, settings), kwargs={"poll_interval": 0.05, "stop": stop}
    )
    thread.start()
    try:
        _enqueue(sessions)  # after the worker started: it must notice new work by itself
        receiver.wait_for(lambda requests: len(requests) == 1)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert _deliveries(sessions)[0].status == DeliveryStatus.DELIVERED


def test_a_worker_that_lost_its_lease_records_nothing(
    client: FlaskClient,
    coordinator: Account,
    sessions: Callable[[], Session],
) -> None:
    create_webhook(client, coordinator, "http://127.0.0.1:9/hook")
    _enqueue(sessions)
    with sessions() as session:
        slow_token, [delivery_id] = outbox.claim_due(session, now=T0, lease_seconds=60, limit=1)
        session.commit()
        later = T0 + dt.timedelta(seconds=61)
        new_token, taken = outbox.claim_due(session, now=later, lease_seconds=60, limit=1)
        session.commit()
        assert taken == [delivery_id]

        kept = outbox.record_outcome(
            session,
            delivery_id=delivery_id,
            token=slow_token,
            now=later,
            outcome=outbox.Outcome(True, 200),
            max_attempts=3,
            base_seconds=10,
            max_seconds=60,
        )
        session.commit()
    assert kept is False
    [delivery] = _deliveries(sessions)
    assert delivery.claim_token == new_token and delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
