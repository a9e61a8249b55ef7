"""Benchmark the spreadsheet exports: GET /api/v1/projects?format=csv|xlsx over real HTTP.

    .venv/bin/python bench/exports.py                       # sqlite + postgresql, 10k + 100k
    .venv/bin/python bench/exports.py --backend sqlite --size 10000 --format csv

For each backend and size: a fresh database (SQLite file under ``--workdir``; PostgreSQL
database ``--db-name``, dropped and created for each size and dropped at the end), the
synthetic corpus (``corpus.load``, without history rows: the export does not read them), a
coordinator from ``adam users create``. Then, for each format, a fresh gunicorn with ONE
sync worker (so that the worker's memory high-water mark, VmHWM in ``/proc/<pid>/status``,
belongs to that one export; it is reset to the current RSS through ``/proc/<pid>/clear_refs``
just before), one small JSON request to warm it up, and the export, read by
an httpx client in another process as a stream and written to a file. Reported: seconds to
the first byte and to the last, bytes, rows (checked against the list's total), and the
worker's memory (MB) before the export and its peak during it: resident (VmRSS, VmHWM) and
anonymous (RssAnon, sampled every 20 ms; see AnonSampler for why both).

Prints a markdown table and writes ``bench/out/exports.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench_run
from corpus import load, run_adam

REPO = bench_run.REPO
OUT = bench_run.OUT
PG_SERVER = bench_run.PG_SERVER
PG_ADMIN = bench_run.PG_ADMIN
TARGET_CSV_100K_S = 30.0


# --- Database ---


def fresh_database(backend: str, size: int, workdir: Path, db_name: str) -> str:
    if backend == "sqlite":
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"{db_name}_{size}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    drop_database(db_name)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    return f"{PG_SERVER}/{db_name}"


def drop_database(db_name: str) -> None:
    if not re.fullmatch(r"[a-z0-9_]+", db_name) or db_name.startswith("adam_test"):
        raise SystemExit(f"refusing to drop database {db_name!r}")
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def coordinator_token(url: str) -> str:
    output = run_adam(
        url, "users", "create", "--email", "bench-exports@adam.invalid", "--role", "coordinator"
    )
    return output.strip().splitlines()[-1].strip()


# --- Server ---


def memory_kb(pid: int) -> dict[str, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


class AnonSampler(threading.Thread):
    """The highest RssAnon of a process, sampled every 20 ms until stopped.

    VmHWM counts file pages too, and SQLite maps its database file (mmap_size = 1 GiB), so on
    SQLite the worker's RSS grows with the pages of the file it reads: page cache, shared and
    reclaimable, not memory the export holds. RssAnon is the process's own memory.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = memory_kb(pid)["RssAnon"]
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak_kb = max(self.peak_kb, memory_kb(self.pid)["RssAnon"])

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak_kb


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux: "5" into clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def worker_pid(master: int, deadline_s: float = 30) -> int:
    """The one worker of a gunicorn master (its only child)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{master}\n" in status:
                return int(entry.name)
        time.sleep(0.05)  # poll interval inside the deadline loop
    raise RuntimeError(f"no worker under gunicorn master {master}")


@contextmanager
def gunicorn(url: str, log: Path, deadline_s: float = 60) -> Iterator[tuple[str, int]]:
    """One sync worker on a free port; no worker timeout (a long download is not a hang)."""
    port = bench_run.free_port()
    env = {**os.environ, "ADAM_DATABASE_URL": url, "ADAM_LOG_LEVEL": "WARNING"}
    binary = Path(sys.executable).parent / "gunicorn"
    command = [str(binary), "-w", "1", "--timeout", "0", "-b", f"127.0.0.1:{port}", "wsgi:app"]
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
        yield base, worker_pid(process.pid)
    finally:
        bench_run.stop(process)


# --- Measuring ---


def count_csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def count_xlsx_rows(path: Path) -> int:
    """Rows in the first sheet, counted in its XML as it streams out of the zip."""
    rows, tail = 0, b""
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            rows += data.count(b"<row ")
            tail = data[-4:]  # a tag split between chunks; too short to hold a whole one
    return rows - 1


def export_once(base: str, pid: int, token: str, fmt: str, expected: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=1800) as client:
        warm = client.get("/api/v1/projects?per_page=1")
        warm.raise_for_status()
        # Without the reset, the peak would be start-up's (importing the app) when higher.
        peak_reset = reset_peak(pid)
        before = memory_kb(pid)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"export.{fmt}"
            sampler = AnonSampler(pid)
            sampler.start()
            started = time.perf_counter()
            first_byte = None
            size = 0
            with client.stream("GET", f"/api/v1/projects?format={fmt}") as response:
                response.raise_for_status()
                with path.open("wb") as out:
                    for chunk in response.iter_raw():
                        if first_byte is None:
                            first_byte = time.perf_counter() - started
                        size += len(chunk)
                        out.write(chunk)
            elapsed = time.perf_counter() - started
            after = memory_kb(pid)
            anon_peak = sampler.stop()
            rows = count_csv_rows(path) if fmt == "csv" else count_xlsx_rows(path)
    if rows != expected:
        raise RuntimeError(f"{fmt}: {rows} rows, expected {expected}")
    return {
        "format": fmt,
        "rows": rows,
        "mb": round(size / 1e6, 1),
        "seconds": round(elapsed, 2),
        "first_byte_s": round(first_byte or elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "worker_rss_before_mb": round(before["VmRSS"] / 1024, 1),
        "worker_peak_mb": round(after["VmHWM"] / 1024, 1),
        "peak_reset": peak_reset,
        "worker_rss_after_mb": round(after["VmRSS"] / 1024, 1),
        "worker_anon_before_mb": round(before["RssAnon"] / 1024, 1),
        "worker_anon_peak_mb": round(anon_peak / 1024, 1),
        "worker_file_after_mb": round(after["RssFile"] / 1024, 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def run_one(backend: str, size: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    print(f"== {backend} {size}: database and corpus", flush=True)
    url = fresh_database(backend, size, Path(args.workdir), args.db_name)
    report = load(url, size, seed=args.seed, history=False)
    print(f"   loaded in {sum(report.seconds.values()):.1f}s", flush=True)
    token = coordinator_token(url)
    results = []
    for fmt in args.format or ["csv", "xlsx"]:
        log = OUT / f"gunicorn-exports-{backend}-{size}-{fmt}.log"
        with gunicorn(url, log) as (base, pid):
            with httpx.Client(base_url=base, timeout=60) as client:
                total = client.get(
                    "/api/v1/projects?per_page=1", headers={"Authorization": f"Bearer {token}"}
                ).json()["total"]
            result = {"backend": backend, "size": size, **export_once(base, pid, token, fmt, total)}
        print(f"   {result}", flush=True)
        results.append(result)
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | projects | format | rows | MB | seconds | first byte s | rows/s "
        "| RSS before | peak RSS (VmHWM) | anon before | peak anon | load 1m |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['size']:,} | {r['format']} | {r['rows']:,} | {r['mb']} "
            f"| {r['seconds']} | {r['first_byte_s']} | {r['rows_per_s']:,} "
            f"| {r['worker_rss_before_mb']} | {r['worker_peak_mb']} "
            f"| {r['worker_anon_before_mb']} | {r['worker_anon_peak_mb']} | {r['loadavg_1m']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--size", action="append", type=int)
    parser.add_argument("--format", action="append", choices=("csv", "xlsx"))
    parser.add_argument("--workdir", default="/tmp/adam_exports", help="where SQLite files go")
    parser.add_argument("--db-name", default="adam_bench_exports", help="PostgreSQL database")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}, load: {os.getloadavg()}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        for backend in args.backend or ["sqlite", "postgresql"]:
            for size in sorted(args.size or [10000, 100000]):
                results += run_one(backend, size, args)
    finally:
        if "postgresql" in (args.backend or ["postgresql"]):
            drop_database(args.db_name)
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "revision": bench_run.git_revision(),
        "target_csv_100k_s": TARGET_CSV_100K_S,
    }
    (OUT / "exports.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print()
    print(table(results))
    for r in results:
        if r["format"] == "csv" and r["size"] >= 100_000:
            verdict = "met" if r["seconds"] <= TARGET_CSV_100K_S else "MISSED"
            print(f"target CSV {r['size']:,} <= {TARGET_CSV_100K_S:.0f} s on {r['backend']}: "
                  f"{verdict} ({r['seconds']} s)")  # fmt: skip


if __name__ == "__main__":
    main()
