"""A document or picture kept with a project or with an event of the Paris Pact (its agenda,
presentations, report); its bytes live in the blob store by SHA-256.

One table for both: the blob store's bookkeeping (which rows name a blob, what a backup
copies) then holds for every document without knowing who owns it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, intpk, timestamp

PICTURE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
# The public paths of a document's bytes (the API is mounted at /api/v1); the IATI export
# prefixes them with PUBLIC_URL for document-link/@url.
CONTENT_PATH = "/api/v1/projects/{project_id}/documents/{document_id}/content"
THUMBNAIL_PATH = "/api/v1/projects/{project_id}/documents/{document_id}/thumbnail"
EVENT_CONTENT_PATH = "/api/v1/events/{event_id}/documents/{document_id}/content"
EVENT_THUMBNAIL_PATH = "/api/v1/events/{event_id}/documents/{document_id}/thumbnail"


class Document(Base):
    __tablename__ = "project_document"
    __table_args__ = (
        Index("ix_project_document_project_id_id", "project_id", "id"),
        Index("ix_project_document_event_id_id", "event_id", "id"),
        CheckConstraint("(project_id IS NULL) <> (event_id IS NULL)", name="one_owner"),
        # A blob may be removed only when no row names it (a failed upload's cleanup).
        Index("ix_project_document_sha256", "sha256"),
        Index("ix_project_document_thumbnail_sha256", "thumbnail_sha256"),
    )

    id: Mapped[intpk]
    # Exactly one owner: a project, or an event (pact_event).
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("pact_event.id"))
    title: Mapped[str] = mapped_column(String(500))
    category_code: Mapped[str] = mapped_column(String(3))  # IATI DocumentCategory
    language: Mapped[str] = mapped_column(String(2))  # ISO 639-1
    filename: Mapped[str] = mapped_column(String(255))  # cleaned; a label, never a path
    media_type: Mapped[str] = mapped_column(String(100))  # sniffed from the bytes
    size: Mapped[int] = mapped_column(BigInteger)  # of the stored (served) bytes
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[timestamp]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[timestamp]
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def is_picture(self) -> bool:
        return self.media_type in PICTURE_TYPES

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def content_path(self) -> str:
        if self.event_id is not None:
            return EVENT_CONTENT_PATH.format(event_id=self.event_id, document_id=self.id)
        return CONTENT_PATH.format(project_id=self.project_id, document_id=self.id)

    @property
    def thumbnail_path(self) -> str | None:
        if self.thumbnail_sha256 is None:
            return None
        if self.event_id is not None:
            return EVENT_THUMBNAIL_PATH.format(event_id=self.event_id, document_id=self.id)
        return THUMBNAIL_PATH.format(project_id=self.project_id, document_id=self.id)
