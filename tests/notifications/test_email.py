"""E-mail end to end against a real SMTP server (aiosmtpd): recipients, content, outages, digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.app import create_app
from adam.notifications import emails, service, worker
from adam.notifications.models import Channel, Delivery, DeliveryStatus
from adam.notifications.settings import NotificationSettings, SettingsError
from adam.session import new_session
from tests.conftest import Account
from tests.notifications.conftest import T0, alert_payload
from tests.notifications.servers import SmtpServer, free_port

HOSTILE_TITLE = '<script>alert("x")</script> & <b>Border</b> liaison'


def _mail_settings(port: int, **changes: object) -> NotificationSettings:
    return dataclasses.replace(
        NotificationSettings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_sender="ADAM <adam@adam.example.org>",
            public_url="https://adam.example.org",
            alert_emails=("watch@example.org", "ADMIN-COPY@example.org"),
            backoff_seconds=60,
            max_attempts=5,
        ),
        **changes,
    )


def _enqueue(sessions: Callable[[], Session], settings: NotificationSettings, **kw: object) -> None:
    with sessions() as session:
        service.enqueue(
            session, event="alert.created", payload=alert_payload(**kw), settings=settings, now=T0
        )
        session.commit()


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.fixture()
def staff(make_user: Callable[..., Account]) -> dict[str, Account]:
    return {
        "coordinator": make_user("coordinator", email="coord@example.org"),
        "admin": make_user("admin", email="admin-copy@example.org"),  # also in ALERT_EMAILS
        "viewer": make_user("viewer"),
        "focal_point": make_user("focal_point", country="TJ"),
    }


def test_each_recipient_gets_one_message_with_both_projects_a_link_and_escaped_html(
    smtp: SmtpServer,
    staff: dict[str, Account],
    make_user: Callable[..., Account],
    sessions: Callable[[], Session],
    app: Flask,
) -> None:
    gone = make_user("coordinator", email="gone@example.org")
    app.test_client().patch(
        f"/api/v1/users/{gone.id}", json={"is_active": False}, headers=staff["admin"].headers
    )
    settings = _mail_settings(smtp.port)
    _enqueue(sessions, settings, title=HOSTILE_TITLE)

    report = worker.drain(sessions, settings, now=T0)

    # Active coordinators and admins, plus ALERT_EMAILS, each address once (case-blind).
    expected = {"coord@example.org", "admin-copy@example.org", "watch@example.org"}
    assert report.delivered == 3
    messages = smtp.mailbox.wait_for(3)
    assert {m["To"] for m in messages} == expected
    assert {rcpt for _, rcpts in smtp.mailbox.envelopes for rcpt in rcpts} == expected
    message = smtp.mailbox.to("coord@example.org")[0]
    assert message["From"] == "ADAM <adam@adam.example.org>"
    assert (
        message["Subject"] == "[ADAM] Possible duplicate: TJ-2026-0005 / TJ-2026-0009 (score 87.5)"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = _parts(message)
    for part in (text, html):
        assert "TJ-2026-0005" in part and "TJ-2026-0009" in part
        assert "https://adam.example.org/alerts/12" in part
        assert "https://adam.example.org/projects/9" in part
        assert "Foreign, Commonwealth" in part and "INL (us-inl)" in part
        assert "border liaison offices" in part  # the reason
    assert "Tajik-Afghan border" in text
    assert HOSTILE_TITLE[:20] in text  # plain text keeps the title as typed
    # In HTML every value is escaped: the title cannot inject markup.
    assert "<script>" not in html and "<b>Border</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Border" in html
    assert "Foreign, Commonwealth &amp; Development Office" in html
    assert '<a href="https://adam.example.org/alerts/12">' in html
    # Side by side: one table row per field, project A then project B.
    assert "<th" in html and html.index("TJ-2026-0005") < html.index("TJ-2026-0009")
    header = next(line for line in text.splitlines() if "Project A" in line)
    assert header.index("Project A") < header.index("Project B")
    code_line = next(line for line in text.splitlines() if line.startswith("Code"))
    assert code_line.index("TJ-2026-0005") < code_line.index("TJ-2026-0009")
    with sessions() as session:
        deliveries = list(session.scalars(select(Delivery)).unique())
    assert all(
        d.channel == Channel.EMAIL and d.status == DeliveryStatus.DELIVERED for d in deliveries
    )
    assert all(d.last_status_code == 250 for d in deliveries)


def test_no_smtp_host_means_no_email_is_queued(
    staff: dict[str, Account], sessions: Callable[[], Session]
) -> None:
    _enqueue(sessions, dataclasses.replace(_mail_settings(25), smtp_host=""))
    with sessions() as session:
        assert session.scalars(select(Delivery)).all() == []


def test_a_down_smtp_server_delays_the_message_but_does_not_lose_it(
    staff: dict[str, Account], sessions: Callable[[], Session]
) -> None:
    server = SmtpServer(port=free_port())  # not started yet: connections are refused
    settings = _mail_settings(server.port, alert_emails=())
    _enqueue(sessions, settings)

    down = worker.drain(sessions, settings, now=T0)

    assert down.retrying == 2 and down.delivered == 0
    with sessions() as session:
        pending = session.scalars(select(Delivery)).unique().all()
    assert {d.status for d in pending} == {DeliveryStatus.PENDING}
    assert all("ConnectionRefused" in (d.last_error or "") for d in pending)
    server.start()
    try:
        # Not due yet: the backoff holds it back even though the server is up again.
        assert worker.drain(sessions, settings, now=T0 + dt.timedelta(seconds=59)).claimed == 0
        up = worker.drain(sessions, settings, now=T0 + dt.timedelta(seconds=60))
        assert up.delivered == 2
        messages = server.mailbox.wait_for(2)
        assert {m["To"] for m in messages} == {"coord@example.org", "admin-copy@example.org"}
        assert worker.drain(sessions, settings, now=T0 + dt.timedelta(days=1)).claimed == 0
        assert len(server.mailbox.messages) == 2
    finally:
        server.stop()


def test_login_is_used_and_a_refused_login_is_retried_not_lost(
    staff: dict[str, Account], sessions: Callable[[], Session]
) -> None:
    server = SmtpServer(login=("adam", "right horse battery")).start()
    try:
        wrong = _mail_settings(
            server.port, alert_emails=(), smtp_username="adam", smtp_password="wrong"
        )
        _enqueue(sessions, wrong)
        refused = worker.drain(sessions, wrong, now=T0)
        assert refused.retrying == 2 and server.mailbox.messages == []
        with sessions() as session:
            codes = set(session.scalars(select(Delivery.last_status_code)))
        assert codes == {535}  # authentication failed: the operator's to fix, then it goes out

        right = dataclasses.replace(wrong, smtp_password="right horse battery")
        fixed = worker.drain(sessions, right, now=T0 + dt.timedelta(minutes=5))
        assert fixed.delivered == 2
        assert len(server.mailbox.wait_for(2)) == 2
        assert set(server.logins) == {"adam"}
    finally:
        server.stop()


def test_a_recipient_the_server_refuses_for_good_is_not_retried(
    smtp: SmtpServer, staff: dict[str, Account], sessions: Callable[[], Session]
) -> None:
    settings = _mail_settings(smtp.port, alert_emails=("nobody@example.org",))
    _enqueue(sessions, settings)

    report = worker.drain(sessions, settings, now=T0)

    assert report.delivered == 2 and report.failed == 1
    with sessions() as session:
        [refused] = session.scalars(
            select(Delivery).where(Delivery.recipient == "nobody@example.org")
        ).unique()
    assert refused.status == DeliveryStatus.FAILED and refused.attempts == 1
    assert refused.last_status_code == 550 and "No such user" in (refused.last_error or "")


def test_digest_mode_sends_one_message_per_recipient_for_the_alerts_due(
    smtp: SmtpServer, staff: dict[str, Account], sessions: Callable[[], Session]
) -> None:
    # batch_size 1: the digest still gathers the whole pass, not one batch.
    settings = _mail_settings(smtp.port, email_mode="digest", alert_emails=(), batch_size=1)
    _enqueue(sessions, settings)
    with sessions() as session:
        payload = alert_payload(alert_id=13)
        payload["projects"][0]["code"] = "AF-2026-0001"
        service.enqueue(session, event="alert.created", payload=payload, settings=settings, now=T0)
        session.commit()

    report = worker.drain(sessions, settings, now=T0)

    assert report.delivered == 4  # two alerts for two recipients
    messages = smtp.mailbox.wait_for(2)
    assert len(messages) == 2
    for message in messages:
        assert message["Subject"] == "[ADAM] 2 possible duplicates to review"
        text, html = _parts(message)
        for part in (text, html):
            assert "/alerts/12" in part and "/alerts/13" in part
            assert "AF-2026-0001" in part


def test_the_app_puts_its_smtp_settings_on_every_session(
    database_url: str, staff: dict[str, Account], smtp: SmtpServer
) -> None:
    configured = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "ALERT_EMAILS": "a@example.org, b@example.org",
        }
    )
    try:
        with new_session(configured) as session:
            service.enqueue(session, event="alert.created", payload=alert_payload(), now=T0)
            session.commit()
            recipients = set(session.scalars(select(Delivery.recipient)))
        assert recipients == {
            "coord@example.org",
            "admin-copy@example.org",
            "a@example.org",
            "b@example.org",
        }
    finally:
        configured.extensions["adam.engine"].dispose()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"ALERT_EMAIL_MODE": "weekly"}, "ALERT_EMAIL_MODE"),
        ({"SMTP_SSL": True, "SMTP_STARTTLS": True}, "not both"),
        ({"SMTP_PORT": "smtp"}, "SMTP_PORT"),
        ({"NOTIFY_MAX_ATTEMPTS": 0}, "NOTIFY_MAX_ATTEMPTS"),
        ({"ALERT_EMAILS": ["not an address"]}, "ALERT_EMAILS"),
        ({"PUBLIC_URL": "adam.example.org"}, "PUBLIC_URL"),
    ],
)
def test_bad_settings_are_refused_at_startup(config: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        NotificationSettings.from_config(config)


def test_a_long_description_is_cut_and_missing_fields_do_not_break_the_message() -> None:
    payload = alert_payload(description="word " * 1000)
    del payload["projects"][1]["themes"]
    rendered = emails.render("alert.created", payload, "http://127.0.0.1:5000")
    assert "…" in rendered.text and len(rendered.text) < 6000
    assert "http://127.0.0.1:5000/alerts/12" in rendered.text
    with pytest.raises(ValueError, match="No e-mail template"):
        emails.render("project.created", payload, "http://127.0.0.1:5000")
