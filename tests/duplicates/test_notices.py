"""End to end: a duplicate registered through the API reaches coordinators by e-mail and webhook."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from adam import events
from adam.app import create_app
from adam.auth.actor import Actor
from adam.auth.models import User
from adam.db import make_engine
from adam.notifications import webhooks, worker
from adam.notifications.models import Delivery, DeliveryStatus, OutboxMessage
from adam.projects.schemas import ProjectInSchema
from adam.session import get_settings, new_session
from adam.settings import of_session, session_factory
from adam.workflows import projects as project_workflows
from tests.conftest import Account, project_body
from tests.duplicates.conftest import TWIN_TITLE
from tests.notifications.conftest import create_webhook
from tests.notifications.servers import Receiver, SmtpServer


@pytest.fixture()
def mailing_app(app: Flask, database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    """The same database, served by an app configured with a real SMTP server."""
    mailing = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "SMTP_SENDER": "adam@adam.example.org",
            "PUBLIC_URL": "https://adam.example.org",
        }
    )
    yield mailing
    mailing.extensions["adam.engine"].dispose()


def test_a_registered_duplicate_is_mailed_and_posted_once(
    mailing_app: Flask,
    make_user: Callable[..., Account],
    orgs: dict[str, str],
    smtp: SmtpServer,
    receiver: Receiver,
) -> None:
    coordinator = make_user("coordinator", email="coord@example.org")
    focal_point = make_user("focal_point", country="TJ")
    client = mailing_app.test_client()
    hook = create_webhook(client, coordinator, receiver.url)
    first = client.post("/api/v1/projects", json=project_body(), headers=focal_point.headers)
    second = client.post(
        "/api/v1/projects", json=project_body(title=TWIN_TITLE), headers=focal_point.headers
    )
    assert first.status_code == second.status_code == 201
    [found] = second.json["possible_duplicates"]
    assert found["project"]["id"] == first.json["id"]

    # Registration only queued the notices; the worker sends them.
    assert smtp.mailbox.messages == [] and receiver.requests == []
    with new_session(mailing_app) as session:
        settings = of_session(session).notifications
    report = worker.drain(lambda: new_session(mailing_app), settings)
    assert report.delivered == 2

    [mail] = smtp.mailbox.wait_for(1)
    assert mail["To"] == "coord@example.org"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert first.json["code"] in text and second.json["code"] in text
    assert f"https://adam.example.org/alerts/{found['alert_id']}" in text  # the portal page

    receiver.wait_for(lambda requests: len(requests) == 1)
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-adam-event"] == "alert.created"
    assert webhooks.verify(
        hook["secret"], headers["x-adam-timestamp"], request.body, headers["x-adam-signature"]
    )
    data = json.loads(request.body)["data"]
    assert data["alert"]["id"] == found["alert_id"]
    # The project that raised the alert comes first: it is the news.
    assert [p["id"] for p in data["projects"]] == [second.json["id"], first.json["id"]]
    with new_session(mailing_app) as session:
        statuses = [d.status for d in session.scalars(select(Delivery)).unique()]
    assert statuses == [DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED]


def _deliveries(app: Flask) -> list[tuple[str, str, str | None, int | None]]:
    with new_session(app) as session:
        rows = session.execute(
            select(OutboxMessage.event, Delivery.channel, Delivery.recipient, Delivery.webhook_id)
            .join(OutboxMessage, OutboxMessage.id == Delivery.message_id)
            .order_by(Delivery.id)
        )
        return [(event, channel.value, recipient, hook) for event, channel, recipient, hook in rows]


def test_a_workflow_called_outside_a_request_notifies_as_a_request_does(
    mailing_app: Flask,
    make_user: Callable[..., Account],
    orgs: dict[str, str],
    receiver: Receiver,
) -> None:
    """The command line and the workers call the workflows with sessions of their own: the
    alert they raise is queued for the same e-mails and webhooks as one raised by the API."""
    coordinator = make_user("coordinator", email="coord@example.org")
    focal_point = make_user("focal_point", country="TJ")
    client = mailing_app.test_client()
    create_webhook(client, coordinator, receiver.url)
    client.post("/api/v1/projects", json=project_body(), headers=focal_point.headers)
    answer = client.post(
        "/api/v1/projects", json=project_body(title=TWIN_TITLE), headers=focal_point.headers
    )
    assert answer.status_code == 201
    by_request = _deliveries(mailing_app)
    assert {channel for _, channel, _, _ in by_request} == {"email", "webhook"}

    # No app context, no request: a session as ``adam worker`` or a script would make it.
    engine = make_engine(get_settings(mailing_app).database_url)
    sessions = session_factory(engine, get_settings(mailing_app))
    try:
        with sessions() as session:
            actor = Actor.from_user(session.get(User, focal_point.id))
            data = ProjectInSchema().load(project_body(title=TWIN_TITLE + " (second phase)"))
            written = project_workflows.register(
                session, actor=actor, data=data, matcher=get_settings(mailing_app).matcher
            )
            session.commit()
    finally:
        engine.dispose()
    assert written.outcome.new_alerts
    outside = _deliveries(mailing_app)[len(by_request) :]
    per_alert = len(by_request) // len(answer.json["possible_duplicates"])
    assert sorted(outside) == sorted(by_request[:per_alert] * len(written.outcome.new_alerts))


def test_a_session_without_settings_refuses_to_publish_rather_than_drop(
    mailing_app: Flask,
) -> None:
    engine = make_engine(get_settings(mailing_app).database_url)
    try:
        with Session(engine) as bare, pytest.raises(RuntimeError, match="session_factory"):
            events.publish(bare, "alert.created", {"id": 1})
    finally:
        engine.dispose()
