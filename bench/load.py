"""Concurrent clients registering and reading against ``adam serve`` with its defaults.

    .venv/bin/python bench/load.py                                  # sqlite + postgresql, 50 + 100
    .venv/bin/python bench/load.py --server-dir /work/main --label before
    .venv/bin/python bench/load.py --backend postgresql --clients 100 --seconds 30

For each backend and client count: a fresh database holding a small corpus (bench/corpus.py of
the server's own tree, so its migrations are the server's), four users (a coordinator and three
focal points), then ``adam serve`` started from ``--server-dir`` exactly as an operator starts it
(no options: 2 gthread workers x 4 threads on 127.0.0.1:PORT). Each client is a thread with its
own connection that repeats, until the time is up: register a project (``POST /projects`` with
an ``Idempotency-Key``), read it back (``GET /projects/{id}``), list a page of projects of a
route country. Any answer other than the expected 201/200, and any lost connection, is an error.

Prints one markdown row per run and writes bench/out/load-<label>-<backend>-<clients>.json.
The clients run on the same 2 cores as the server, so the figures include their own cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ROUTE_COUNTRIES, Generator

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
FOCAL_COUNTRIES = ("TJ", "AF", "KG")
# Payloads per user: more than 60 s of registrations at any rate seen on 2 cores.
POOL = 6000


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies_ms),
        "p50_ms": round(percentile(latencies_ms, 50), 1),
        "p95_ms": round(percentile(latencies_ms, 95), 1),
        "max_ms": round(max(latencies_ms), 1) if latencies_ms else float("nan"),
    }


def fresh_database(backend: str, name: str, workdir: Path) -> str:
    if backend == "sqlite":
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def drop_database(backend: str, url: str) -> None:
    if backend == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def server_env(server_dir: Path, url: str) -> dict[str, str]:
    # The server's tree first on the path: the shared venv's editable install points at main.
    return {
        **os.environ,
        "PYTHONPATH": str(server_dir),
        "ADAM_DATABASE_URL": url,
        "ADAM_LOG_LEVEL": "WARNING",
    }


def prepare(server_dir: Path, url: str, corpus: int) -> list[tuple[str, str]]:
    """Schema, reference data and a corpus by the server's own code; returns (label, token)."""
    env = server_env(server_dir, url)
    python = str(server_dir / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "bench/corpus.py", "--url", url, "--size", str(corpus)],
        cwd=server_dir, env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    users = [("coordinator", ["--role", "coordinator"])]
    users += [(f"focal:{c}", ["--role", "focal_point", "--country", c]) for c in FOCAL_COUNTRIES]
    tokens = []
    for label, options in users:
        email = f"load-{label.replace(':', '-').lower()}@adam.invalid"
        done = subprocess.run(
            [python, "-c", "from adam.cli import main; main()", "users", "create",
             "--email", email, *options],
            cwd=server_dir, env=env, check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        tokens.append((label, done.stdout.strip().splitlines()[-1].strip()))
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def adam_serve(server_dir: Path, url: str, log: Path, deadline_s: float = 60) -> Iterator[str]:
    """``adam serve`` with its defaults but a free port; waits for /healthz, always stops it."""
    port = free_port()
    command = [str(server_dir / ".venv" / "bin" / "adam"), "serve", "--port", str(port)]
    with log.open("w") as handle:
        process = subprocess.Popen(
            command, cwd=server_dir, env=server_env(server_dir, url), stdout=handle,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + deadline_s
        with httpx.Client(base_url=base, timeout=2) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"adam serve exited with {process.returncode}; see {log}")
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"adam serve not healthy after {deadline_s}s; see {log}")
                time.sleep(0.05)  # poll interval inside the deadline loop
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group made for it, nothing else
                process.wait(timeout=10)


