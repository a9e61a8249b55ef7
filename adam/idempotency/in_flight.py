"""Who is answering a key right now: a second request with it meets 409, not a second create.

Marked with locks that end with their holder, so a process killed mid-request leaves no mark
behind and a retry is served at once:

- PostgreSQL: a transaction-level advisory lock (``pg_try_advisory_xact_lock``), taken in the
  request's own transaction and given back by its commit or rollback, or by the server when
  the connection drops;
- SQLite: a POSIX record lock on one byte of a file beside the database, at an offset drawn
  from the key (the kernel drops it when the process ends); such locks belong to a process,
  not a thread, so the threads of one process also keep a set of their keys in hand.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from adam.errors import N_
from adam.idempotency.service import KeyInFlight

# Offsets of the SQLite lock bytes; fcntl takes 63-bit offsets on 64-bit Linux.
_OFFSETS = 1 << 62
_held: set[tuple[str, int, str]] = set()
_held_lock = threading.Lock()
_files: dict[str, int] = {}


def _digest(user_id: int, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{user_id}\n{key}".encode()).digest()[:8], "big")


def _lock_file(database: str) -> int:
    # One descriptor per file and process, kept open: closing any descriptor of a file drops
    # every record lock the process holds on it.
    path = f"{os.path.realpath(database)}.idempotency-lock"
    with _held_lock:
        if path not in _files:
            _files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return _files[path]


def _refuse() -> KeyInFlight:
    return KeyInFlight(
        N_("A request with this Idempotency-Key is still being answered; retry once it has been.")
    )


@contextmanager
def claimed(session: Session, *, user_id: int, key: str) -> Iterator[None]:
    """Hold this user's key while the block runs.

    On PostgreSQL the hold lasts until the session's transaction ends, which the block must
    do (commit or rollback). :raises KeyInFlight: another request holds it.
    """
    bind = session.get_bind()
    url = bind.engine.url
    mark = (str(url), user_id, key)
    with _held_lock:
        if mark in _held:
            raise _refuse()
        _held.add(mark)
    try:
        digest = _digest(user_id, key)
        if url.get_backend_name() == "postgresql":
            taken = session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": digest - (1 << 63)}
            )
            if not taken:
                raise _refuse()
            yield
        elif url.database and url.database != ":memory:":
            fd, offset = _lock_file(url.database), digest % _OFFSETS
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
            except OSError:
                raise _refuse() from None
            try:
                yield
            finally:
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)
        else:
            yield  # an in-memory database: one process, and the set above is enough
    finally:
        with _held_lock:
            _held.discard(mark)
