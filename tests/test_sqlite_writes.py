"""SQLite: the writers of one process queue on one lock per file, held for the transaction."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from adam.db import make_engine
from adam.sqlite_writes import serialize_writes, write_lock

TABLE = "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
INSERT = sa.text("INSERT INTO note (body) VALUES (:body)")


def _engine(path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(TABLE)
    return engine


def _held_elsewhere(lock: threading.Lock) -> bool:
    """Is ``lock`` taken (by anyone)? Asked from another thread, without waiting."""
    free: list[bool] = []
    thread = threading.Thread(target=lambda: free.append(lock.acquire(blocking=False)))
    thread.start()
    thread.join()
    if free[0]:
        lock.release()
    return not free[0]


def test_a_write_transaction_holds_the_lock_until_it_ends_however_it_ends(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.sqlite3"
    engine = _engine(path)
    lock = write_lock(str(path))
    try:
        with Session(engine) as session:
            session.execute(sa.text("SELECT count(*) FROM note"))
            assert not _held_elsewhere(lock)  # reading takes nothing
            session.execute(INSERT, {"body": "committed"})
            assert _held_elsewhere(lock)
            session.execute(INSERT, {"body": "and another"})  # the same transaction
            session.commit()
            assert not _held_elsewhere(lock)

            session.execute(INSERT, {"body": "rolled back"})
            assert _held_elsewhere(lock)
            session.rollback()
            assert not _held_elsewhere(lock)

            session.execute(INSERT, {"body": "left open"})
        # Closed with the transaction open: the pool's rollback gives the lock back.
        assert not _held_elsewhere(lock)
        with engine.connect() as conn:
            bodies = conn.execute(sa.text("SELECT body FROM note ORDER BY id")).scalars().all()
        assert bodies == ["committed", "and another"]
    finally:
        engine.dispose()


def test_one_file_has_one_lock_whatever_the_engines(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    first, second = _engine(path), make_engine(f"sqlite:///{path}")
    try:
        with Session(first) as session:
            session.execute(INSERT, {"body": "x"})
            assert _held_elsewhere(write_lock(str(tmp_path / "." / "b.sqlite3")))
            session.commit()
        assert write_lock(str(path)) is write_lock(str(tmp_path / "." / "b.sqlite3"))
    finally:
        first.dispose()
        second.dispose()


def test_many_threads_write_without_meeting_the_file_lock(tmp_path: Path) -> None:
    """With SQLite's own wait cut to 10 ms, eight threads writing at once would find the file
    locked; queued on the process's lock, every transaction goes through."""
    path = tmp_path / "c.sqlite3"
    engine = sa.create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 0.01}
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql(TABLE)
    serialize_writes(engine, str(path), timeout=30)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def write(worker: int) -> None:
        start.wait()
        try:
            for n in range(25):
                with Session(engine) as session:
                    session.execute(INSERT, {"body": f"{worker}-{n}"})
                    session.execute(sa.text("SELECT count(*) FROM note"))
                    session.execute(INSERT, {"body": f"{worker}-{n}b"})
                    session.commit()
        except BaseException as error:  # collected, asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM note")) == 8 * 25 * 2
        assert not _held_elsewhere(write_lock(str(path)))
    finally:
        engine.dispose()
