"""A gunicorn worker of ``adam serve`` killed during 50 concurrent registrations: clients that
retry with their Idempotency-Key end with exactly one whole project per request."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from flask import Flask

from adam.projects.models import (
    Project,
    ProjectHistory,
    ProjectOrganization,
    project_country,
    project_theme,
)
from adam.session import new_session
from tests.adam_server import adam_serve
from tests.conftest import Account, project_body

CLIENTS = 50
REQUESTS = 400
KILL_AFTER = 120  # registrations answered before one worker is killed
DEADLINE_SECONDS = 150.0
# Titles drawn from these, so that the duplicate check does its usual work, not more.
WORD_LINES = (
    "border liaison office training equipment canine unit precursor chemicals laboratory",
    "forensic customs mobile interdiction team port container control programme airport",
    "judicial cooperation prosecutors financial intelligence money laundering prevention",
    "treatment rehabilitation alternative livelihoods farmers orchards research survey",
    "corruption integrity community policing youth outreach",
)
WORDS = tuple(word for line in WORD_LINES for word in line.split())
COUNTRIES = ("TJ", "AF", "KG", "UZ", "TM", "IR", "PK", "KZ")
THEMES = ("border-control", "law-enforcement", "precursor-control", "forensics", "research")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command may hold spaces and parentheses; the fields after its last ")" do not.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@contextmanager
def two_workers(database_url: str, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``adam serve`` as an operator starts it (its default workers and threads), once both
    of gunicorn's workers run."""
    with adam_serve(database_url, log) as (base, process):
        deadline = time.monotonic() + 60
        while len(_children(process.pid)) < 2:
            assert time.monotonic() < deadline, "gunicorn did not start its two workers"
            time.sleep(0.05)  # poll interval inside the deadline loop
        yield base, process


def _body(rng: random.Random, number: int) -> dict[str, Any]:
    return project_body(
        title=f"{' '.join(rng.sample(WORDS, 6)).capitalize()} (request {number})",
        description=" ".join(rng.sample(WORDS, 12)),
        countries=rng.sample(COUNTRIES, 2),
        themes=rng.sample(THEMES, 2),
    )


def test_killing_a_worker_mid_way_loses_and_doubles_nothing(
    app: Flask,
    database_url: str,
    coordinator: Account,
    orgs: dict[str, str],
    tmp_path: Path,
) -> None:
    lock = threading.Lock()
    answered = threading.Event()
    created: dict[int, int] = {}  # request number -> project id
    tries: Counter[str] = Counter()
    failures: list[str] = []
    numbers = iter(range(REQUESTS))
    rng = random.Random(17)
    bodies = [_body(rng, n) for n in range(REQUESTS)]
    deadline = time.monotonic() + DEADLINE_SECONDS

    def register(client: httpx.Client, number: int) -> None:
        key = str(uuid.uuid4())
        while time.monotonic() < deadline:
            try:
                response = client.post(
                    "/api/v1/projects",
                    json=bodies[number],
                    headers={**coordinator.headers, "Idempotency-Key": key},
                )
            except httpx.TransportError:  # the connection was lost: was it saved? Ask again.
                with lock:
                    tries["connection lost"] += 1
                continue
            if response.status_code >= 500 or response.status_code == 409:
                with lock:  # 409: the first try is still being answered (or rolled back)
                    tries[f"status {response.status_code}"] += 1
                time.sleep(0.05)  # a client's pause before it retries
                continue
            with lock:
                if response.status_code != 201:
                    failures.append(f"{number}: {response.status_code} {response.text[:200]}")
                else:
                    tries[
                        "replayed" if "Idempotent-Replayed" in response.headers else "created"
                    ] += 1
                    created[number] = response.json()["id"]
                    if len(created) >= KILL_AFTER:
                        answered.set()
            return
        with lock:
            failures.append(f"{number}: no answer before the deadline")

    def client_loop() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                register(client, number)

    log = tmp_path / "serve.log"
    with two_workers(database_url, log) as (base, server):
        workers = _children(server.pid)
        threads = [threading.Thread(target=client_loop) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        assert answered.wait(timeout=DEADLINE_SECONDS), failures or log.read_text()[-2000:]
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        # The service answers again within seconds: the other worker at once, and gunicorn
        # starts a worker in place of the dead one.
        while len(_children(server.pid) - {victim}) < 2:
            assert time.monotonic() - killed_at < 30, "no new worker within 30 s"
            time.sleep(0.05)  # poll interval inside the deadline loop
        respawned_after = time.monotonic() - killed_at
        # Asked while 50 clients keep both workers busy: it waits its turn behind them.
        health = httpx.get(f"{base}/healthz", timeout=30)
        answered_after = time.monotonic() - killed_at
        for thread in threads:
            thread.join(timeout=DEADLINE_SECONDS)
        finished_after = time.monotonic() - killed_at

    print(
        f"\nkill test ({database_url.split(':')[0]}): {dict(tries)}; new worker after "
        f"{respawned_after:.2f} s; /healthz answered {answered_after:.2f} s after the kill; "
        f"all answered {finished_after:.1f} s after it"
    )
    assert health.status_code == 200 and answered_after < 30
    assert not failures, failures[:5]
    assert sorted(created) == list(range(REQUESTS))
    # The kill did cut requests off (else this test proved nothing), and their retries got
    # the stored answer or created the project once.
    assert tries["connection lost"] + tries["status 502"] + tries["status 503"] >= 1, tries
    assert tries["created"] + tries["replayed"] == REQUESTS

    with new_session(app) as session:
        projects = session.execute(sa.select(Project.id, Project.title)).all()
        assert len(projects) == REQUESTS
        assert {project_id for project_id, _ in projects} == set(created.values())
        titles = Counter(title for _, title in projects)
        assert titles.most_common(1)[0][1] == 1
        for project_id, title in projects:
            number = int(title.rsplit("request ", 1)[1].rstrip(")"))
            assert created[number] == project_id

        def per_project(select: Callable[[], Any]) -> Counter[int]:
            return Counter(session.scalars(select()).all())

        countries = per_project(lambda: sa.select(project_country.c.project_id))
        themes = per_project(lambda: sa.select(project_theme.c.project_id))
        organisations = per_project(lambda: sa.select(ProjectOrganization.project_id))
        history = per_project(lambda: sa.select(ProjectHistory.project_id))
        for project_id in created.values():
            assert countries[project_id] == 2
            assert themes[project_id] == 2
            assert organisations[project_id] == 2  # a donor and an implementer
            assert history[project_id] == 1
