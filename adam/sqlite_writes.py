"""SQLite: the writers of one process take turns on a lock instead of polling the file's lock.

SQLite lets one connection write at a time. One that finds the file locked retries through
SQLite's busy handler, which sleeps between tries (up to 100 ms each), so with the server's
eight threads (2 workers x 4) a registration waited up to a second for a lock that was free
after a few milliseconds (bench/RESULTS.md, 2026-12-05). Here the writers of one process queue
on a lock per database file, taken before a transaction's first write and given back when the
transaction ends (commit, rollback, or the rollback that returns a connection to the pool);
only writers of different processes still meet in SQLite's busy handler.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy import Engine, event

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# Where a pooled connection records the lock it holds (its ``info``, which every SQLAlchemy
# Connection on it shares).
HELD = "adam.sqlite_write_lock"

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def write_lock(path: str) -> threading.Lock:
    """The lock of the database file at ``path`` (one per file, whatever the engines)."""
    with _locks_guard:
        return _locks.setdefault(os.path.realpath(path), threading.Lock())


def is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(WRITES)


def serialize_writes(engine: Engine, path: str, *, timeout: float) -> None:
    """Make the engine's writers take ``write_lock(path)`` for their transactions.

    ``timeout``: how long a writer waits for the lock; past it, it goes on and meets SQLite's
    own busy timeout, as without this lock.
    """
    lock = write_lock(path)
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def give_back(info: dict[Any, Any] | None) -> None:
        held = info.pop(HELD, None) if info is not None else None
        if held is not None:
            held.release()

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if HELD in conn.info or not is_write(statement):
            return
        if lock.acquire(timeout=timeout):
            conn.info[HELD] = lock

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
        return connection.info  # type: ignore[no-any-return]
    except (AttributeError, NotImplementedError):
        return None
