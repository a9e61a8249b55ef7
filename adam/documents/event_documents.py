"""The documents of a Paris Pact event (agenda, presentations, report), kept as a project's
are: coordinators and administrators upload, edit, withdraw and restore them; every
signed-in person reads and downloads the live ones of a live event. The caller commits."""

from __future__ import annotations

from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import MAX_ID, utcnow
from adam.documents.models import Document
from adam.documents.service import EDITABLE, Upload, UploadSettings, check_codes, keep_file
from adam.documents.storage import BlobStore
from adam.errors import N_, Conflict, NotFound
from adam.pact.models import Event


def _event(session: Session, event_id: int, *, actor: Actor) -> Event:
    """A live event (a withdrawn one only for those who may change its documents).

    :raises NotFound: no such event, or withdrawn and the actor may not see it.
    """
    permissions.require(actor, "event_document.read")
    event = session.get(Event, event_id) if 0 < event_id <= MAX_ID else None
    if event is None or (
        event.withdrawn_at is not None and not permissions.allowed(actor, "event_document.write")
    ):
        raise NotFound(N_("No event with id %(id)s.", id=event_id))
    return event


def _writable(session: Session, event_id: int, *, actor: Actor) -> Event:
    """:raises Forbidden: the actor may not change events' documents. :raises Conflict: the
    event is withdrawn."""
    permissions.require(actor, "event_document.write")
    event = _event(session, event_id, actor=actor)
    if event.withdrawn_at is not None:
        raise Conflict(
            N_("Event %(id)s is withdrawn; restore it before changing its documents.", id=event_id)
        )
    return event


def upload(
    session: Session,
    event_id: int,
    *,
    actor: Actor,
    store: BlobStore,
    settings: UploadSettings,
    file: BinaryIO,
    filename: str | None,
    title: str,
    category: str,
    language: str,
) -> Upload:
    """Keep a file with an event (see ``documents.service.keep_file``)."""
    event = _writable(session, event_id, actor=actor)
    return keep_file(
        session,
        {"event_id": event.id},
        actor=actor,
        store=store,
        settings=settings,
        file=file,
        filename=filename,
        title=title,
        category=category,
        language=language,
    )


def get(session: Session, event_id: int, document_id: int, *, actor: Actor) -> Document:
    """:raises NotFound: no such event or document, or withdrawn and the actor may not see it."""
    _event(session, event_id, actor=actor)
    document = (
        session.scalar(
            select(Document).where(Document.id == document_id, Document.event_id == event_id)
        )
        if 0 < document_id <= MAX_ID
        else None
    )
    if document is None or (
        document.is_withdrawn and not permissions.allowed(actor, "event_document.write")
    ):
        raise NotFound(
            N_(
                "Event %(event)s has no document with id %(id)s.",
                event=event_id,
                id=document_id,
            )
        )
    return document


def list_(
    session: Session, event_id: int, *, actor: Actor, withdrawn: bool = False
) -> list[Document]:
    """An event's live documents, oldest first; with ``withdrawn``, only the withdrawn ones
    (for coordinators and administrators)."""
    _event(session, event_id, actor=actor)
    if withdrawn:
        permissions.require(actor, "event_document.write")
    query = select(Document).where(
        Document.event_id == event_id,
        Document.withdrawn_at.is_not(None) if withdrawn else Document.withdrawn_at.is_(None),
    )
    return list(session.scalars(query.order_by(Document.id)))


def update(
    session: Session, event_id: int, document_id: int, *, actor: Actor, changes: dict[str, Any]
) -> Document:
    """Change a document's title, category or language (its bytes never change)."""
    _writable(session, event_id, actor=actor)
    document = get(session, event_id, document_id, actor=actor)
    if document.is_withdrawn:
        raise Conflict(
            N_("Document %(id)s is withdrawn; restore it before editing.", id=document_id)
        )
    check_codes(category=changes.get("category"), language=changes.get("language"), of_event=True)
    changed = False
    for name in EDITABLE:
        if name in changes:
            attribute = "category_code" if name == "category" else name
            changed |= getattr(document, attribute) != changes[name]
            setattr(document, attribute, changes[name])
    if changed:
        document.updated_at = utcnow()
    session.flush()
    return document


def withdraw(session: Session, event_id: int, document_id: int, *, actor: Actor) -> Document:
    """Hide a document from all but coordinators and administrators; its bytes stay."""
    _writable(session, event_id, actor=actor)
    document = get(session, event_id, document_id, actor=actor)
    if not document.is_withdrawn:
        document.withdrawn_at = utcnow()
        document.withdrawn_by_id = actor.user_id
        session.flush()
    return document


def restore(session: Session, event_id: int, document_id: int, *, actor: Actor) -> Document:
    _writable(session, event_id, actor=actor)
    document = get(session, event_id, document_id, actor=actor)
    if document.is_withdrawn:
        document.withdrawn_at = None
        document.withdrawn_by_id = None
        session.flush()
    return document
