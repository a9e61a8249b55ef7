"""Errors of the documents domain that have no general counterpart in adam.errors."""

from __future__ import annotations

from adam.errors import AdamError


class FileTooLarge(AdamError):
    status = 413
    code = "payload_too_large"


class UnsupportedFileType(AdamError):
    """The content is of a type the service does not keep (checked from the bytes)."""

    status = 415
    code = "unsupported_media_type"


class StorageCorrupt(AdamError):
    """A stored file's bytes no longer have the SHA-256 they were stored under.

    A server fault no retry will fix, hence a 500-class answer with its own code; the bytes
    are never served. Restore the file from a backup (its path is in the log).
    """

    status = 500
    code = "storage_corrupt"


class StorageMissing(StorageCorrupt):
    code = "storage_missing"
