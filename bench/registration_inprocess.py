"""Where a registration's time goes, in process: wall, statements, database time, CPU.

    .venv/bin/python bench/registration_inprocess.py \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/adam_match_100000 [--n 150] [--profile]
        [--dry-run]   # or --url sqlite:////tmp/adam_match/adam_match_10000.sqlite3

Takes a corpus built by ``matching.py`` (its size read from the database name), removes what
earlier runs registered, and registers ``--n`` fresh projects through the Flask test client
(the whole request, no HTTP server): wall p50/p95, statements per registration with the time
each took at the driver, and CPU per registration in this process and in the PostgreSQL
backend (``/proc``). CPU time moves less than wall time on a shared machine, so it is what to
compare two revisions by; ``--profile`` adds cProfile's cumulative list. ``--dry-run`` first
sends each payload to ``POST /api/v1/duplicates/check`` (which writes nothing) and then
registers it, and prints the dry run's wall p50/p95 beside the registration's (the CPU
figures then include the dry runs').
"""

from __future__ import annotations

import argparse
import cProfile
import glob
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
import matching

from adam.app import create_app
from adam.session import get_engine


def postgres_cpu_ms(database: str) -> int:
    """CPU spent so far by the PostgreSQL backends connected to ``database``."""
    total = 0
    for folder in glob.glob("/proc/[0-9]*"):
        try:
            command = Path(folder, "cmdline").read_bytes()
            if not command.startswith(b"postgres: ") or database.encode() not in command:
                continue
            fields = Path(folder, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in 1/100 s
    return total * 10


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[int(share * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime")
    parser.add_argument("--only", default="", help="profile lines whose path matches, e.g. adam/")
    parser.add_argument("--dry-run", action="store_true", help="also time the dry-run check")
    args = parser.parse_args()
    database = args.url.rsplit("/", 1)[1]
    # adam_match_10000 on PostgreSQL, adam_match_10000.sqlite3 on SQLite
    size = int(database.removesuffix(".sqlite3").rsplit("_", 1)[1])
    matching.reset_to_corpus(args.url, size)
    app = create_app({"DATABASE_URL": args.url, "LOG_LEVEL": "WARNING"})
    headers = {"Authorization": f"Bearer {matching.create_users(args.url)[0][1]}"}
    client = app.test_client()
    statements: list[tuple[str, float]] = []
    began: dict[str, float] = {}

    @event.listens_for(get_engine(app), "before_cursor_execute")
    def _before(*_: Any) -> None:
        began["at"] = time.perf_counter()

    @event.listens_for(get_engine(app), "after_cursor_execute")
    def _after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append((statement[:90].replace("\n", " "), time.perf_counter() - began["at"]))

    payloads = matching.fresh_payloads(args.n + 20, args.seed)
    for payload in payloads[:20]:  # warm the caches and the connection
        client.post("/api/v1/projects", json=payload, headers=headers)
    walls: list[float] = []
    dry_walls: list[float] = []
    dry_found: list[int] = []
    database_ms: list[float] = []
    counts: list[int] = []
    per_statement: dict[str, list[float]] = {}
    profile = cProfile.Profile() if args.profile else None
    cpu, backend = time.process_time(), postgres_cpu_ms(database)
    for payload in payloads[20:]:
        if args.dry_run:
            started = time.perf_counter()
            checked = client.post("/api/v1/duplicates/check", json=payload, headers=headers)
            dry_walls.append((time.perf_counter() - started) * 1000)
            assert checked.status_code == 200, checked.json
            dry_found.append(len(checked.json["possible_duplicates"]))
        statements.clear()
        started = time.perf_counter()
        if profile:
            profile.enable()
        response = client.post("/api/v1/projects", json=payload, headers=headers)
        if profile:
            profile.disable()
        walls.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.json
        database_ms.append(sum(seconds for _, seconds in statements) * 1000)
        counts.append(len(statements))
        for text, seconds in statements:
            per_statement.setdefault(text, []).append(seconds * 1000)
    app_cpu = (time.process_time() - cpu) * 1000 / args.n
    backend_cpu = (postgres_cpu_ms(database) - backend) / args.n
    matching.reset_to_corpus(args.url, size)
    print(
        f"wall p50 {percentile(walls, 0.5):.1f} p95 {percentile(walls, 0.95):.1f} ms; "
        f"statements {statistics.mean(counts):.1f}, at the driver p50 "
        f"{percentile(database_ms, 0.5):.1f} p95 {percentile(database_ms, 0.95):.1f} ms; "
        f"CPU per registration: this process {app_cpu:.1f} ms, PostgreSQL {backend_cpu:.1f} ms"
    )
    if args.dry_run:
        print(
            f"dry run: wall p50 {percentile(dry_walls, 0.5):.1f} "
            f"p95 {percentile(dry_walls, 0.95):.1f} ms (registration above: p50 "
            f"{percentile(walls, 0.5):.1f} p95 {percentile(walls, 0.95):.1f}); "
            f"{sum(dry_found)} possible duplicates listed over {args.n} checks"
        )
    print("  mean ms   p95 ms  per registration  statement")
    for text, times in sorted(per_statement.items(), key=lambda item: -sum(item[1]))[:20]:
        print(
            f"  {sum(times) / args.n:7.2f}  {percentile(times, 0.95):7.2f}"
            f"  {len(times) / args.n:16.1f}  {text}"
        )
    if profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.only, 40)


if __name__ == "__main__":
    main()
