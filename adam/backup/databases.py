"""Which backend a database URL is, and its dump and load."""

from __future__ import annotations

from pathlib import Path

from adam.backup import postgres, sqlite
from adam.backup.errors import BackupError
from adam.backup.snapshot import Snapshot


def backend_of(url: str) -> str:
    """:raises BackupError: a backend that backups do not support."""
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {url.split(':', 1)[0]}.")


def dump(url: str, target: Path) -> Snapshot:
    if backend_of(url) == "sqlite":
        return sqlite.dump(url, target)
    return postgres.dump(url, target)


def load(url: str, source: Path) -> None:
    if backend_of(url) == "sqlite":
        sqlite.load(url, source)
    else:
        postgres.load(url, source)
