"""Benchmark the ADAM API on SQLite and PostgreSQL with a synthetic corpus.

    .venv/bin/python bench/run.py                      # both backends, 10k and 100k projects
    .venv/bin/python bench/run.py --backend sqlite --size 10000

For each backend and size: a fresh database, the corpus (bench/corpus.py), users made with
``adam users create``, gunicorn as ``adam serve`` runs it (2 workers x 4 threads) on
127.0.0.1, then through HTTP:

(a) GET /api/v1/projects?country=XX&theme=YY, a random route country and theme each request;
(b) GET /api/v1/stats/projects?by=country,theme;
(c) POST /api/v1/projects from 4 concurrent clients (threads, one connection each).

Prints a markdown table and writes bench/out/<backend>-<size>.json and bench/out/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import COUNTRIES, ROUTE_COUNTRIES, THEME_WEIGHTS, Generator, load, run_adam

from adam import serving

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
DB_PREFIX = "adam_bench"
# The four registering clients: a coordinator and focal points of three route countries.
FOCAL_COUNTRIES = ("TJ", "AF", "KG")
TARGETS = {"list_p95_ms": 30.0, "stats_ms": 200.0}


# --- Databases ---


def fresh_database(backend: str, size: int, workdir: Path, prefix: str = DB_PREFIX) -> str:
    """Drop and create this run's own database; return its URL."""
    if not prefix.replace("_", "").isalnum() or prefix.startswith("adam_test"):
        raise SystemExit(f"--db-prefix {prefix!r}: letters, digits and _ only, not adam_test*")
    name = f"{prefix}_{size}"
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


def create_users(url: str) -> list[tuple[str, str]]:
    """A coordinator and three country focal points; returns (label, token) pairs."""
    users = [("coordinator", ["--role", "coordinator"])]
    users += [
        (f"focal_point:{c}", ["--role", "focal_point", "--country", c]) for c in FOCAL_COUNTRIES
    ]
    tokens = []
    for label, options in users:
        email = f"bench-{label.replace(':', '-').lower()}@adam.invalid"
        output = run_adam(url, "users", "create", "--email", email, *options)
        tokens.append((label, output.strip().splitlines()[-1].strip()))
    return tokens


# --- Server ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    url: str, log: Path, workers: int = 2, threads: int = 4, deadline_s: float = 60
) -> Iterator[str]:
    """Start gunicorn on a free local port, wait for /healthz, and always stop it."""
    port = free_port()
    # A few tokens send thousands of requests a minute here: the API's budget per account
    # (API_RATE_LIMIT) would answer most of them 429 and time the refusals.
    env = {
        **os.environ,
        "ADAM_DATABASE_URL": url,
        "ADAM_LOG_LEVEL": "WARNING",
        "ADAM_API_RATE_LIMIT": os.environ.get("ADAM_API_RATE_LIMIT", ""),
    }
    # What `adam serve` runs (its worker class, threads and hooks), so the figures are the
    # shipped server's.
    command = serving.gunicorn_argv("127.0.0.1", port, workers, threads)
    with log.open("w") as handle:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + deadline_s
        with httpx.Client(base_url=base, timeout=2) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn not healthy after {deadline_s}s; see {log}")
                time.sleep(0.05)  # poll interval inside the deadline loop
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the gunicorn master (it stops its workers); SIGKILL its group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group we created for it, nothing else
            process.wait(timeout=10)


# --- Measuring ---


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
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
        "p50_ms": round(percentile(latencies_ms, 50), 2),
        "p95_ms": round(percentile(latencies_ms, 95), 2),
        "p99_ms": round(percentile(latencies_ms, 99), 2),
        "max_ms": round(max(latencies_ms), 2) if latencies_ms else float("nan"),
        "mean_ms": round(sum(latencies_ms) / len(latencies_ms), 2) if latencies_ms else 0,
    }


def timed_gets(
    client: httpx.Client, paths: list[str], warmup: int
) -> tuple[list[float], Counter[int], list[int]]:
    latencies, statuses, totals = [], Counter[int](), []
    for index, path in enumerate(paths):
        started = time.perf_counter()
        response = client.get(path)
        body = response.content
        elapsed = (time.perf_counter() - started) * 1000
        if index < warmup:
            continue
        statuses[response.status_code] += 1
        latencies.append(elapsed)
        if response.status_code == 200:
            data = json.loads(body)
            totals.append(data.get("total", data.get("total_projects", 0)))
    return latencies, statuses, totals


def bench_list(base: str, token: str, rng: random.Random, n: int, warmup: int) -> dict[str, Any]:
    themes = list(THEME_WEIGHTS)
    paths = [
        f"/api/v1/projects?country={rng.choice(ROUTE_COUNTRIES)}&theme={rng.choice(themes)}"
        for _ in range(warmup + n)
    ]
    with httpx.Client(base_url=base, headers=_auth(token), timeout=60) as client:
        latencies, statuses, totals = timed_gets(client, paths, warmup)
    return {
        **summary(latencies),
        "statuses": dict(statuses),
        "matches_median": int(percentile([float(t) for t in totals], 50)) if totals else 0,
    }


def bench_stats(base: str, token: str, n: int, warmup: int) -> dict[str, Any]:
    paths = ["/api/v1/stats/projects?by=country,theme"] * (warmup + n)
    with httpx.Client(base_url=base, headers=_auth(token), timeout=120) as client:
        latencies, statuses, _ = timed_gets(client, paths, warmup)
    return {**summary(latencies), "statuses": dict(statuses)}


