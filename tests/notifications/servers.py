"""Real servers for the notification tests: an SMTP server (aiosmtpd) and an HTTP receiver.

Tests never sleep to wait for work: they wait on a condition with a deadline.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

DEADLINE = 10.0  # seconds a test waits for something that should happen at once


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._changed = threading.Condition()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):  # a mailbox that does not exist
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._changed:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = DEADLINE) -> list[EmailMessage]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} messages arrived, not {count}")
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """aiosmtpd on 127.0.0.1; with ``login`` set it demands that user name and password."""

    def __init__(self, port: int | None = None, login: tuple[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self.login = login
        self.logins: list[str] = []
        self._controller: Controller | None = None

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        user, password = data.login.decode(), data.password.decode()
        self.logins.append(user)
        # handled=False: aiosmtpd then answers 535 itself (handled=True would mean "I replied").
        return AuthResult(success=(user, password) == self.login, handled=False)

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {}
        if self.login is not None:
            # No TLS in the test: allow AUTH on the plain connection.
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1. The first ``fail_first`` requests get 500."""

    fail_first: int = 0
    hold: threading.Event | None = None
    # The first ``gate.parties`` requests wait for each other: proof they were in flight at once.
    gate: threading.Barrier | None = None
    _arrived: int = 0
    requests: list[Request] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.hold is not None:
                    receiver.hold.wait(DEADLINE)
                with receiver._changed:
                    receiver._arrived += 1
                    gated = receiver.gate is not None and receiver._arrived <= receiver.gate.parties
                if gated:
                    assert receiver.gate is not None
                    receiver.gate.wait()
                with receiver._changed:
                    failing = len(receiver.requests) < receiver.fail_first
                    status = 500 if failing else 200
                    receiver.requests.append(
                        Request(self.path, dict(self.headers.items()), body, status)
                    )
                    receiver._changed.notify_all()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"boom" if failing else b"ok")
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait_for(
        self, predicate: Callable[[list[Request]], bool], timeout: float = DEADLINE
    ) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.requests), timeout):
                raise AssertionError(f"receiver got {len(self.requests)} requests")

    @property
    def successes(self) -> list[Request]:
        return [r for r in self.requests if r.status == 200]
