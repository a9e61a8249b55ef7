"""End to end: a registered project that likely serves an open need reaches the focal points
of the need's country by e-mail (in their language) and the webhooks subscribed to it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select, update

from adam.app import create_app
from adam.auth.models import User
from adam.notifications import webhooks, worker
from adam.session import new_session
from adam.settings import of_session
from tests.conftest import Account, project_body
from tests.coverage.conftest import BORDER_NEED
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


def test_the_focal_points_of_the_needs_country_are_mailed_and_webhooks_posted(
    mailing_app: Flask,
    make_user: Callable[..., Account],
    make_need: Callable[..., int],
    orgs: dict[str, str],
    smtp: SmtpServer,
    receiver: Receiver,
) -> None:
    coordinator = make_user("coordinator", email="coord@example.org")
    make_user("focal_point", country="TJ", email="tj-en@example.org")
    russian = make_user("focal_point", country="TJ", email="tj-ru@example.org")
    make_user("focal_point", country="AF", email="af@example.org")
    with new_session(mailing_app) as session:
        session.execute(update(User).where(User.id == russian.id).values(locale="ru"))
        session.commit()
    client = mailing_app.test_client()
    hook = create_webhook(client, coordinator, receiver.url, events=["link.suggested"])
    need_id = make_need(**BORDER_NEED)

    registered = client.post("/api/v1/projects", json=project_body(), headers=coordinator.headers)
    assert registered.status_code == 201, registered.json
    [served] = registered.json["serves"]
    assert served["id"] == need_id

    assert smtp.mailbox.messages == [] and receiver.requests == []  # queued, not sent
    with new_session(mailing_app) as session:
        settings = of_session(session).notifications
    report = worker.drain(lambda: new_session(mailing_app), settings)
    assert report.delivered == 3  # two focal points of TJ, one webhook

    mails = {m["To"]: m for m in smtp.mailbox.wait_for(2)}
    assert set(mails) == {"tj-en@example.org", "tj-ru@example.org"}  # not AF, not staff
    english = mails["tj-en@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert registered.json["code"] in english and BORDER_NEED["title"] in english
    assert "likely serves a need of your country" in english
    assert f"https://adam.example.org/api/v1/needs/{need_id}" in english
    assert "shared words:" in english
    russian_text = mails["tj-ru@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert "вероятно" in russian_text and mails["tj-ru@example.org"]["Content-Language"] == "ru"

    receiver.wait_for(lambda requests: len(requests) == 1)
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-adam-event"] == "link.suggested"
    assert webhooks.verify(
        hook["secret"], headers["x-adam-timestamp"], request.body, headers["x-adam-signature"]
    )
    data = json.loads(request.body)["data"]
    assert data["link"]["id"] == served["link_id"] and data["link"]["state"] == "suggested"
    assert data["need"]["id"] == need_id and data["need"]["country"] == "TJ"
    assert data["project"]["id"] == registered.json["id"]


def test_no_notice_when_a_project_serves_no_open_need(
    mailing_app: Flask,
    make_user: Callable[..., Account],
    make_need: Callable[..., int],
    orgs: dict[str, str],
    receiver: Receiver,
) -> None:
    from adam.notifications.models import OutboxMessage

    coordinator = make_user("coordinator")
    make_user("focal_point", country="TJ")
    client = mailing_app.test_client()
    create_webhook(client, coordinator, receiver.url, events=["link.suggested"])
    make_need(**{**BORDER_NEED, "country": "AF"})
    registered = client.post("/api/v1/projects", json=project_body(), headers=coordinator.headers)
    assert registered.status_code == 201 and registered.json["serves"] == []
    with new_session(mailing_app) as session:
        assert list(session.scalars(select(OutboxMessage.event))) == []
