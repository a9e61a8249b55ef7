"""The unassisted-need alert: once per need, by e-mail and webhook, past the setting's delay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from adam.app import create_app
from adam.coverage.models import LinkState
from adam.db import utcnow
from adam.gaps.alerts import alert_unassisted
from adam.needs.models import Need
from adam.notifications import webhooks, worker
from adam.notifications.models import OutboxMessage
from adam.session import get_settings, new_session
from tests.conftest import Account
from tests.gaps.conftest import World, insert_rows
from tests.notifications.conftest import create_webhook
from tests.notifications.servers import Receiver, SmtpServer


@pytest.fixture()
def mailing_app(app: Flask, database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    mailing = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "SMTP_SENDER": "adam@adam.example.org",
            "PUBLIC_URL": "https://adam.example.org",
            "GAP_ALERT_AFTER_DAYS": 30,
        }
    )
    yield mailing
    mailing.extensions["adam.engine"].dispose()


def test_a_high_priority_need_left_unassisted_is_alerted_once(
    mailing_app: Flask,
    make_user: Callable[..., Account],
    register: Callable[..., dict[str, object]],
    smtp: SmtpServer,
    receiver: Receiver,
) -> None:
    coordinator = make_user("coordinator", email="coord@example.org")
    client = mailing_app.test_client()
    hook = create_webhook(client, coordinator, receiver.url, events=["need.unassisted"])
    old = utcnow() - dt.timedelta(days=31)
    project = register(
        title="Scanner maintenance at Panj", description="Spare parts.", end_date=None
    )
    world = World(projects={"p": {**project, "_withdrawn": False}})
    world.needs = {
        "due": {
            "country": "TJ",
            "title": "Scanners for the Panj crossing",
            "priority": "high",
            "themes": ["border-control"],
            "cost": ("100000.00", "USD"),
            "created_at": old,
        },
        "recent": {
            "country": "TJ",
            "title": "Recent need",
            "priority": "high",
            "themes": ["border-control"],
            "created_at": utcnow() - dt.timedelta(days=29),
        },
        "medium": {
            "country": "TJ",
            "title": "Medium need",
            "priority": "medium",
            "themes": ["border-control"],
            "created_at": old,
        },
        "met": {
            "country": "TJ",
            "title": "Met need",
            "priority": "high",
            "themes": ["border-control"],
            "created_at": old,
            "state": "met",
        },
        "assisted": {
            "country": "TJ",
            "title": "Assisted need",
            "priority": "high",
            "themes": ["border-control"],
            "created_at": old,
        },
    }
    world.links = [("need", "assisted", "p", LinkState.CONFIRMED)]
    insert_rows(mailing_app, world)

    settings = get_settings(mailing_app)
    assert settings.gaps.alert_after_days == 30
    sessions = lambda: new_session(mailing_app)  # noqa: E731
    assert alert_unassisted(sessions, settings.gaps) == 1
    assert alert_unassisted(sessions, settings.gaps) == 0  # once per need
    with new_session(mailing_app) as session:
        alerted = {n.title: n.alerted_at is not None for n in session.scalars(select(Need))}
        events = list(session.scalars(select(OutboxMessage.event)))
    assert alerted == {
        "Scanners for the Panj crossing": True,
        "Recent need": False,
        "Medium need": False,
        "Met need": False,
        "Assisted need": False,
    }
    assert events == ["need.unassisted"]

    report = worker.drain(sessions, settings.notifications)
    # Every coordinator (this one, and the one the register fixture made) and the webhook.
    assert report.delivered == 3
    mails = smtp.mailbox.wait_for(2)
    [mail] = [m for m in mails if m["To"] == "coord@example.org"]
    assert "Scanners for the Panj crossing" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "TJ" in text and "100000.00 USD" in text
    assert f"https://adam.example.org/api/v1/needs/{world.ids['due']}" in text
    receiver.wait_for(lambda requests: len(requests) == 1)
    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-adam-event"] == "need.unassisted"
    assert webhooks.verify(
        hook["secret"], headers["x-adam-timestamp"], request.body, headers["x-adam-signature"]
    )
    data = json.loads(request.body)["data"]
    assert data["need"]["id"] == world.ids["due"] and data["need"]["priority"] == "high"

    # Later, the recent one is due too; the first is not sent again.
    later = utcnow() + dt.timedelta(days=2)
    assert alert_unassisted(sessions, settings.gaps, now=later) == 1
    worker.drain(sessions, settings.notifications, now=later)
    mails = smtp.mailbox.wait_for(4)
    assert ["Recent need" in m["Subject"] for m in mails] == [False, False, True, True]


def test_the_delay_is_a_checked_setting(database_url: str) -> None:
    from adam.settings import ConfigError

    with pytest.raises(ConfigError, match="GAP_ALERT_AFTER_DAYS"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url, "GAP_ALERT_AFTER_DAYS": 0})


def test_the_alert_reads_in_russian() -> None:
    from adam.notifications import emails

    payload = {
        "need": {
            "id": 7,
            "title": "Сканеры для Пянджа",
            "country": {"code": "TJ", "name": "Tajikistan"},
            "themes": [{"slug": "border-control", "name": "Border control"}],
            "cost": {"amount": "100000.00", "currency": "USD"},
            "days_open": 120,
            "url": "/api/v1/needs/7",
        }
    }
    rendered = emails.render("need.unassisted", payload, "https://adam.example.org", "ru")
    assert rendered.subject == "[ADAM] Приоритетная потребность без помощи, TJ: Сканеры для Пянджа"
    assert "Дней открыта: 120" in rendered.text
    assert "https://adam.example.org/api/v1/needs/7" in rendered.text
    english = emails.render("need.unassisted", payload, "https://adam.example.org")
    assert english.text.startswith("A high-priority need has stayed open")


def test_adam_worker_raises_and_sends_the_alert(
    app: Flask, coordinator: Account, receiver: Receiver
) -> None:
    from adam.cli import main

    client = app.test_client()
    create_webhook(client, coordinator, receiver.url, events=["need.unassisted"])
    world = World()
    world.needs = {
        "due": {
            "country": "AF",
            "title": "Precursor kits for Herat",
            "priority": "high",
            "themes": ["precursor-control"],
            "created_at": utcnow() - dt.timedelta(days=91),
        },
    }
    insert_rows(app, world)

    result = app.test_cli_runner().invoke(main, ["worker", "--once"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    receiver.wait_for(lambda requests: len(requests) == 1)
    data = json.loads(receiver.requests[0].body)["data"]
    assert data["need"]["title"] == "Precursor kits for Herat"
    with new_session(app) as session:
        assert session.scalar(select(Need.alerted_at)) is not None
