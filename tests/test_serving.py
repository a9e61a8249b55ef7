"""``adam serve``: gunicorn with the shipped config, and the worker hook for the collector."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from adam import serving
from tests.notifications.servers import free_port

# Run in a process of its own: freezing this one would put off collecting its garbage to some
# later test (a connection a test left for the collector would then be blamed on that test).
HOOK_EFFECT = """
import gc, json
from adam import serving
from adam.app import create_app
create_app({"DATABASE_URL": "sqlite://"})
before = gc.get_threshold()
serving.post_worker_init(object())
print(json.dumps({"frozen": gc.get_freeze_count(), "before": before, "after": gc.get_threshold()}))
"""


def test_the_worker_hook_freezes_what_start_built_and_collects_less_often() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HOOK_EFFECT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["frozen"] > 10_000  # the modules and the app: everything alive at that point
    assert seen["after"] == [serving.YOUNG_THRESHOLD, *seen["before"][1:]]


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
    assert argv[-1] == "adam.app:create_app()"


def test_adam_serve_answers_over_http(database_url: str, tmp_path: Path) -> None:
    port = free_port()
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
