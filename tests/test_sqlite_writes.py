"""SQLite: writers take turns on a lock file beside the database, held for the transaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from adam.db import make_engine
from adam.sqlite_writes import acquire, lock_path, release, serialize_writes

TABLE = "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
INSERT = sa.text("INSERT INTO note (body) VALUES (:body)")


def _engine(path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(TABLE)
    return engine


def _held_elsewhere(database: Path) -> bool:
    """Is the database's lock file taken? Asked as another process would (a descriptor of
    its own), without waiting."""
    fd = acquire(lock_path(str(database)), timeout=0)
    if fd is None:
        return True
    release(fd)
    return False


def test_a_write_transaction_holds_the_lock_until_it_ends_however_it_ends(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.sqlite3"
    engine = _engine(path)
    try:
        with Session(engine) as session:
            session.execute(sa.text("SELECT count(*) FROM note"))
            assert not _held_elsewhere(path)  # reading takes nothing
            session.execute(INSERT, {"body": "committed"})
            assert _held_elsewhere(path)
            session.execute(INSERT, {"body": "and another"})  # the same transaction
            session.commit()
            assert not _held_elsewhere(path)

            session.execute(INSERT, {"body": "rolled back"})
            assert _held_elsewhere(path)
            session.rollback()
            assert not _held_elsewhere(path)

            session.execute(INSERT, {"body": "left open"})
        # Closed with the transaction open: the pool's rollback gives the lock back.
        assert not _held_elsewhere(path)
        with engine.connect() as conn:
            bodies = conn.execute(sa.text("SELECT body FROM note ORDER BY id")).scalars().all()
        assert bodies == ["committed", "and another"]
    finally:
        engine.dispose()


def test_one_file_has_one_lock_whatever_the_path_says(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    engine = _engine(tmp_path / "." / "b.sqlite3")
    try:
        with Session(engine) as session:
            session.execute(INSERT, {"body": "x"})
            assert _held_elsewhere(path)
            session.commit()
        assert not _held_elsewhere(path)
    finally:
        engine.dispose()


def _hammer(database: str, workers: int, transactions: int) -> list[str]:
    """``workers`` threads each writing ``transactions`` transactions, SQLite's own wait cut
    to 10 ms; returns the errors (module level: also run in a spawned process)."""
    engine = sa.create_engine(
        f"sqlite:///{database}", connect_args={"check_same_thread": False, "timeout": 0.01}
    )
    serialize_writes(engine, database, timeout=30)
    errors: list[str] = []
    start = threading.Barrier(workers)

    def write(worker: int) -> None:
        start.wait()
        try:
            for n in range(transactions):
                with Session(engine) as session:
                    session.execute(INSERT, {"body": f"{os.getpid()}-{worker}-{n}"})
                    session.execute(sa.text("SELECT count(*) FROM note"))
                    session.execute(INSERT, {"body": f"{os.getpid()}-{worker}-{n}b"})
                    session.commit()
        except Exception as error:  # collected, asserted by the caller
            errors.append(repr(error))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return errors


def _fresh(path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql(TABLE)
    engine.dispose()


def _count(path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        count = conn.scalar(sa.text("SELECT count(*) FROM note"))
    engine.dispose()
    return int(count or 0)


def test_many_threads_write_without_meeting_the_file_lock(tmp_path: Path) -> None:
    """With SQLite's own wait cut to 10 ms, eight threads writing at once would find the file
    locked (this test fails without the lock); taking turns on the lock file, every
    transaction goes through."""
    path = tmp_path / "c.sqlite3"
    _fresh(path)
    assert _hammer(str(path), workers=8, transactions=25) == []
    assert _count(path) == 8 * 25 * 2
    assert not _held_elsewhere(path)


# The other process of ``test_two_processes_take_turns_too``: ready, then on "go", hammer.
OTHER_PROCESS = """
import json, sys
from tests.test_sqlite_writes import _hammer
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(_hammer(sys.argv[1], workers=4, transactions=25)), flush=True)
"""


def test_two_processes_take_turns_too(tmp_path: Path) -> None:
    """As ``adam serve`` runs: two processes of four threads each, started together."""
    path = tmp_path / "d.sqlite3"
    _fresh(path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with subprocess.Popen(
        [sys.executable, "-c", OTHER_PROCESS, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    ) as other:  # fmt: skip
        try:
            assert other.stdout is not None and other.stdin is not None
            assert other.stdout.readline().strip() == "ready"
            other.stdin.write("go\n")
            other.stdin.flush()
            mine = _hammer(str(path), workers=4, transactions=25)
            theirs = json.loads(other.stdout.readline())
            assert other.wait(timeout=120) == 0
        finally:
            if other.poll() is None:
                other.kill()
    assert mine == [] and theirs == []
    assert _count(path) == 2 * 4 * 25 * 2
    assert not _held_elsewhere(path)
