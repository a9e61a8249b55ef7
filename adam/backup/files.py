"""Copying files so that a copy is either whole and synced, or not there at all."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from adam.documents import storage

CHUNK = 1 << 20


def hash_file(path: Path) -> str:
    with path.open("rb") as handle:
        return storage.hash_stream(handle)


# Makes renames into the folder durable, as the blob store does.
sync_directory = storage.fsync_directory


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
