"""Copying files so that a copy is either whole and synced, or not there at all."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

CHUNK = 1 << 20


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sync_directory(path: Path) -> None:
    # Makes renames into the folder durable; not every platform lets a directory be opened.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def copy_hashed(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to ``target`` (through a partial file beside it, renamed when whole)
    and return the size and SHA-256 of the bytes copied, which are the bytes read, not
    whatever ``source`` holds by the time the copy ends.

    :raises FileNotFoundError: no ``source``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with source.open("rb") as reading, partial.open("wb") as writing:
            while chunk := reading.read(CHUNK):
                digest.update(chunk)
                writing.write(chunk)
                size += len(chunk)
            writing.flush()
            os.fsync(writing.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()
