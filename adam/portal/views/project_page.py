"""One project's page: its fields, documents and pictures, history and duplicate alerts, with
the uploads, withdrawal and restoration its reader's role allows."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, gettext, lazy_gettext
from marshmallow import EXCLUDE, ValidationError
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from adam.access import page
from adam.auth import permissions
from adam.auth.actor import Actor
from adam.documents import routes as documents_routes
from adam.documents import service as documents_service
from adam.documents.categories import document_categories
from adam.documents.errors import FileTooLarge, UnsupportedFileType
from adam.documents.schemas import DocumentUploadSchema
from adam.duplicates import service as duplicates_service
from adam.errors import InvalidInput
from adam.portal.blueprint import portal_blueprint
from adam.portal.categories import category_label
from adam.portal.errors import page_for
from adam.portal.forms import form_int
from adam.portal.i18n import label, language
from adam.projects import service as projects_service
from adam.projects.models import Project
from adam.reference.codes import language_codes
from adam.session import get_session, get_settings, rollback_request_session
from adam.uploads import FORM_OVERHEAD
from adam.web import commit, current_actor
from adam.workflows import projects as project_workflows

blp = portal_blueprint("portal_project", __name__)

ALERTS_SHOWN = 50
UPLOAD_ENDPOINT = "portal_project.upload"
# The history's field names, as a reader reads them.
FIELDS: dict[str, Any] = {
    "title": lazy_gettext("Title"),
    "description": lazy_gettext("Description"),
    "donors": lazy_gettext("Donors"),
    "implementers": lazy_gettext("Implementers"),
    "countries": lazy_gettext("Countries"),
    "themes": lazy_gettext("Themes"),
    "status": lazy_gettext("Status"),
    "start_date": lazy_gettext("Start date"),
    "end_date": lazy_gettext("End date"),
    "budget": lazy_gettext("Budget"),
    "iati_identifier": lazy_gettext("IATI identifier"),
    "language": lazy_gettext("Language"),
    "contact": lazy_gettext("Contact"),
    "documents": lazy_gettext("Documents"),
    "withdrawn_at": lazy_gettext("Withdrawn"),
}
# What the upload form's fields need, when the API's upload schema refuses them.
FORM_PROBLEMS: dict[str, Any] = {
    "file": lazy_gettext("Choose a file."),
    "title": lazy_gettext("Give the document a title of at most 500 characters, on one line."),
    "category": lazy_gettext("Choose a category from the list."),
    "language": lazy_gettext("Choose a language from the list."),
}
ACTIONS: dict[str, Any] = {
    "create": lazy_gettext("Registered"),
    "update": lazy_gettext("Changed"),
    "withdraw": lazy_gettext("Withdrawn"),
    "restore": lazy_gettext("Restored"),
}


@blp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before the sign-in check reads the form for its CSRF token: an upload's body may
    # be as large as an upload through the API, not only as large as a form.
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = documents_routes.upload_settings().max_bytes + FORM_OVERHEAD


def language_name(code: str | None) -> str:
    """The name of an ISO 639-1 language in the reader's language (the code if unknown)."""
    if not code:
        return ""
    return str(Locale.parse(language()).languages.get(code, code))


def document_languages() -> list[tuple[str, str]]:
    """The languages a document may be in, named in the reader's language, by name."""
    return _languages_in(language())


@cache
def _languages_in(locale: str) -> list[tuple[str, str]]:
    names = Locale.parse(locale).languages
    return sorted(((c, str(names.get(c, c))) for c in language_codes()), key=lambda p: p[1])


def file_size(size: int) -> str:
    if size < 1024:
        return gettext("%(n)s bytes", n=format_decimal(size))
    if size < 1024 * 1024:
        return gettext("%(n)s KB", n=format_decimal(round(size / 1024, 1)))
    return gettext("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1)))


def shown(value: Any, field: str = "") -> str:
    """A value of the history (JSON) as a reader reads it."""
    if field == "status" and isinstance(value, str):
        return label(value)
    if field == "language" and isinstance(value, str):
        return language_name(value)
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        if "amount" in value and "currency" in value:
            return f"{value['amount']} {value['currency']}"
        if "title" in value:  # a document
            return f"{value['title']} ({value.get('filename', '')})"
        return ", ".join(shown(v) for v in value.values() if v)
    return str(value)


def _abilities(actor: Actor, project: Project) -> dict[str, bool]:
    scope = projects_service.scope_of(project)
    live = not project.is_withdrawn
    return {
        "edit": live and permissions.allowed(actor, "project.update", scope),
        "withdraw": live and permissions.allowed(actor, "project.withdraw", scope),
        "restore": not live and permissions.allowed(actor, "project.restore", scope),
        "upload": live and permissions.allowed(actor, "document.upload", scope),
        "alerts": permissions.allowed(actor, "alert.read"),
    }


def _render(
    project_id: int,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, str] | None = None,
) -> tuple[str, int]:
    session, actor = get_session(), current_actor()
    project = projects_service.get_project(session, project_id, actor=actor)
    # Read once: get_project made the checks list_documents and project_history would make.
    documents = documents_service.documents_for_projects(session, [project.id])[project.id]
    history = projects_service.history_of(session, project)
    can = _abilities(actor, project)
    alerts: list[Any] = []
    alerts_total = 0
    if can["alerts"]:
        alerts, alerts_total = duplicates_service.list_alerts(
            session,
            actor=actor,
            filters=duplicates_service.AlertFilters(project_id=project_id),
            per_page=ALERTS_SHOWN,
        )
    html = render_template(
        "portal/project.html",
        project=project,
        documents=[d for d in documents if not d.is_picture],
        pictures=[d for d in documents if d.is_picture],
        history=list(reversed(history)),
        alerts=alerts,
        alerts_total=alerts_total,
        can=can,
        errors=errors or {},
        form=form or {"language": project.language},
        categories={code: category_label(code) for code in document_categories()},
        languages=document_languages() if can["upload"] else [],
        category_name=category_label,
        language_name=language_name,
        file_size=file_size,
        shown=shown,
        FIELDS=FIELDS,
        ACTIONS=ACTIONS,
    )
    return html, status


