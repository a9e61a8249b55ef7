"""CPU of a registration with and without an Idempotency-Key, in process (Flask test client).

    .venv/bin/python bench/idempotency_inprocess.py --url sqlite:////tmp/adam_idem.sqlite3
    .venv/bin/python bench/idempotency_inprocess.py --url postgresql+psycopg://postgres@127.0.0.1:5432/adam_idem

The database is made anew (dropped first) with 2,000 corpus projects; then ``--n``
registrations of fresh corpus projects alternate: one without the header, one with a new
key, and a replay of that key. Prints the process CPU time (steadier than wall time on a
shared machine) and the wall p50 of each kind, in ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import Generator, load, run_adam

from adam.app import create_app


def fresh(url: str) -> None:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=150)
    args = parser.parse_args()
    fresh(args.url)
    load(args.url, 2000)
    token = run_adam(args.url, "users", "create", "--email", "b@adam.invalid", "--role",
                     "coordinator").strip().splitlines()[-1]  # fmt: skip
    app = create_app({"DATABASE_URL": args.url, "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    gen = Generator(7)
    cpu: dict[str, list[float]] = {"no key": [], "new key": [], "replay": []}
    wall: dict[str, list[float]] = {kind: [] for kind in cpu}

    def timed(kind: str, payload: dict[str, object], headers: dict[str, str]) -> None:
        started_cpu, started = time.process_time(), time.perf_counter()
        response = client.post("/api/v1/projects", json=payload, headers=headers)
        cpu[kind].append((time.process_time() - started_cpu) * 1000)
        wall[kind].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.json

    for _ in range(args.n):
        timed("no key", gen.project().as_api_payload(), auth)
        payload, key = gen.project().as_api_payload(), str(uuid.uuid4())
        timed("new key", payload, {**auth, "Idempotency-Key": key})
        timed("replay", payload, {**auth, "Idempotency-Key": key})
    for kind in cpu:
        print(
            f"{kind:8} n={len(cpu[kind])} cpu mean {statistics.mean(cpu[kind]):.2f} ms "
            f"median {statistics.median(cpu[kind]):.2f} ms; wall p50 "
            f"{statistics.median(wall[kind]):.2f} ms"
        )
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