def run_clients(
    base: str, tokens: list[tuple[str, str]], clients: int, seconds: float, seed: int
) -> dict[str, Any]:
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {"register": [], "read": [], "list": []}
    statuses: Counter[str] = Counter()
    samples: list[str] = []
    # Drawn before the clock starts: building a Generator takes over a second of CPU, and a
    # hundred of them would hold the GIL the clients need. One pool per user, since a focal
    # point registers in its own country; each payload is registered once.
    pools = {
        label: iter(
            [gen.project(first_country=label.partition(":")[2] or None).as_api_payload()
             for gen in [Generator(seed + n)] for _ in range(POOL)]
        )
        for n, (label, _) in enumerate(tokens)
    }  # fmt: skip

    def one(
        client: httpx.Client, kind: str, method: str, path: str, expected: int, **kw: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = client.request(method, path, **kw)
            status, text = response.status_code, response.text
        except httpx.HTTPError as error:  # counted as an error; the client goes on
            response, status, text = None, 0, repr(error)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies[kind].append(elapsed)
            statuses[f"{kind} {status}"] += 1
            if status != expected and len(samples) < 8:
                samples.append(f"{kind} {status}: {text[:200]}")
        return response if status == expected else None

    def loop(index: int, deadline: float) -> None:
        label, token = tokens[index % len(tokens)]
        country = label.split(":")[1] if ":" in label else None
        rng = random.Random(seed + index)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    payload = next(pools[label])
                created = one(
                    client, "register", "POST", "/api/v1/projects", 201, json=payload,
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )  # fmt: skip
                if created is not None:
                    one(client, "read", "GET", created.headers["Location"], 200)
                listed = country or rng.choice(ROUTE_COUNTRIES)
                one(client, "list", "GET", f"/api/v1/projects?country={listed}&per_page=20", 200)

    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(target=loop, args=(i, deadline), daemon=True) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    wall = time.perf_counter() - started
    every = [value for values in latencies.values() for value in values]
    # Every expected answer is a 200 or a 201; a 429 is the request budget of an account
    # (API_RATE_LIMIT, per account: the clients share four) doing its work, counted apart.
    limited = sum(n for key, n in statuses.items() if key.split()[1] == "429")
    errors = sum(n for key, n in statuses.items() if key.split()[1] not in ("200", "201", "429"))
    return {
        "clients": clients,
        "wall_s": round(wall, 1),
        "requests": len(every),
        "per_second": round(len(every) / wall, 1),
        "registered_per_second": round(statuses["register 201"] / wall, 1),
        "errors": errors,
        "limited": limited,
        "all": summary(every),
        **{kind: summary(values) for kind, values in latencies.items()},
        "statuses": dict(statuses),
        "error_samples": samples,
    }


def row(label: str, backend: str, r: dict[str, Any], load: float) -> str:
    a, g = r["all"], r["register"]
    return (
        f"| {label} | {backend} | {r['clients']} | {r['requests']} | {r['per_second']} "
        f"| {r['registered_per_second']} | {r['errors']} | {r.get('limited', 0)} "
        f"| {a['p50_ms']} / {a['p95_ms']} / {a['max_ms']} "
        f"| {g['p50_ms']} / {g['p95_ms']} / {g['max_ms']} | {load:.1f} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-dir", type=Path, default=REPO, help="tree whose adam serves")
    parser.add_argument("--label", default="", help="name of the run (e.g. before, after)")
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--clients", action="append", type=int)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--corpus", type=int, default=2000, help="projects loaded first")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/adam_load"))
    parser.add_argument("--db-prefix", default="adam_load")
    args = parser.parse_args(argv)
    if not args.db_prefix.replace("_", "").isalnum() or args.db_prefix.startswith("adam_test"):
        raise SystemExit("--db-prefix: letters, digits and _ only, not adam_test*")
    server_dir = args.server_dir.resolve()
    label = args.label or server_dir.name
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for backend in args.backend or ["sqlite", "postgresql"]:
        for clients in args.clients or [50, 100]:
            name = f"{args.db_prefix}_{backend}_{clients}"
            url = fresh_database(backend, name, args.workdir)
            tokens = prepare(server_dir, url, args.corpus)
            load = os.getloadavg()[0]
            log = OUT / f"load-{label}-{backend}-{clients}.log"
            print(f"== {label} {backend} {clients} clients, load {load:.1f}", flush=True)
            with adam_serve(server_dir, url, log) as base:
                result = run_clients(base, tokens, clients, args.seconds, args.seed)
            result.update(
                backend=backend,
                label=label,
                server_dir=str(server_dir),
                load_1m_before=load,
                load_1m_after=os.getloadavg()[0],
                date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            )
            print(json.dumps(result), flush=True)
            out = OUT / f"load-{label}-{backend}-{clients}.json"
            out.write_text(json.dumps(result, indent=2))
            rows.append(row(label, backend, result, load))
            drop_database(backend, url)
    print()
    print(
        "| tree | backend | clients | requests | req/s | registrations/s | errors | 429 "
        "| all p50 / p95 / max (ms) | register p50 / p95 / max (ms) | load 1m |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
