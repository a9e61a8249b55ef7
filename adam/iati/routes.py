"""IATI activity XML: export of the filtered projects, import jobs."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app

from adam.access import protected
from adam.api import Blueprint
from adam.exports.formats import FILE_SCHEMA
from adam.iati.background import start_upload
from adam.iati.downloads import XML, activities_download
from adam.iati.export_schemas import ExportQuerySchema
from adam.iati.models import ImportJob, ImportStatus
from adam.iati.schemas import (
    ImportAcceptedSchema,
    ImportJobSchema,
    ImportListQuerySchema,
    ImportPageSchema,
    ImportUploadSchema,
)
from adam.iati.service import (
    ImportTooLarge,
    get_job,
    list_jobs,
)
from adam.idempotency.decorator import idempotent
from adam.paging import page_answer
from adam.projects.filters import ProjectFilters
from adam.session import get_session, get_settings
from adam.uploads import accept_uploads
from adam.web import current_actor

blp = Blueprint("iati", __name__, description="IATI activity XML export and import")


@protected
@blp.route("/projects.iati.xml")
@blp.arguments(ExportQuerySchema, location="query", unknown="raise")
@blp.response(
    200,
    FILE_SCHEMA,
    content_type=XML,
    description="An IATI 2.03 iati-activities document, one activity per matching project",
)
def export_iati(args: dict[str, Any]) -> Response:
    """Download the projects the list's filters match as IATI 2.03 activity XML."""
    return activities_download(
        actor=current_actor(), filters=ProjectFilters.from_args(args), sort=args["sort"]
    )


# --- Import ---

accept_uploads(
    blp,
    max_bytes=lambda: get_settings().imports.max_bytes,
    too_large=lambda limit: ImportTooLarge(
        f"The upload is larger than the {limit} bytes (IATI_IMPORT_MAX_BYTES) an import accepts.",
        {"file": [f"Larger than {limit} bytes."]},
    ),
)


@protected(accepts="multipart")
@blp.route("/imports/iati", methods=["POST"])
@idempotent
@blp.arguments(ImportUploadSchema, location="files")
@blp.response(202, ImportAcceptedSchema)
def import_iati(data: dict[str, Any]) -> tuple[ImportJob, int, dict[str, str]]:
    """Upload an IATI 2.03 activity file; it is imported in the background (poll the job)."""
    upload = data["file"]
    job = start_upload(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        get_session(),
        actor=current_actor(),
        filename=upload.filename,
        stream=upload.stream,
        publisher_org=data.get("publisher_org"),
        default_theme=data.get("default_theme"),
    )
    return job, 202, {"Location": f"/api/v1/imports/{job.id}"}


@protected
@blp.route("/imports")
@blp.arguments(ImportListQuerySchema, location="query", unknown="raise")
@blp.response(200, ImportPageSchema)
def list_imports(args: dict[str, Any]) -> dict[str, Any]:
    """List import jobs, newest first: your own, or everyone's for coordinators."""
    items, total = list_jobs(
        get_session(),
        actor=current_actor(),
        statuses=[ImportStatus(s) for s in args.get("status", [])],
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/imports/<int:job_id>")
@blp.response(200, ImportJobSchema)
def get_import(job_id: int) -> ImportJob:
    """Show an import job: status, counters and, once it ends, what became of each activity."""
    return get_job(get_session(), job_id, actor=current_actor())
