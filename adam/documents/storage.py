"""Where file bytes live: a small interface, and a local folder that implements it.

Blobs are content-addressed by SHA-256 (``ab/cd/abcd...``), so the same bytes are stored
once whoever uploads them, and a read can tell when the bytes on disk changed. A blob is
first written to a staging file while it is hashed, then moved into place with one
``os.replace`` (same file system), so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from adam.documents.errors import FileTooLarge, StorageCorrupt, StorageMissing

log = logging.getLogger(__name__)

CHUNK = 1 << 20
STAGING = "staging"


@dataclass(frozen=True, slots=True)
class StagedBlob:
    """Bytes written and hashed but not yet in the store: ``keep`` or ``discard`` them."""

    path: Path
    sha256: str
    size: int


class BlobStore(Protocol):
    def stage(
        self, chunks: Iterable[bytes | memoryview], *, max_bytes: int | None = None
    ) -> StagedBlob:
        """Write ``chunks`` to a staging file while hashing them.

        :raises FileTooLarge: more than ``max_bytes`` came (nothing is left behind).
        """

    def keep(self, staged: StagedBlob) -> bool:
        """Move a staged blob into the store; True if this call created it."""

    def discard(self, staged: StagedBlob) -> None: ...

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, checked against their hash, positioned at the start.

        :raises StorageMissing: no such blob.
        :raises StorageCorrupt: the bytes on disk do not have that hash.
        """

    def remove(self, sha256: str) -> None: ...

    def contains(self, sha256: str) -> bool: ...


def read_chunks(source: BinaryIO, size: int = CHUNK) -> Iterable[bytes]:
    while chunk := source.read(size):
        yield chunk


def hash_stream(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in read_chunks(handle):
        digest.update(chunk)
    return digest.hexdigest()


def fsync_directory(path: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def relative_path(sha256: str) -> PurePosixPath:
    """Where a stored file lies under the store's root (``ab/cd/abcd...``): the one place
    that says the layout, which backups keep as it is."""
    return PurePosixPath(sha256[:2], sha256[2:4], sha256)


class LocalBlobStore:
    """Blobs as files under ``root``; staging files in ``root/staging`` (same file system)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.staging = self.root / STAGING
        self.staging.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / relative_path(sha256)

    def stage(
        self, chunks: Iterable[bytes | memoryview], *, max_bytes: int | None = None
    ) -> StagedBlob:
        digest = hashlib.sha256()
        size = 0
        fd, name = tempfile.mkstemp(dir=self.staging, prefix="upload-")
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(
                            f"The file is larger than the {max_bytes} bytes this service accepts.",
                            {"file": [f"Larger than {max_bytes} bytes."]},
                        )
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedBlob(path=path, sha256=digest.hexdigest(), size=size)

    def keep(self, staged: StagedBlob) -> bool:
        final = self.path_of(staged.sha256)
        if final.exists():
            with final.open("rb") as handle:
                intact = hash_stream(handle) == staged.sha256
            if intact:
                self.discard(staged)
                return False
            # The stored copy rotted; the upload carries the right bytes, so heal it.
            log.warning("replacing corrupt blob %s with a fresh upload of it", final)
            os.replace(staged.path, final)
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, final)
        fsync_directory(final.parent)
        return True

    def discard(self, staged: StagedBlob) -> None:
        staged.path.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        path = self.path_of(sha256)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            log.error("stored file missing: %s", path)
            raise StorageMissing(
                "The stored file is missing; the administrators have been told (see the log)."
            ) from None
        # Hash the very handle that will be served, so a file swapped meanwhile cannot slip by.
        if hash_stream(handle) != sha256:
            handle.close()
            log.error("stored file corrupt (SHA-256 differs from its name): %s", path)
            raise StorageCorrupt(
                "The stored file is damaged and is not served; the administrators have been "
                "told (see the log)."
            )
        handle.seek(0)
        return handle

    def remove(self, sha256: str) -> None:
        path = self.path_of(sha256)
        path.unlink(missing_ok=True)
        for folder in (path.parent, path.parent.parent):
            try:
                folder.rmdir()
            except OSError:  # not empty, or gone: either way nothing to tidy
                break

    def contains(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()