@page
@blp.route("/projects/<int:project_id>")
def project(project_id: int) -> ResponseReturnValue:
    """Everything about one project, in the reader's language."""
    return _render(project_id)


def upload_errors(error: Exception) -> dict[str, list[str]]:
    """The refusal of an upload in the reader's words, by field."""
    if isinstance(error, FileTooLarge | RequestEntityTooLarge):
        limit = documents_routes.upload_settings().max_bytes
        return {"file": [gettext("The file is larger than %(size)s.", size=file_size(limit))]}
    if isinstance(error, UnsupportedFileType):
        return {
            "file": [
                gettext(
                    "Files of this type are not accepted, or the name does not fit the "
                    "content. Send PDF, Word, Excel, PowerPoint, OpenDocument, plain text, "
                    "CSV, or a JPEG, PNG, WebP or GIF picture."
                )
            ]
        }
    details = getattr(error, "details", None) or {}
    found: dict[str, list[str]] = {}
    if "file" in details:
        found["file"] = [gettext("The file is empty or cannot be read.")]
    if "category" in details:
        found["category"] = [gettext("Choose a category from the list.")]
    if "language" in details:
        found["language"] = [gettext("Choose a language from the list.")]
    return found or {"file": [gettext("The file could not be kept.")]}


@page
@blp.route("/projects/<int:project_id>/documents", methods=["POST"])
def upload(project_id: int) -> ResponseReturnValue:
    """Keep a document or picture with the project (the same upload as the API's)."""
    form = {k: request.form.get(k, "").strip() for k in ("title", "category", "language")}
    try:
        data = DocumentUploadSchema().load(
            CombinedMultiDict([request.files, request.form]), unknown=EXCLUDE
        )
    except ValidationError as error:
        problems = error.normalized_messages()
        errors = {
            name: [str(text)]
            for name, text in FORM_PROBLEMS.items()
            if isinstance(problems, dict) and name in problems
        }
        return _render(project_id, status=422, errors=errors, form=form)
    try:
        document = documents_routes.store_upload(
            project_id,
            file=data["file"],
            title=data["title"],
            category=data["category"],
            language=data["language"],
        )
    except (FileTooLarge, UnsupportedFileType, InvalidInput) as error:
        rollback_request_session()
        return _render(project_id, status=error.status, errors=upload_errors(error), form=form)
    flash(gettext("“%(title)s” is kept with the project.", title=document.title))
    return redirect(url_for("portal_project.project", project_id=project_id), 303)


@blp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    rollback_request_session()
    project_id = (request.view_args or {}).get("project_id")
    if request.endpoint != UPLOAD_ENDPOINT or project_id is None:
        return page_for(413)
    form = {k: "" for k in ("title", "category", "language")}
    return _render(project_id, status=413, errors=upload_errors(error), form=form)


def _expected_version() -> int | None:
    return form_int(request.form.get("expected_version"))


@page
@blp.route("/projects/<int:project_id>/withdraw", methods=["POST"])
def withdraw(project_id: int) -> ResponseReturnValue:
    """Withdraw the project (hidden, kept, restorable by a coordinator)."""
    project_workflows.withdraw(
        get_session(), project_id, actor=current_actor(), expected_version=_expected_version()
    )
    commit()
    flash(gettext("The project is withdrawn. A coordinator can restore it."))
    return redirect(url_for("portal_project.project", project_id=project_id), 303)


@page
@blp.route("/projects/<int:project_id>/restore", methods=["POST"])
def restore(project_id: int) -> ResponseReturnValue:
    """Restore a withdrawn project; it is checked for duplicates again."""
    project_workflows.restore(
        get_session(),
        project_id,
        actor=current_actor(),
        matcher=get_settings().matcher,
        expected_version=_expected_version(),
    )
    commit()
    flash(gettext("The project is restored."))
    return redirect(url_for("portal_project.project", project_id=project_id), 303)


@page
@blp.route("/projects/<int:project_id>/documents/<int:document_id>/content")
def download(project_id: int, document_id: int) -> ResponseReturnValue:
    """A document's bytes (the same as the API's download)."""
    return documents_routes.send_content(project_id, document_id)


@page
@blp.route("/projects/<int:project_id>/documents/<int:document_id>/thumbnail")
def thumbnail(project_id: int, document_id: int) -> ResponseReturnValue:
    """A picture's thumbnail."""
    return documents_routes.send_thumbnail(project_id, document_id)
