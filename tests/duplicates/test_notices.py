"""End to end: a duplicate registered through the API reaches coordinators by e-mail and webhook."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from adam import create_app
from adam.notifications import settings as notification_settings
from adam.notifications import webhooks, worker
from adam.notifications.models import Delivery, DeliveryStatus
from adam.session import new_session
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
        settings = notification_settings.of_session(session)
    report = worker.drain(lambda: new_session(mailing_app), settings)
    assert report.delivered == 2

    [mail] = smtp.mailbox.wait_for(1)
    assert mail["To"] == "coord@example.org"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert first.json["code"] in text and second.json["code"] in text
    assert f"https://adam.example.org/api/v1/alerts/{found['alert_id']}" in text

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
