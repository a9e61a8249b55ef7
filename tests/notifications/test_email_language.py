"""Alert e-mails in their recipient's language, end to end against a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from adam.auth.models import User
from adam.notifications import emails, service, worker
from tests.conftest import Account
from tests.notifications.conftest import T0, alert_payload
from tests.notifications.servers import SmtpServer
from tests.notifications.test_email import HOSTILE_TITLE, _enqueue, _mail_settings, _parts

URL = "https://adam.example.org"


def _choose(sessions: Callable[[], Session], account: Account, locale: str | None) -> None:
    with sessions() as session:
        user = session.get(User, account.id)
        assert user is not None
        user.locale = locale
        session.commit()


def test_each_recipient_reads_the_alert_in_the_language_they_chose(
    smtp: SmtpServer,
    make_user: Callable[..., Account],
    sessions: Callable[[], Session],
    app: Flask,
) -> None:
    russian = make_user("coordinator", email="ru@example.org")
    make_user("coordinator", email="plain@example.org")  # chose no language
    gone = make_user("admin", email="gone@example.org")
    settings = _mail_settings(smtp.port, alert_emails=("watch@example.org",))
    _enqueue(sessions, settings, title=HOSTILE_TITLE)
    # The language is read when the message is sent: a choice (or a deactivation) made after
    # the alert was queued counts.
    _choose(sessions, russian, "ru")
    _choose(sessions, gone, "ru")
    app.test_client().patch(
        f"/api/v1/users/{gone.id}",
        json={"is_active": False},
        headers=make_user("admin").headers,
    )

    report = worker.drain(sessions, settings, now=T0)

    assert report.failed == 0
    smtp.mailbox.wait_for(report.delivered)
    ru = smtp.mailbox.to("ru@example.org")[0]
    assert ru["Subject"] == (
        "[ADAM] Возможный дубликат: TJ-2026-0005 / TJ-2026-0009 (сходство 87.5)"
    )
    assert ru["Content-Language"] == "ru"
    text, html = _parts(ru)
    for part in (text, html):
        assert "ADAM нашла проекты" in part and "Решить оповещение можно" in part
        assert "Рассмотреть оповещение" in part and "Почему:" in part
        assert "Проект А" in part and "Проект Б" in part
        for label in ("Код", "Название", "Доноры", "Исполнители", "Сроки"):
            assert label in part
        assert "Реализация" in part  # the status, by name
        assert "2026-01-01 — без срока" in part  # dates stay ISO
        assert "Code" not in part and "Possible duplicate" not in part
        assert f"{URL}/alerts/12" in part and f"{URL}/projects/9" in part
    code_line = next(line for line in text.splitlines() if line.startswith("Код"))
    assert code_line.index("TJ-2026-0005") < code_line.index("TJ-2026-0009")
    assert '<html lang="ru">' in html and ">Ссылка<" in html
    # Markup in user data stays text in the Russian HTML part too.
    assert "<script>" not in html and "<b>Border</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Border" in html
    assert HOSTILE_TITLE[:20] in text

    # No language chosen, an address of no user, and an inactive user's address: English.
    for address in ("plain@example.org", "watch@example.org", "gone@example.org"):
        (message,) = smtp.mailbox.to(address)
        assert message["Subject"].startswith("[ADAM] Possible duplicate: TJ-2026-0005"), address
        assert message["Content-Language"] == "en"
        text, html = _parts(message)
        assert text.startswith("ADAM found projects") and "Project A" in text
        assert "Код" not in text and "<html>" in html


def test_a_russian_digest(
    smtp: SmtpServer, make_user: Callable[..., Account], sessions: Callable[[], Session]
) -> None:
    reader = make_user("coordinator", email="ru@example.org")
    _choose(sessions, reader, "ru")
    make_user("coordinator", email="en@example.org")
    settings = _mail_settings(smtp.port, email_mode="digest", alert_emails=())
    _enqueue(sessions, settings)
    with sessions() as session:
        service.enqueue(
            session,
            event="alert.created",
            payload=alert_payload(alert_id=13),
            settings=settings,
            now=T0,
        )
        session.commit()

    report = worker.drain(sessions, settings, now=T0)

    assert report.delivered == 4
    smtp.mailbox.wait_for(2)
    (ru,) = smtp.mailbox.to("ru@example.org")
    assert ru["Subject"] == "[ADAM] Возможных дубликатов на проверку: 2"
    text, html = _parts(ru)
    for part in (text, html):
        assert "/alerts/12" in part and "/alerts/13" in part and "Проект А" in part
    (en,) = smtp.mailbox.to("en@example.org")
    assert en["Subject"] == "[ADAM] 2 possible duplicates to review"


def test_english_is_the_same_text_as_before_and_unknown_languages_read_english() -> None:
    payload = alert_payload(title=HOSTILE_TITLE)
    english = emails.render("alert.created", payload, URL)
    assert emails.render("alert.created", payload, URL, "en") == english
    assert emails.render("alert.created", payload, URL, "de") == english
    assert english.subject == "[ADAM] Possible duplicate: TJ-2026-0005 / TJ-2026-0009 (score 87.5)"
    assert "Status        implementation" in english.text  # English keeps the code as sent
    assert "2026-01-01 to open" in english.text
    assert "Review the alert: https://adam.example.org/alerts/12" in english.text
    russian = emails.render("alert.created", payload, URL, "ru")
    assert russian.language == "ru" and russian.subject.startswith("[ADAM] Возможный дубликат")
    # The values line up under the column heads in Russian too.
    lines = russian.text.splitlines()
    header = next(line for line in lines if "Проект А" in line)
    code_line = next(line for line in lines if line.startswith("Код"))
    assert header.index("Проект А") == code_line.index("TJ-2026-0005")
    assert header.index("Проект Б") == code_line.index("TJ-2026-0009")
