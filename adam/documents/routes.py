"""Project documents and pictures: upload, list, read, download, edit, withdraw, restore."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, cast

from flask import Flask, Response, current_app, request, send_file
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from adam import commits
from adam.access import protected
from adam.api import Blueprint
from adam.documents import event_documents, service
from adam.documents.errors import FileTooLarge
from adam.documents.models import Document
from adam.documents.schemas import (
    DocumentListQuerySchema,
    DocumentListSchema,
    DocumentOutSchema,
    DocumentPatchSchema,
    DocumentUploadSchema,
    EventDocumentPatchSchema,
    EventDocumentUploadSchema,
    PictureListSchema,
)
from adam.documents.storage import BlobStore, LocalBlobStore
from adam.idempotency.decorator import idempotent
from adam.session import get_session, get_settings
from adam.uploads import accept_uploads
from adam.web import commit, current_actor

blp = Blueprint("documents", __name__, description="Project documents and pictures")

STORE_KEY = "adam.documents.store"


def upload_settings() -> service.UploadSettings:
    return get_settings().uploads


def upload_root(app: Flask) -> Path:
    """UPLOAD_DIR (ADAM_UPLOAD_DIR), or ``uploads`` under the instance folder."""
    return get_settings(app).upload_dir


def _accept_uploads(blueprint: Blueprint) -> None:
    accept_uploads(
        blueprint,
        max_bytes=lambda: upload_settings().max_bytes,
        too_large=lambda limit: FileTooLarge(
            f"The upload is larger than the {limit} bytes (UPLOAD_MAX_BYTES) accepted per file.",
            {"file": [f"Larger than {limit} bytes."]},
        ),
    )


_accept_uploads(blp)


def blob_store() -> BlobStore:
    # Made on first use, so creating an app (tests, CLI) makes no folders.
    store = current_app.extensions.get(STORE_KEY)
    if store is None:
        store = current_app.extensions[STORE_KEY] = LocalBlobStore(upload_root(current_app))
    return store


@protected(accepts="multipart")
@blp.route("/projects/<int:project_id>/documents", methods=["POST"])
@idempotent
@blp.arguments(DocumentUploadSchema, location="files")
@blp.response(201, DocumentOutSchema)
def upload_document(data: dict[str, Any], project_id: int) -> tuple[Document, int, dict[str, str]]:
    """Upload a document or picture (multipart/form-data: file, title, category, language)."""
    document = store_upload(
        project_id,
        file=data["file"],
        title=data["title"],
        category=data["category"],
        language=data["language"],
    )
    return document, 201, {"Location": f"/api/v1/projects/{project_id}/documents/{document.id}"}


def store_upload(
    project_id: int, *, file: FileStorage, title: str, category: str, language: str
) -> Document:
    """Keep an uploaded file with a project and commit; the API's upload and the portal's
    page both upload through here. A failed commit leaves no stray file."""
    store, session = blob_store(), get_session()
    upload = service.upload_document(
        session,
        project_id,
        actor=current_actor(),
        store=store,
        settings=upload_settings(),
        file=cast(BinaryIO, file.stream),
        filename=file.filename,
        title=title,
        category=category,
        language=language,
    )
    return _committed(session, store, upload)


def _committed(session: Session, store: BlobStore, upload: service.Upload) -> Document:
    """Commit an upload; a failed commit leaves no stray file."""
    try:
        commit()
    except BaseException:
        service.abandon_upload(session, store, upload)
        raise
    # Held by an Idempotency-Key (the commit above only flushed): the same, if the real one fails.
    commits.if_not_committed(session, lambda: service.abandon_upload(session, store, upload))
    return upload.document


@protected
@blp.route("/projects/<int:project_id>/documents")
@blp.arguments(DocumentListQuerySchema, location="query", unknown="raise")
@blp.response(200, DocumentListSchema)
def list_documents(args: dict[str, Any], project_id: int) -> dict[str, list[Document]]:
    """A project's documents, oldest first (withdrawn=true: the withdrawn ones, for editors)."""
    items = service.list_documents(
        get_session(), project_id, actor=current_actor(), withdrawn=args["withdrawn"]
    )
    return {"items": items}


@protected
@blp.route("/projects/<int:project_id>/pictures")
@blp.response(200, PictureListSchema)
def list_pictures(project_id: int) -> dict[str, list[Document]]:
    """A project's pictures with their size and thumbnail links."""
    items = service.list_documents(
        get_session(), project_id, actor=current_actor(), pictures_only=True
    )
    return {"items": items}