def warm_up_registrations(base: str, tokens: list[tuple[str, str]], each: int, seed: int) -> int:
    """A few unmeasured registrations per client, so both workers have compiled the write path."""
    failures = 0
    for index, (label, token) in enumerate(tokens):
        gen = Generator(seed + 500 + index)
        country = label.split(":")[1] if ":" in label else None
        with httpx.Client(base_url=base, headers=_auth(token), timeout=60) as client:
            for _ in range(each):
                payload = gen.project(first_country=country).as_api_payload()
                failures += client.post("/api/v1/projects", json=payload).status_code != 201
    return failures


def bench_registrations(
    base: str, tokens: list[tuple[str, str]], seconds: float, limit: int, seed: int
) -> dict[str, Any]:
    """Each client (own thread, own connection) POSTs realistic projects until time or count."""
    lock = threading.Lock()
    claimed = 0
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []

    def client_loop(index: int, label: str, token: str, deadline: float) -> None:
        nonlocal claimed
        gen = Generator(seed + 1000 + index)
        country = label.split(":")[1] if ":" in label else None
        with httpx.Client(base_url=base, headers=_auth(token), timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    if claimed >= limit:
                        return
                    claimed += 1
                payload = gen.project(first_country=country).as_api_payload()
                started = time.perf_counter()
                try:
                    response = client.post("/api/v1/projects", json=payload)
                    status, text = response.status_code, response.text
                except httpx.HTTPError as error:  # count it, keep going until the deadline
                    status, text = 0, repr(error)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[status] += 1
                    if status != 201 and len(errors) < 5:
                        errors.append(f"{status}: {text[:300]}")

    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(target=client_loop, args=(i, label, token, deadline), daemon=True)
        for i, (label, token) in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    wall = time.perf_counter() - started
    created = statuses.get(201, 0)
    return {
        **summary(latencies),
        "clients": len(tokens),
        "wall_s": round(wall, 2),
        "created": created,
        "per_second": round(created / wall, 1) if wall else 0,
        "errors": sum(n for s, n in statuses.items() if s != 201),
        "statuses": dict(statuses),
        "error_samples": errors,
    }


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


# --- Orchestration ---


def run_one(backend: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    print(f"== {backend} {size}: creating database and loading corpus", flush=True)
    url = fresh_database(backend, size, Path(args.workdir), args.db_prefix)
    report = load(url, size, seed=args.seed)
    print(f"   loaded in {sum(report.seconds.values()):.1f}s {report.seconds}", flush=True)
    tokens = create_users(url)
    rng = random.Random(args.seed)
    log = OUT / f"gunicorn-{backend}-{size}.log"
    result: dict[str, Any] = {
        "backend": backend,
        "size": size,
        "load": {"links": report.links, "seconds": report.seconds},
    }
    result["loadavg_before"] = os.getloadavg()
    with gunicorn(url, log, workers=args.workers) as base:
        print("   (a) list by country and theme", flush=True)
        result["list"] = bench_list(base, tokens[0][1], rng, args.list_requests, args.warmup)
        print(f"       {result['list']}", flush=True)
        print("   (b) stats by=country,theme", flush=True)
        result["stats"] = bench_stats(base, tokens[0][1], args.stats_requests, 3)
        print(f"       {result['stats']}", flush=True)
        print("   (c) registrations, 4 clients", flush=True)
        warm_failures = warm_up_registrations(base, tokens, 5, args.seed)
        result["register"] = bench_registrations(
            base, tokens, args.register_seconds, args.register_limit, args.seed
        )
        result["register"]["warmup_failures"] = warm_failures
        print(f"       {result['register']}", flush=True)
    result["loadavg_after"] = os.getloadavg()
    (OUT / f"{backend}-{size}.json").write_text(json.dumps(result, indent=2, default=str))
    return result


def git_revision() -> str:
    """The commit measured, with "+dirty" when adam/ or wsgi.py differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--", "adam", "wsgi.py")
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | projects | list p50 | list p95 | list p99 | stats p50 | stats p95 "
        "| reg/s (4 clients) | reg p50 | reg p95 | reg errors | load 1m |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        li, st, rg = r["list"], r["stats"], r["register"]
        lines.append(
            f"| {r['backend']} | {r['size']:,} | {li['p50_ms']:.1f} | {li['p95_ms']:.1f} "
            f"| {li['p99_ms']:.1f} | {st['p50_ms']:.0f} | {st['p95_ms']:.0f} "
            f"| {rg['per_second']:.1f} | {rg['p50_ms']:.0f} | {rg['p95_ms']:.0f} "
            f"| {rg['errors']} / {rg['n']} | {r['loadavg_before'][0]:.1f} |"
        )
    return "\n".join(lines) + (
        "\n\nLatencies in ms, measured by the client over HTTP on 127.0.0.1; "
        "load 1m is the load average when the server started (2+ means other work competed)."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--size", action="append", type=int)
    parser.add_argument("--workdir", default="/tmp/adam_bench", help="where SQLite files go")
    parser.add_argument(
        "--db-prefix",
        default=DB_PREFIX,
        help="names of the databases (PostgreSQL) and files (SQLite): PREFIX_SIZE; "
        "give another one to run beside someone else's benchmark",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--list-requests", type=int, default=300)
    parser.add_argument("--stats-requests", type=int, default=30)
    parser.add_argument("--register-seconds", type=float, default=10.0)
    parser.add_argument("--register-limit", type=int, default=400)
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", "postgresql"]
    sizes = args.size or [10000, 100000]
    OUT.mkdir(parents=True, exist_ok=True)
    results = [run_one(b, s, args) for b in backends for s in sizes]
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "revision": git_revision(),
        "targets": TARGETS,
        "route_countries": ROUTE_COUNTRIES,
        "countries": [c.code for c in COUNTRIES],
    }
    (OUT / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print()
    print(table(results))


if __name__ == "__main__":
    main()
