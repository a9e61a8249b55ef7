"""``adam serve`` as a real subprocess, for the tests that need real workers (a kill, a limit
shared between them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.notifications.servers import free_port


@contextmanager
def adam_serve(
    database_url: str, log: Path, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``adam serve --port P *args`` on ``database_url``, wait until /healthz answers,
    yield its base URL and process, and stop it (its process group, if SIGTERM is not enough)."""
    port = free_port()
    adam = Path(sys.executable).parent / "adam"
    environment = {
        **os.environ,
        "ADAM_DATABASE_URL": database_url,
        "ADAM_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    with log.open("w") as handle:
        process = subprocess.Popen(
            [str(adam), "serve", "--port", str(port), *args],
            env=environment, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "adam serve did not answer within 60 s"
            time.sleep(0.05)  # poll interval inside the deadline loop
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group made for it, nothing else
            process.wait(timeout=10)