@protected
@blp.route("/projects/<int:project_id>/documents/<int:document_id>")
@blp.response(200, DocumentOutSchema)
def get_document(project_id: int, document_id: int) -> Document:
    """A document's metadata."""
    return service.get_document(get_session(), project_id, document_id, actor=current_actor())


def _send(
    sha256: str,
    open_blob: Callable[[], BinaryIO],
    *,
    media_type: str,
    name: str,
    inline: bool,
) -> Response:
    headers = {
        "ETag": f'"{sha256}"',
        # Revalidate with If-None-Match each time; the bytes stay out of shared caches.
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if request.if_none_match.contains(sha256):
        return Response(status=304, headers=headers)
    handle = open_blob()  # checked against its hash before a byte is sent
    response = send_file(
        handle,
        mimetype=media_type,
        as_attachment=not inline,
        download_name=name,
        conditional=False,
        etag=False,
        max_age=None,
    )
    with contextlib.suppress(AttributeError, OSError, io.UnsupportedOperation):
        response.content_length = os.fstat(handle.fileno()).st_size
    response.headers.update(headers)
    return response


@protected
@blp.route("/projects/<int:project_id>/documents/<int:document_id>/content")
@blp.response(200, description="The file: pictures inline, other files as attachments.")
@blp.alt_response(304, description="Not modified (If-None-Match held the ETag).")
def download_document(project_id: int, document_id: int) -> Response:
    """The document's bytes, with its media type, file name and ETag (its SHA-256)."""
    return send_content(project_id, document_id)


def send_content(project_id: int, document_id: int) -> Response:
    """A document's bytes for the current actor (the API's and the portal's download)."""
    document = service.get_document(get_session(), project_id, document_id, actor=current_actor())
    return _send_content(document)


def _send_content(document: Document) -> Response:
    return _send(
        document.sha256,
        lambda: service.open_content(blob_store(), document),
        media_type=document.media_type,
        name=document.filename,
        inline=document.is_picture,
    )


@protected
@blp.route("/projects/<int:project_id>/documents/<int:document_id>/thumbnail")
@blp.response(200, description="A JPEG of at most THUMBNAIL_SIZE pixels a side.")
@blp.alt_response(304, description="Not modified (If-None-Match held the ETag).")
def download_thumbnail(project_id: int, document_id: int) -> Response:
    """A picture's thumbnail (404 for documents that are not pictures)."""
    return send_thumbnail(project_id, document_id)


def send_thumbnail(project_id: int, document_id: int) -> Response:
    """A picture's thumbnail for the current actor (the API's and the portal's)."""
    document = service.get_document(get_session(), project_id, document_id, actor=current_actor())
    return _send_thumbnail(document)


def _send_thumbnail(document: Document) -> Response:
    service.open_thumbnail_check(document)
    store = blob_store()
    stem = document.filename.rpartition(".")[0] or document.filename
    return _send(
        document.thumbnail_sha256 or "",
        lambda: service.open_thumbnail(store, document),
        media_type="image/jpeg",
        name=f"{stem}-thumbnail.jpg",
        inline=True,
    )


@protected
@blp.route("/projects/<int:project_id>/documents/<int:document_id>", methods=["PATCH"])
@blp.arguments(DocumentPatchSchema(partial=True))
@blp.response(200, DocumentOutSchema)
def update_document(data: dict[str, Any], project_id: int, document_id: int) -> Document:
    """Change a document's title, category or language (project editors)."""
    document = service.update_document(
        get_session(), project_id, document_id, actor=current_actor(), changes=data
    )
    commit()
    return document


@protected
@blp.route("/projects/<int:project_id>/documents/<int:document_id>", methods=["DELETE"])
@blp.response(204)
def withdraw_document(project_id: int, document_id: int) -> None:
    """Withdraw a document: hidden, kept on disk, restorable by the project's editors."""
    service.withdraw_document(get_session(), project_id, document_id, actor=current_actor())
    commit()


@protected
@blp.route("/projects/<int:project_id>/documents/<int:document_id>/restore", methods=["POST"])
@blp.response(200, DocumentOutSchema)
def restore_document(project_id: int, document_id: int) -> Document:
    """Restore a withdrawn document (project editors)."""
    document = service.restore_document(
        get_session(), project_id, document_id, actor=current_actor()
    )
    commit()
    return document


# --- Documents of Paris Pact events ------------------------------------------------------

event_blp = Blueprint(
    "event_documents", __name__, description="Documents of Paris Pact events (agenda, report)"
)
_accept_uploads(event_blp)
EVENT_DOCUMENT = "/events/<int:event_id>/documents/<int:document_id>"


@protected(accepts="multipart")
@event_blp.route("/events/<int:event_id>/documents", methods=["POST"])
@idempotent
@event_blp.arguments(EventDocumentUploadSchema, location="files")
@event_blp.response(201, DocumentOutSchema)
def upload_event_document(
    data: dict[str, Any], event_id: int
) -> tuple[Document, int, dict[str, str]]:
    """Upload an event's agenda, presentation or report (coordinators; multipart/form-data:
    file, title, category, language)."""
    document = store_event_upload(
        event_id,
        file=data["file"],
        title=data["title"],
        category=data["category"],
        language=data["language"],
    )
    return document, 201, {"Location": f"/api/v1/events/{event_id}/documents/{document.id}"}


def store_event_upload(
    event_id: int, *, file: FileStorage, title: str, category: str, language: str
) -> Document:
    """Keep an uploaded file with an event and commit (the API's and the portal's upload)."""
    store, session = blob_store(), get_session()
    upload = event_documents.upload(
        session,
        event_id,
        actor=current_actor(),
        store=store,
        settings=upload_settings(),
        file=cast(BinaryIO, file.stream),
        filename=file.filename,
        title=title,
        category=category,
        language=language,
    )
    return _committed(session, store, upload)


@protected
@event_blp.route("/events/<int:event_id>/documents")
@event_blp.arguments(DocumentListQuerySchema, location="query", unknown="raise")
@event_blp.response(200, DocumentListSchema)
def list_event_documents(args: dict[str, Any], event_id: int) -> dict[str, list[Document]]:
    """An event's documents, oldest first (withdrawn=true: the withdrawn ones, for staff)."""
    items = event_documents.list_(
        get_session(), event_id, actor=current_actor(), withdrawn=args["withdrawn"]
    )
    return {"items": items}


@protected
@event_blp.route(EVENT_DOCUMENT)
@event_blp.response(200, DocumentOutSchema)
def get_event_document(event_id: int, document_id: int) -> Document:
    """An event document's metadata."""
    return event_documents.get(get_session(), event_id, document_id, actor=current_actor())


@protected
@event_blp.route(EVENT_DOCUMENT + "/content")
@event_blp.response(200, description="The file: pictures inline, other files as attachments.")
@event_blp.alt_response(304, description="Not modified (If-None-Match held the ETag).")
def download_event_document(event_id: int, document_id: int) -> Response:
    """The document's bytes, with its media type, file name and ETag (its SHA-256)."""
    return send_event_content(event_id, document_id)


def send_event_content(event_id: int, document_id: int) -> Response:
    """An event document's bytes for the current actor (the API's and the portal's)."""
    document = event_documents.get(get_session(), event_id, document_id, actor=current_actor())
    return _send_content(document)


@protected
@event_blp.route(EVENT_DOCUMENT + "/thumbnail")
@event_blp.response(200, description="A JPEG of at most THUMBNAIL_SIZE pixels a side.")
@event_blp.alt_response(304, description="Not modified (If-None-Match held the ETag).")
def download_event_thumbnail(event_id: int, document_id: int) -> Response:
    """A picture's thumbnail (404 for documents that are not pictures)."""
    document = event_documents.get(get_session(), event_id, document_id, actor=current_actor())
    return _send_thumbnail(document)


@protected
@event_blp.route(EVENT_DOCUMENT, methods=["PATCH"])
@event_blp.arguments(EventDocumentPatchSchema(partial=True))
@event_blp.response(200, DocumentOutSchema)
def update_event_document(data: dict[str, Any], event_id: int, document_id: int) -> Document:
    """Change a document's title, category or language (coordinators)."""
    document = event_documents.update(
        get_session(), event_id, document_id, actor=current_actor(), changes=data
    )
    commit()
    return document


@protected
@event_blp.route(EVENT_DOCUMENT, methods=["DELETE"])
@event_blp.response(204)
def withdraw_event_document(event_id: int, document_id: int) -> None:
    """Withdraw a document: hidden, kept on disk, restorable by coordinators."""
    event_documents.withdraw(get_session(), event_id, document_id, actor=current_actor())
    commit()


@protected
@event_blp.route(EVENT_DOCUMENT + "/restore", methods=["POST"])
@event_blp.response(200, DocumentOutSchema)
def restore_event_document(event_id: int, document_id: int) -> Document:
    """Restore a withdrawn document (coordinators)."""
    document = event_documents.restore(get_session(), event_id, document_id, actor=current_actor())
    commit()
    return document
