"""The engine factory: the SQLite settings each connection gets."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from adam.db import SQLITE_MMAP_BYTES, SQLITE_SORT_THREADS, make_engine


def _pragmas(url: str, *names: str) -> dict[str, object]:
    engine = make_engine(url)
    with engine.connect() as conn:
        values = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names}
    engine.dispose()
    return values


def test_sqlite_file_connections_are_safe_and_read_through_mmap(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'adam.sqlite3'}"
    names = ("foreign_keys", "journal_mode", "synchronous", "mmap_size", "threads")
    assert _pragmas(url, *names) == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "mmap_size": SQLITE_MMAP_BYTES,
        "threads": SQLITE_SORT_THREADS,
    }


def test_in_memory_sqlite_keeps_foreign_keys() -> None:
    assert _pragmas("sqlite://", "foreign_keys") == {"foreign_keys": 1}
    engine = make_engine("sqlite://")
    assert isinstance(engine.pool, sa.pool.StaticPool)
    engine.dispose()
