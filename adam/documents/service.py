"""Upload, read, edit, withdraw and restore a project's documents and pictures.

Who may upload, edit, withdraw or restore is who may edit the project; who may read the
project may read and download its live documents. Documents do not change the project's
version (its ETag): they are kept beside it, not in it. Each change is noted in the
project's history as a change of "documents". The caller owns the transaction and commits;
after a failed commit it calls ``abandon_upload`` so no stray file is left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import MAX_ID, utcnow
from adam.documents import pictures
from adam.documents.categories import is_category, is_event_category
from adam.documents.errors import UnsupportedFileType
from adam.documents.models import Document
from adam.documents.names import MAX_NAME_LENGTH, clean_filename, extension_of
from adam.documents.sniff import EXTENSIONS, name_matches, sniff
from adam.documents.storage import BlobStore, StagedBlob, read_chunks
from adam.errors import N_, Conflict, InvalidInput, NotFound
from adam.paging import one_page
from adam.projects import service as projects_service
from adam.projects.models import Project, ProjectHistory, ProjectHistoryAction, project_country
from adam.reference.codes import language_codes

log = logging.getLogger(__name__)

EDITABLE = ("title", "category", "language")


@dataclass(frozen=True, slots=True)
class UploadSettings:
    max_bytes: int = 25 * 1024 * 1024
    thumbnail_side: int = 320
    max_pixels: int = 60_000_000


@dataclass(slots=True)
class Upload:
    """A document written in the session (not yet committed) and the blobs it created."""

    document: Document
    created_blobs: list[str] = field(default_factory=list)


def check_codes(*, category: str | None, language: str | None, of_event: bool = False) -> None:
    """:raises InvalidInput: an unknown category (IATI's for projects, ``EVENT_CATEGORIES``
    for an event's documents) or language."""
    errors: dict[str, list[str]] = {}
    if category is not None and of_event and not is_event_category(category):
        errors["category"] = [
            N_(
                "Unknown category of an event's document: %(code)s (AGN agenda, PRS "
                "presentation, RPT report, STM statement, PTL list of participants, OTH other).",
                code=category,
            )
        ]
    elif category is not None and not of_event and not is_category(category):
        errors["category"] = [
            N_(
                "Unknown IATI DocumentCategory code: %(code)s (A01-A12, B01-B18).",
                code=category,
            )
        ]
    if language is not None and language not in language_codes():
        errors["language"] = [N_("Unknown ISO 639-1 language code: %(code)s.", code=language)]
    if errors:
        raise InvalidInput(N_("The document names codes that do not exist."), errors)


def _project(session: Session, project_id: int, *, actor: Actor, action: str) -> Project:
    """The project, if the actor may do ``action`` to its documents.

    :raises NotFound: no such project (or withdrawn, for those who may not see it).
    :raises Conflict: the project is withdrawn.
    :raises Forbidden: the actor may not edit the project.
    """
    project = projects_service.get_project(session, project_id, actor=actor)
    if project.is_withdrawn:
        raise Conflict(
            N_(
                "Project %(project)s is withdrawn; restore it before changing its documents.",
                project=project.code,
            )
        )
    permissions.require(actor, action, projects_service.scope_of(project))
    return project


def summary(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "title": document.title,
        "category": document.category_code,
        "language": document.language,
        "filename": document.filename,
    }


def _record(
    session: Session,
    project: Project,
    actor: Actor,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> None:
    session.add(
        ProjectHistory(
            project_id=project.id,
            action=ProjectHistoryAction.UPDATE,
            version=project.version,
            actor_id=actor.user_id,
            changes={"documents": {"old": old, "new": new}},
        )
    )


def _name_for(name: str, media_type: str) -> str:
    """Refuse a name that claims another accepted type; give a name without one the right
    extension, so the download opens with the right program."""
    extension = extension_of(name)
    if not name_matches(media_type, extension):
        raise UnsupportedFileType(
            f"The file is named {name!r} but its content is {media_type}; the type is judged "
            "from the content. Rename it or send the file you meant.",
            {"file": [f"Named {extension} but the content is {media_type}."]},
        )
    if extension in EXTENSIONS[media_type]:
        return name
    wanted = EXTENSIONS[media_type][0]
    return name[: MAX_NAME_LENGTH - len(wanted)] + wanted


def upload_document(
    session: Session,
    project_id: int,
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
    """Keep a file with a project (``keep_file``), noted in the project's history.

    :raises FileTooLarge, UnsupportedFileType, InvalidInput: see ``keep_file``.
    """
    project = _project(session, project_id, actor=actor, action="document.upload")
    return keep_file(
        session,
        {"project_id": project.id},
        actor=actor,
        store=store,
        settings=settings,
        file=file,
        filename=filename,
        title=title,
        category=category,
        language=language,
        record=lambda document: _record(session, project, actor, None, summary(document)),
    )


def keep_file(
    session: Session,
    owner: dict[str, int],
    *,
    actor: Actor,
    store: BlobStore,
    settings: UploadSettings,
    file: BinaryIO,
    filename: str | None,
    title: str,
    category: str,
    language: str,
    record: Callable[[Document], None] = lambda _: None,
) -> Upload:
    """Keep a file as a document of ``owner`` (``project_id`` or ``event_id``). Pictures
    are stored without their metadata (see pictures.py) and get a thumbnail; ``record``
    notes the new document where its owner keeps its history.

    On any failure nothing stays behind: staging files are removed, and blobs this call
    created are removed again unless a stored row names them (the session is rolled back).

    :raises FileTooLarge: the file is larger than ``settings.max_bytes``.
    :raises UnsupportedFileType: the content is not of an accepted type, or the name says
        another accepted type.
    :raises InvalidInput: empty file, unknown codes, or a picture that cannot be decoded.
    """
    check_codes(category=category, language=language, of_event="event_id" in owner)
    name = clean_filename(filename)
    staged: list[StagedBlob] = [store.stage(read_chunks(file), max_bytes=settings.max_bytes)]
    created: list[str] = []
    try:
        original = staged[0]
        if original.size == 0:
            raise InvalidInput(N_("The file is empty."), {"file": [N_("The file is empty.")]})
        kind = sniff(original.path, name)
        if not kind.allowed:
            raise UnsupportedFileType(
                N_(
                    "Files of type %(type)s are not accepted. Send PDF, Word, Excel, "
                    "PowerPoint (docx, xlsx, pptx), OpenDocument (odt, ods), plain text, CSV, "
                    "or a JPEG, PNG, WebP or GIF picture.",
                    type=kind.media_type,
                ),
                {"file": [N_("The content is %(type)s.", type=kind.media_type)]},
            )
        name = _name_for(name, kind.media_type)
        blob, thumbnail, info = original, None, None
        if kind.is_picture:
            data = original.path.read_bytes()
            blob = store.stage(pictures.strip_metadata(data, kind.media_type))
            staged.append(blob)
            store.discard(original)
            del data  # the stripped copy is on disk; hold one copy at a time
            clean = blob.path.read_bytes()
            info, small = pictures.examine(
                clean,
                kind.media_type,
                max_side=settings.thumbnail_side,
                max_pixels=settings.max_pixels,
            )
            del clean
            thumbnail = store.stage([small])
            staged.append(thumbnail)
        for part in (blob, thumbnail):
            if part is not None and store.keep(part):
                created.append(part.sha256)
        document = Document(
            **owner,
            title=title,
            category_code=category,
            language=language,
            filename=name,
            media_type=kind.media_type,
            size=blob.size,
            sha256=blob.sha256,
            width=info.width if info else None,
            height=info.height if info else None,
            thumbnail_sha256=thumbnail.sha256 if thumbnail else None,
            created_by_id=actor.user_id,
        )
        session.add(document)
        session.flush()
        record(document)
        session.flush()
    except BaseException:
        for part in staged:
            store.discard(part)
        if created:
            forget_blobs(session, store, created)
        raise
    return Upload(document=document, created_blobs=created)


def forget_blobs(session: Session, store: BlobStore, sha256s: Iterable[str]) -> None:
    """Roll the session back, then remove those blobs no stored row names.

    For a failed upload: its blobs were new, but the same bytes may have been stored for
    another document meanwhile, and that row's blob must stay.
    """
    wanted = set(sha256s)
    session.rollback()
    try:
        named = set(
            session.scalars(select(Document.sha256).where(Document.sha256.in_(wanted))).all()
        ) | set(
            session.scalars(
                select(Document.thumbnail_sha256).where(Document.thumbnail_sha256.in_(wanted))
            ).all()
        )
    except Exception:
        # Without the database we cannot tell; a stray file is better than a missing one.
        log.exception("could not check blobs %s after a failed upload; left in place", wanted)
        session.rollback()
        return
    for sha256 in wanted - named:
        store.remove(sha256)


def abandon_upload(session: Session, store: BlobStore, upload: Upload) -> None:
    """Undo an upload whose commit failed."""
    forget_blobs(session, store, upload.created_blobs)


def _load(session: Session, project_id: int, document_id: int) -> Document | None:
    if not 0 < document_id <= MAX_ID:
        return None
    return session.scalar(
        select(Document).where(Document.id == document_id, Document.project_id == project_id)
    )


def get_document(session: Session, project_id: int, document_id: int, *, actor: Actor) -> Document:
    """A document of a project the actor may read. Withdrawn documents exist only for those
    who may edit the project.

    :raises NotFound: no such project or document, or withdrawn and the actor may not see it.
    """
    project = projects_service.get_project(session, project_id, actor=actor)
    document = _load(session, project_id, document_id)
    if document is None or (
        document.is_withdrawn
        and not permissions.allowed(
            actor, "document.read_withdrawn", projects_service.scope_of(project)
        )
    ):
        raise NotFound(
            N_(
                "Project %(project)s has no document with id %(id)s.",
                project=project_id,
                id=document_id,
            )
        )
    return document


def list_documents(
    session: Session,
    project_id: int,
    *,
    actor: Actor,
    withdrawn: bool = False,
    pictures_only: bool = False,
) -> list[Document]:
    """A project's live documents, oldest first; with ``withdrawn``, only the withdrawn ones
    (for those who may edit the project)."""
    project = projects_service.get_project(session, project_id, actor=actor)
    if withdrawn:
        permissions.require(actor, "document.read_withdrawn", projects_service.scope_of(project))
    query = select(Document).where(
        Document.project_id == project_id,
        Document.withdrawn_at.is_not(None) if withdrawn else Document.withdrawn_at.is_(None),
    )
    if pictures_only:
        query = query.where(Document.thumbnail_sha256.is_not(None))
    return list(session.scalars(query.order_by(Document.id)))


def documents_for_projects(
    session: Session, project_ids: Sequence[int]
) -> dict[int, list[Document]]:
    """Live documents of each project, oldest first (every id given has a list, maybe empty).

    For exports (IATI ``document-link``): no permission check, and the projects' own
    withdrawal is the caller's business.
    """
    found: dict[int, list[Document]] = {project_id: [] for project_id in project_ids}
    ids = list(found)
    for start in range(0, len(ids), 1000):  # keep IN lists short for both backends
        rows = session.scalars(
            select(Document)
            .where(
                Document.project_id.in_(ids[start : start + 1000]),
                Document.withdrawn_at.is_(None),
            )
            .order_by(Document.project_id, Document.id)
        )
        for document in rows:
            found[cast(int, document.project_id)].append(document)
    return found


@dataclass(frozen=True, slots=True)
class ProjectDocument:
    """A document with the project it belongs to, for lists across projects."""

    document: Document
    project_id: int
    project_code: str
    project_title: str


def documents_of_country(
    session: Session, country_code: str, *, actor: Actor, page: int = 1, per_page: int = 20
) -> tuple[list[ProjectDocument], int]:
    """One page of the live documents of the live projects benefiting a country, newest
    first, and how many there are.

    Every reader may read live projects and their live documents; withdrawn ones are for the
    project's editors, on the project's own page, so no list across projects shows them.
    """
    permissions.require(actor, "project.read")
    in_country = select(project_country.c.project_id).where(
        project_country.c.country_code == country_code.upper()
    )
    conditions = (
        Document.project_id.in_(in_country),
        Document.withdrawn_at.is_(None),
        Project.withdrawn_at.is_(None),
    )
    total = (
        session.scalar(
            select(func.count(Document.id))
            .join(Project, Project.id == Document.project_id)
            .where(*conditions)
        )
        or 0
    )
    query = (
        select(Document, Project.code, Project.title)
        .join(Project, Project.id == Document.project_id)
        .where(*conditions)
        .order_by(Document.id.desc())
    )
    rows = session.execute(one_page(query, page=page, per_page=per_page)).all()
    found = [ProjectDocument(d, cast(int, d.project_id), code, title) for d, code, title in rows]
    return found, total


def update_document(
    session: Session,
    project_id: int,
    document_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
) -> Document:
    """Change a document's title, category or language (its bytes never change)."""
    project = _project(session, project_id, actor=actor, action="document.update")
    document = get_document(session, project_id, document_id, actor=actor)
    if document.is_withdrawn:
        raise Conflict(
            N_("Document %(id)s is withdrawn; restore it before editing.", id=document_id)
        )
    check_codes(category=changes.get("category"), language=changes.get("language"))
    before = summary(document)
    for name in EDITABLE:
        if name in changes:
            setattr(document, "category_code" if name == "category" else name, changes[name])
    if summary(document) != before:
        document.updated_at = utcnow()
        _record(session, project, actor, before, summary(document))
    session.flush()
    return document


def withdraw_document(
    session: Session, project_id: int, document_id: int, *, actor: Actor
) -> Document:
    """Hide a document from everyone but the project's editors; its bytes stay stored."""
    project = _project(session, project_id, actor=actor, action="document.withdraw")
    document = get_document(session, project_id, document_id, actor=actor)
    if document.is_withdrawn:
        return document
    document.withdrawn_at = utcnow()
    document.withdrawn_by_id = actor.user_id
    _record(session, project, actor, summary(document), None)
    session.flush()
    return document


def restore_document(
    session: Session, project_id: int, document_id: int, *, actor: Actor
) -> Document:
    project = _project(session, project_id, actor=actor, action="document.restore")
    document = get_document(session, project_id, document_id, actor=actor)
    if not document.is_withdrawn:
        return document
    document.withdrawn_at = None
    document.withdrawn_by_id = None
    _record(session, project, actor, None, summary(document))
    session.flush()
    return document


def open_content(store: BlobStore, document: Document) -> BinaryIO:
    """The document's bytes, checked against their SHA-256 (see BlobStore.open)."""
    return store.open(document.sha256)


def open_thumbnail_check(document: Document) -> None:
    """:raises NotFound: the document is not a picture (so it has no thumbnail)."""
    if document.thumbnail_sha256 is None:
        raise NotFound(N_("Document %(id)s is not a picture and has no thumbnail.", id=document.id))


def open_thumbnail(store: BlobStore, document: Document) -> BinaryIO:
    open_thumbnail_check(document)
    assert document.thumbnail_sha256 is not None
    return store.open(document.thumbnail_sha256)
