"""manifest.json: what a backup holds, and the check that it still holds it.

The manifest is written last, after every other file is complete and synced, so a folder
with a manifest is a finished backup. It names the database file and every stored file with
its size and SHA-256; paths are fixed by the backend and the hash, so a manifest cannot point
a restore outside its folder.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adam.backup.errors import BackupError
from adam.backup.files import hash_file, write_durably
from adam.documents import storage

NAME = "manifest.json"
FORMAT = "adam-backup/1"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES = "files"
SHA256 = re.compile(r"[0-9a-f]{64}")


def blob_path(sha256: str) -> str:
    """Where a stored file lies in a backup: the upload folder's own layout, under files/."""
    return f"{FILES}/{storage.relative_path(sha256)}"


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class Manifest:
    adam_version: str
    alembic_revision: str
    backend: str
    created_at: str  # ISO 8601, UTC
    database: Entry
    files: tuple[Entry, ...]

    @property
    def blobs(self) -> frozenset[str]:
        return frozenset(entry.sha256 for entry in self.files)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "adam_version": self.adam_version,
            "alembic_revision": self.alembic_revision,
            "backend": self.backend,
            "created_at": self.created_at,
            "database": self.database.as_json(),
            "files": [entry.as_json() for entry in self.files],
        }


def write(directory: Path, manifest: Manifest) -> None:
    text = json.dumps(manifest.as_json(), indent=1, ensure_ascii=False) + "\n"
    staging = directory / f".{NAME}.partial"
    write_durably(staging, text.encode("utf-8"))
    os.replace(staging, directory / NAME)


def read(directory: Path) -> Manifest:
    """The manifest of the backup in ``directory``, its shape checked (not yet the files).

    :raises BackupError: no manifest, or one that is not a backup's.
    """
    path = directory / NAME
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BackupError(
            f"{directory} holds no {NAME}: not a backup, or one that did not finish."
        ) from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} cannot be read as JSON: {error}.") from None
    try:
        return _parse(data)
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError(f"{path} is not an ADAM backup manifest ({error}).") from None


def _parse(data: Any) -> Manifest:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"format is not {FORMAT}")
    backend = data["backend"]
    if backend not in DATABASE_FILES:
        raise ValueError(f"unknown backend {backend!r}")
    database = _entry(data["database"])
    if database.path != DATABASE_FILES[backend]:
        raise ValueError(f"the database file of a {backend} backup is {DATABASE_FILES[backend]}")
    files = tuple(_entry(item) for item in data["files"])
    for entry in files:
        if not SHA256.fullmatch(entry.sha256) or entry.path != blob_path(entry.sha256):
            raise ValueError(f"unexpected file entry {entry.path!r}")
    if len({entry.sha256 for entry in files}) != len(files):
        raise ValueError("a file is listed twice")
    return Manifest(
        adam_version=str(data["adam_version"]),
        alembic_revision=_text(data["alembic_revision"]),
        backend=backend,
        created_at=_text(data["created_at"]),
        database=database,
        files=files,
    )


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a text, found {value!r}")
    return value


def _entry(item: Any) -> Entry:
    size = item["size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"bad size {size!r}")
    sha256 = _text(item["sha256"])
    if not SHA256.fullmatch(sha256):
        raise ValueError(f"bad SHA-256 {sha256!r}")
    return Entry(path=_text(item["path"]), size=size, sha256=sha256)


def verify(directory: Path, manifest: Manifest) -> None:
    """Check every file the manifest names: there, a regular file, of its size and hash.

    :raises BackupError: the first file that does not match, named.
    """
    for entry in (manifest.database, *manifest.files):
        path = directory / entry.path
        if not path.is_file() or path.is_symlink():
            raise BackupError(
                f"The backup in {directory} does not verify: {entry.path} is missing."
            )
        size = path.stat().st_size
        if size != entry.size:
            raise BackupError(
                f"The backup in {directory} does not verify: {entry.path} has {size} bytes, "
                f"the manifest says {entry.size}."
            )
        if hash_file(path) != entry.sha256:
            raise BackupError(
                f"The backup in {directory} does not verify: the SHA-256 of {entry.path} "
                "differs from the manifest's."
            )
