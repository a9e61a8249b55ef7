"""Sending e-mail through the configured SMTP server (stdlib smtplib), one connection per batch."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from adam.notifications.outbox import Outcome
from adam.notifications.settings import NotificationSettings


class SmtpSender:
    """Opens the connection on the first message and closes it on exit."""

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None
        # Once the server cannot be reached, the rest of the batch fails at once instead of
        # waiting out one timeout per message; they are retried with the usual backoff.
        self._unreachable: Outcome | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            # The server may have gone away: then there is nothing left to close politely.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            self._connection = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        connection: smtplib.SMTP
        if s.smtp_ssl:
            connection = smtplib.SMTP_SSL(
                s.smtp_host, s.port, timeout=s.smtp_timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(s.smtp_host, s.port, timeout=s.smtp_timeout)
        try:
            if s.smtp_starttls and not s.smtp_ssl:
                connection.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                connection.login(s.smtp_username, s.smtp_password)
        except BaseException:
            connection.close()  # connected but refused: do not leak the socket
            raise
        return connection

    def send(self, message: EmailMessage) -> Outcome:
        """Send one message. 5xx refusals of the recipient are permanent; the rest retried."""
        if self._unreachable is not None:
            return self._unreachable
        if self._connection is None:
            try:
                self._connection = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                code = getattr(error, "smtp_code", None)
                self._unreachable = Outcome(
                    False, code if isinstance(code, int) else None, _describe(error)
                )
                return self._unreachable
        try:
            refused = self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            permanent = bool(codes) and all(code >= 500 for code in codes)
            return Outcome(False, codes[0] if codes else None, _describe(error), permanent)
        except smtplib.SMTPResponseException as error:
            # A refusal of the message itself (or of our login) is the server's or our
            # configuration's doing, not the message's: retry, so nothing is lost meanwhile.
            self._drop()
            return Outcome(False, error.smtp_code, _describe(error))
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome(False, None, _describe(error))
        if refused:  # only some recipients refused; we send one recipient per message
            code = next(iter(refused.values()))[0]
            return Outcome(False, code, f"refused: {refused}"[:1000], code >= 500)
        return Outcome(True, 250)

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()


def _describe(error: BaseException) -> str:
    return f"{error.__class__.__name__}: {error}"[:1000]
