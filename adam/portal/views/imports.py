"""IATI activity files imported from a page: the upload form, a job's progress and report,
and the list of jobs; the same services and permissions as the API's /imports routes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, format_decimal, gettext, lazy_gettext
from werkzeug.exceptions import RequestEntityTooLarge

from adam.access import page
from adam.auth import permissions
from adam.errors import InvalidInput
from adam.iati import background
from adam.iati.models import ImportJob, ImportOutcome, ImportStatus
from adam.iati.parse import MalformedFile
from adam.iati.schemas import ImportListQuerySchema
from adam.iati.service import ImportTooLarge, get_job, list_jobs
from adam.paging import page_count
from adam.portal.blueprint import portal_blueprint
from adam.portal.i18n import translate
from adam.reference import service as reference_service
from adam.session import get_session, get_settings
from adam.uploads import FORM_OVERHEAD
from adam.web import current_actor

blp = portal_blueprint("portal_imports", __name__)

ENDED = frozenset({ImportStatus.DONE, ImportStatus.FAILED})
# The report's lists are long for big files; the page shows this many of each (the API has all).
SHOWN = 500

STATES = {
    "queued": lazy_gettext("Waiting to start"),
    "running": lazy_gettext("Importing"),
    "done": lazy_gettext("Finished"),
    "failed": lazy_gettext("Stopped by an error"),
}
OUTCOMES = {
    "created": lazy_gettext("Created"),
    "updated": lazy_gettext("Updated"),
    "unchanged": lazy_gettext("Unchanged"),
    "skipped": lazy_gettext("Skipped"),
    "failed": lazy_gettext("Failed"),
}


@blp.context_processor
def _formats() -> dict[str, Any]:
    return {
        "translate": translate,
        "format_decimal": format_decimal,
        "format_datetime": format_datetime,
    }


@blp.url_value_preprocessor
def _upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before every before_request hook, so the sign-in hook's CSRF check already reads
    # the upload with the import's limit, not the app's (small) one for forms.
    if endpoint == "portal_imports.new_import" and request.method == "POST":
        request.max_content_length = get_settings().imports.max_bytes + FORM_OVERHEAD


def _size(limit: int) -> str:
    return gettext("%(size)s MB", size=format_decimal(limit / (1024 * 1024), "#,##0.#"))


def _form(typed: dict[str, str], errors: dict[str, list[str]], status: int) -> tuple[str, int]:
    themes = reference_service.list_themes(get_session())
    limit = _size(get_settings().imports.max_bytes)
    return (
        render_template(
            "portal/import_form.html", typed=typed, errors=errors, themes=themes, limit=limit
        ),
        status,
    )


def _too_large() -> dict[str, list[str]]:
    limit = _size(get_settings().imports.max_bytes)
    return {
        "file": [gettext("The file is larger than the %(limit)s an import accepts.", limit=limit)]
    }


@blp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    # The body was refused unread: nothing typed can be shown again.
    return _form({}, _too_large(), 413)


def _option_errors(error: InvalidInput, typed: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "publisher_org" in error.details:
        errors["publisher_org"] = [
            gettext(
                "No organisation has the code %(code)s. Check it in the list of organisations.",
                code=typed["publisher_org"],
            )
        ]
    if "default_theme" in error.details:
        errors["default_theme"] = [gettext("Choose one of the themes listed.")]
    return errors


@page
@blp.route("/imports/new", methods=["GET", "POST"])
def new_import() -> ResponseReturnValue:
    """Upload an IATI activity file; it is imported in the background."""
    permissions.require(current_actor(), "iati.import")
    if request.method == "GET":
        return _form({}, {}, 200)
    typed = {
        "publisher_org": request.form.get("publisher_org", "").strip(),
        "default_theme": request.form.get("default_theme", "").strip(),
    }
    upload = request.files.get("file")
    errors: dict[str, list[str]] = {}
    if upload is None or not upload.filename:
        errors["file"] = [gettext("Choose the IATI XML file to import.")]
    elif len(typed["publisher_org"]) > 100 or len(typed["default_theme"]) > 64:
        errors["publisher_org"] = [gettext("This code is too long.")]
    else:
        try:
            job = background.start_upload(
                current_app._get_current_object(),  # type: ignore[attr-defined]
                get_session(),
                actor=current_actor(),
                filename=upload.filename,
                stream=upload.stream,
                publisher_org=typed["publisher_org"] or None,
                default_theme=typed["default_theme"] or None,
            )
        except ImportTooLarge:
            errors = _too_large()
        except MalformedFile as error:
            line = f" {gettext('Line %(line)s:', line=error.line)}" if error.line else ""
            errors["file"] = [
                gettext("This is not an IATI activity file ADAM can read; nothing was imported.")
                + line,
                translate(error.reason),
            ]
        except InvalidInput as error:
            errors = _option_errors(error, typed) or {"file": [translate(error.message)]}
        else:
            return redirect(url_for("portal_imports.job", job_id=job.id), 303)
    return _form(typed, errors, 413 if errors == _too_large() else 422)


def _report(job: ImportJob) -> dict[str, Any]:
    if job.status not in ENDED:
        return {}
    entries = job.report or []
    created = [e for e in entries if e["outcome"] == ImportOutcome.CREATED and e["project_id"]]
    problems = [e for e in entries if e["outcome"] in (ImportOutcome.SKIPPED, ImportOutcome.FAILED)]
    return {
        "created": created[:SHOWN],
        "created_more": max(0, len(created) - SHOWN),
        "problems": problems[:SHOWN],
        "problems_more": max(0, len(problems) - SHOWN),
    }


def _job_context(job_id: int) -> dict[str, Any]:
    job = get_job(get_session(), job_id, actor=current_actor())
    return {
        "job": job,
        "ended": job.status in ENDED,
        "counters": job.counters(),
        "report": _report(job),
        "states": STATES,
        "outcomes": OUTCOMES,
    }


@page
@blp.route("/imports/<int:job_id>")
def job(job_id: int) -> ResponseReturnValue:
    """An import job: its state and progress, then what became of each activity."""
    return render_template("portal/import_job.html", **_job_context(job_id)), 200


@page
@blp.route("/imports/<int:job_id>/progress")
def progress(job_id: int) -> ResponseReturnValue:
    """The job's progress alone, polled by the job page until the job has ended."""
    return render_template("portal/import_progress.html", **_job_context(job_id)), 200


@page
@blp.route("/imports")
def jobs() -> ResponseReturnValue:
    """Import jobs, newest first: the person's own, or everyone's for coordinators."""
    try:
        query: dict[str, Any] = request.args.to_dict()
        if "status" in request.args:
            query["status"] = request.args.getlist("status")
        args = ImportListQuerySchema(unknown=ma.EXCLUDE).load(query)
    except ma.ValidationError:
        raise InvalidInput(gettext("This page of the list does not exist.")) from None
    items, total = list_jobs(
        get_session(),
        actor=current_actor(),
        statuses=[ImportStatus(s) for s in args.get("status", [])],
        page=args["page"],
        per_page=args["per_page"],
    )
    pages = page_count(total, args["per_page"])
    return (
        render_template(
            "portal/import_jobs.html",
            jobs=items,
            total=total,
            page=args["page"],
            pages=pages,
            per_page=args["per_page"],
            status=args.get("status", []),
            states=STATES,
        ),
        200,
    )
