"""Time ``adam backup`` and ``adam restore --yes`` on a corpus with stored documents.

    python bench/backup.py --url sqlite:////tmp/adam_backup/bench.sqlite3 --size 20000 --files 1000

Loads ``--size`` projects with bench/corpus.py (with history), then ``--files`` documents of
``--file-kb`` random bytes each, written through the blob store and their rows inserted with
Core (no API), one per project in turn. Then runs the two commands as the administrator
would, as subprocesses: a backup, a restore with the files still in place, and one into an
empty upload folder; prints their wall times and the backup's size.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from adam.db import make_engine
from adam.documents.models import Document
from adam.documents.storage import LocalBlobStore

ADAM = Path(sys.executable).with_name("adam")


def add_documents(url: str, upload_dir: Path, count: int, size: int, seed: int) -> int:
    store = LocalBlobStore(upload_dir)
    rng = random.Random(seed)
    engine = make_engine(url)
    rows = []
    total = 0
    with engine.begin() as connection:
        projects = connection.scalars(sa.select(sa.text("id")).select_from(sa.text("project")))
        ids = sorted(projects)
        for n in range(count):
            data = b"%PDF-1.4\n" + rng.randbytes(size)
            staged = store.stage([data])
            store.keep(staged)
            total += staged.size
            rows.append(
                {
                    "project_id": ids[n % len(ids)],
                    "title": f"Report {n}",
                    "category_code": "A07",
                    "language": "en",
                    "filename": f"report-{n}.pdf",
                    "media_type": "application/pdf",
                    "size": staged.size,
                    "sha256": staged.sha256,
                }
            )
        connection.execute(sa.insert(Document.__table__), rows)
    engine.dispose()
    return total


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    print(done.stdout.strip().splitlines()[0])
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--size", type=int, default=20000, help="projects")
    parser.add_argument("--files", type=int, default=1000, help="stored documents")
    parser.add_argument("--file-kb", type=int, default=100)
    parser.add_argument("--workdir", default="/tmp/adam_backup")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    upload_dir = workdir / "uploads"
    backup_dir = workdir / "backup"
    shutil.rmtree(backup_dir, ignore_errors=True)
    report = corpus.load(args.url, args.size, seed=args.seed, history=True, setup=True)
    stored = add_documents(args.url, upload_dir, args.files, args.file_kb * 1024, args.seed)
    print(f"Loaded {report.projects} projects, {args.files} documents ({stored} bytes).")
    env = {**os.environ, "ADAM_DATABASE_URL": args.url, "ADAM_UPLOAD_DIR": str(upload_dir)}
    backup = timed([str(ADAM), "backup", str(backup_dir)], env)
    size = sum(p.stat().st_size for p in backup_dir.rglob("*") if p.is_file())
    restore = timed([str(ADAM), "restore", str(backup_dir), "--yes"], env)
    # As onto a new machine: every stored file is copied back.
    shutil.rmtree(upload_dir)
    fresh = timed([str(ADAM), "restore", str(backup_dir), "--yes"], env)
    print(
        f"backup {backup:.1f} s, restore {restore:.1f} s (files in place), "
        f"{fresh:.1f} s (upload folder empty); backup folder {size} bytes"
    )


if __name__ == "__main__":
    main()
