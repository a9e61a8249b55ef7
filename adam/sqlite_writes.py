"""SQLite: writers take turns on a lock file, not on SQLite's busy handler.

SQLite lets one connection write at a time. One that finds the file locked retries through
SQLite's busy handler, which sleeps between tries (up to 100 ms each), so with the server's
eight threads (2 workers x 4) a registration could wait far longer than the lock was held
(figures in bench/RESULTS.md). Here every writer, of any thread or process, first takes an
exclusive ``flock`` on a file beside the database, before its transaction's first write,
and gives it back when the transaction ends (commit, rollback, or the rollback that returns
a connection to the pool). A waiter tries again every millisecond
or two, so the lock passes on as soon as it is free; a process that dies lets go of it with
its file descriptors. A lock kept in each process instead queued the threads of one process
but let them hand the database to each other while the other process's writer slept in the
busy handler.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from sqlalchemy import Engine, event

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# Where a pooled connection keeps the descriptor of the lock it holds (its ``info``, which
# every SQLAlchemy Connection on it shares).
HELD = "adam.sqlite_write_lock"
# How long a waiter sleeps between tries: short, so the lock never lies free for long.
RETRY_SECONDS = (0.0005, 0.001, 0.002)


def lock_path(database: str) -> str:
    return f"{os.path.realpath(database)}.write-lock"


def acquire(path: str, *, timeout: float) -> int | None:
    """The descriptor holding the lock file ``path``, or None after ``timeout`` seconds."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    tries = 0
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(RETRY_SECONDS[min(tries, len(RETRY_SECONDS) - 1)])
            tries += 1


def release(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(WRITES)


def serialize_writes(engine: Engine, database: str, *, timeout: float) -> None:
    """Make the engine's writers hold the database's lock file for their transactions.

    ``timeout``: how long a writer waits for it; past that, it goes on and meets SQLite's own
    busy timeout, as without this lock.
    """
    path = lock_path(database)
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def give_back(info: dict[Any, Any] | None) -> None:
        fd = info.pop(HELD, None) if info is not None else None
        if fd is not None:
            release(fd)

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if HELD in conn.info or not is_write(statement):
            return
        fd = acquire(path, timeout=timeout)
        if fd is not None:
            conn.info[HELD] = fd

    # Given back after the database has ended the transaction (SQLAlchemy's commit and
    # rollback events come before it), whichever path ends it: the Session's commit or
    # rollback, or the pool's reset of a connection returned with a transaction open.
    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            give_back(_info(dbapi_connection))

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            give_back(_info(dbapi_connection))

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine.pool, "invalidate")
    def _invalidated(_dbapi_connection: Any, record: Any, _error: Any) -> None:
        # A connection dropped with its transaction (the file lock goes with it).
        if record is not None:
            give_back(record.info)


def _info(connection: Any) -> dict[Any, Any] | None:
    """The pooled connection's ``info``; None for the bare connection the dialect is handed
    while it first sets itself up (it holds no lock)."""
    try:
        return connection.info
    except (AttributeError, NotImplementedError):
        return None
