"""``adam worker``: the command drains the outbox with the app's configuration."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from adam.cli import main
from adam.notifications import service
from tests.conftest import Account
from tests.notifications.conftest import alert_payload, create_webhook
from tests.notifications.servers import Receiver


def test_worker_once_delivers_what_is_due_and_exits(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    receiver: Receiver,
    sessions: Callable[[], Session],
) -> None:
    hook = create_webhook(client, coordinator, receiver.url)
    with sessions() as session:
        service.enqueue(session, event="alert.created", payload=alert_payload())
        session.commit()

    result = app.test_cli_runner().invoke(main, ["worker", "--once"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "Delivered 1, retrying 0, failed 0, cancelled 0." in result.output
    assert len(receiver.requests) == 1
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=coordinator.headers)
    assert log.json["items"][0]["status"] == "delivered"


def test_worker_refuses_a_bad_poll_interval(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["worker", "--once", "--poll-interval", "0"])
    assert result.exit_code == 2 and "poll-interval" in result.output
