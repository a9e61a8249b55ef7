"""What a database dump tells the rest of the backup: its schema revision and the stored
files its rows name, both read in the very snapshot that was dumped."""

from __future__ import annotations

from dataclasses import dataclass

# A document's bytes and its picture's thumbnail are blobs; nothing else in the schema names one.
BLOBS_SQL = (
    "SELECT sha256 FROM project_document UNION "
    "SELECT thumbnail_sha256 FROM project_document WHERE thumbnail_sha256 IS NOT NULL"
)
REVISION_SQL = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True, slots=True)
class Snapshot:
    revision: str
    blobs: frozenset[str]
