"""``adam serve``: gunicorn with the shipped config, and the worker hook for the collector."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adam import serving


@pytest.fixture()
def collector_state() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_worker_hook_freezes_what_start_built_and_collects_less_often(
    collector_state: None,
) -> None:
    gc.unfreeze()
    older = gc.get_threshold()[1:]
    serving.post_worker_init(object())
    assert gc.get_freeze_count() > 1000  # the modules, the app: everything alive so far
    assert gc.get_threshold() == (serving.YOUNG_THRESHOLD, *older)


def test_the_command_line_loads_the_hooks_and_serves_the_app() -> None:
    argv = serving.gunicorn_argv("127.0.0.1", 8123, workers=3, threads=5)
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    options = dict(zip(argv[3:-1:2], argv[4:-1:2], strict=True))
    assert options == {
        "--config": "python:adam.serving",
        "--bind": "127.0.0.1:8123",
        "--worker-class": "gthread",
        "--threads": "5",
        "--workers": "3",
    }
    assert argv[-1] == "adam:create_app()"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_adam_serve_answers_over_http(database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    adam = Path(sys.executable).parent / "adam"
    env = {**os.environ, "ADAM_DATABASE_URL": database_url, "ADAM_LOG_LEVEL": "WARNING"}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(adam), "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        answer = None
        while answer is None:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=2)
            except httpx.TransportError:
                assert time.monotonic() < deadline, "adam serve did not answer within 60 s"
                time.sleep(0.05)  # poll interval inside the deadline loop
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok", "database": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
