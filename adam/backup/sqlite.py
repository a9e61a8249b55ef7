"""SQLite: copy the database with SQLite's online backup API, in either direction.

``Connection.backup`` with no page limit copies the whole file in one step, inside one read
transaction of the source: with WAL (see adam/db.py) writers go on meanwhile, and the copy is
the database as of one commit. Revision and blobs are then read from the copy itself, so they
describe exactly what was copied.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from adam.backup.errors import BackupError
from adam.backup.snapshot import BLOBS_SQL, REVISION_SQL, Snapshot
from adam.sqlite_writes import acquire, lock_path, release

# As long as the app's writers wait for each other (adam/db.py).
BUSY_SECONDS = 30


def database_path(url: str) -> Path:
    """:raises BackupError: an in-memory database, which no other process can reach."""
    name = make_url(url).database
    if not name or name == ":memory:":
        raise BackupError(
            "The database is an in-memory SQLite database: it lives only inside its process, "
            "so it cannot be backed up or restored."
        )
    return Path(name)


def _has_table(connection: sqlite3.Connection, name: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None


def read_snapshot(connection: sqlite3.Connection) -> Snapshot:
    """:raises BackupError: a database that was never migrated."""
    if not _has_table(connection, "alembic_version"):
        raise BackupError("The database has no schema revision: run `adam db upgrade` first.")
    revision = connection.execute(REVISION_SQL).fetchone()
    if revision is None:
        raise BackupError("The database has no schema revision: run `adam db upgrade` first.")
    blobs = (
        frozenset(row[0] for row in connection.execute(BLOBS_SQL))
        if _has_table(connection, "project_document")
        else frozenset()
    )
    return Snapshot(revision=str(revision[0]), blobs=blobs)


def dump(url: str, target: Path) -> Snapshot:
    """Copy the database at ``url`` into the new file ``target``.

    :raises BackupError: no such database file, or SQLite failed.
    """
    source_path = database_path(url)
    if not source_path.is_file():  # sqlite3.connect would create an empty one
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    try:
        source = sqlite3.connect(source_path, timeout=BUSY_SECONDS)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # The copy inherits the source's WAL mode; a single self-contained file is wanted.
            copy.execute("PRAGMA journal_mode=DELETE")
            return read_snapshot(copy)
        finally:
            copy.close()
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy {source_path}: {error}.") from None


def load(url: str, source: Path) -> None:
    """Replace the contents of the database at ``url`` with the copy in ``source``.

    The backup API writes the whole database in one transaction: a reader sees the old
    contents or the new, never a mix. The app's write lock is held meanwhile, so its
    writers wait instead of failing on SQLite's busy timeout.

    :raises BackupError: the database stayed busy, or SQLite failed (nothing was changed).
    """
    target_path = database_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    lock = acquire(lock_path(str(target_path)), timeout=BUSY_SECONDS)
    if lock is None:
        raise BackupError(
            f"The database {target_path} stayed busy for {BUSY_SECONDS} s; stop the service "
            "and the workers, then restore again (nothing was changed)."
        )
    try:
        backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(target_path, timeout=BUSY_SECONDS)
        try:
            backup.backup(target)
        finally:
            target.close()
            backup.close()
    except sqlite3.Error as error:
        raise BackupError(
            f"SQLite could not write {target_path}: {error} (nothing was changed)."
        ) from None
    finally:
        release(lock)
