"""Project endpoints: register, read, edit (If-Match), withdraw, restore, history, search."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from adam.access import protected
from adam.api import (
    NOT_MODIFIED,
    Blueprint,
    created_headers,
    etag_header,
    if_match,
    if_none_match,
    link,
    read_answer,
)
from adam.exports.downloads import projects_spreadsheet
from adam.exports.formats import FILE_SCHEMA, negotiate
from adam.exports.mediatypes import CSV, XLSX
from adam.idempotency.decorator import idempotent
from adam.paging import page_answer
from adam.projects import service
from adam.projects.etag import expected_version
from adam.projects.filters import ProjectFilters
from adam.projects.models import Project, ProjectHistory
from adam.projects.schemas import (
    HistoryEntrySchema,
    ProjectInSchema,
    ProjectListQuerySchema,
    ProjectOutSchema,
    ProjectPageSchema,
    ProjectPatchSchema,
)
from adam.session import get_session, get_settings
from adam.web import commit, current_actor
from adam.workflows import projects as project_workflows
from adam.workflows.projects import Written
from adam.workflows.schemas import ProjectWrittenSchema

blp = Blueprint("projects", __name__, description="Assistance projects")
# One description per status code in OpenAPI, whichever of the three formats answers.
LIST_ANSWER = (
    "A page of projects as JSON; or, asked for with Accept or ?format=csv|xlsx, every match "
    "(all pages, one row per project) as CSV or as an Excel workbook."
)


PROJECT = "/api/v1/projects/{project_id}"
_ID = {"project_id": "$response.body#/id"}
_ID_AND_VERSION = {**_ID, "header.If-Match": "$response.header.ETag"}
# What an answer carrying a project (its id, its ETag) leads to.
PROJECT_LINKS = {
    "GetProject": link("GET", PROJECT, _ID),
    "UpdateProject": link("PATCH", PROJECT, _ID_AND_VERSION),
    "WithdrawProject": link("DELETE", PROJECT, _ID_AND_VERSION),
    "RestoreProject": link("POST", PROJECT + "/restore", _ID),
    "ProjectHistory": link("GET", PROJECT + "/history", _ID),
    "ProjectDocuments": link("GET", PROJECT + "/documents", _ID),
}


def _spreadsheet(args: dict[str, Any], fmt: str) -> Response:
    return projects_spreadsheet(
        actor=current_actor(), filters=ProjectFilters.from_args(args), sort=args["sort"], fmt=fmt
    )


@protected
@blp.route("/projects")
@blp.arguments(ProjectListQuerySchema, location="query", unknown="raise")
@blp.response(200, ProjectPageSchema, description=LIST_ANSWER)
@blp.alt_response(200, content_type=CSV, schema=FILE_SCHEMA, description=LIST_ANSWER, success=True)
@blp.alt_response(200, content_type=XLSX, schema=FILE_SCHEMA, description=LIST_ANSWER, success=True)
def list_projects(args: dict[str, Any]) -> dict[str, Any] | Response:
    """Find projects by country, theme, donor, implementer, status, dates, words and budget."""
    fmt = negotiate(args.get("format"))
    if fmt != "json":
        return _spreadsheet(args, fmt)
    items, total = service.search_projects(
        get_session(),
        actor=current_actor(),
        filters=ProjectFilters.from_args(args),
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/projects", methods=["POST"])
@idempotent
# An instance: webargs would build one per request from the class.
@blp.arguments(ProjectInSchema())
@blp.response(201, ProjectWrittenSchema)
@blp.doc(responses={201: {"links": PROJECT_LINKS}})
def register_project(data: dict[str, Any]) -> tuple[Written, int, dict[str, str]]:
    """Register a project; the answer lists its possible duplicates (alerts raised for each)."""
    written = project_workflows.register(
        get_session(), actor=current_actor(), data=data, matcher=get_settings().matcher
    )
    commit()
    project = written.project
    return written, 201, created_headers(project, f"/api/v1/projects/{project.id}")


@protected
@blp.route("/projects/<int:project_id>")
@blp.response(200, ProjectOutSchema)
@blp.alt_response(304, description=NOT_MODIFIED)
@blp.doc(
    parameters=[if_none_match("the project's")],
    responses={200: {"links": PROJECT_LINKS}},
)
def get_project(project_id: int) -> tuple[Project, int, dict[str, str]] | Response:
    """Show a project; its ETag is what PATCH and DELETE expect in If-Match."""
    project = service.get_project(get_session(), project_id, actor=current_actor())
    return read_answer(project, project)


@protected
@blp.route("/projects/<int:project_id>", methods=["PATCH"])
# Top-level fields are optional; a budget or contact given must still be whole.
@blp.arguments(ProjectPatchSchema(partial=tuple(ProjectPatchSchema._declared_fields)))
@blp.response(200, ProjectWrittenSchema)
@blp.doc(parameters=[if_match(required=True)], responses={200: {"links": PROJECT_LINKS}})
def update_project(data: dict[str, Any], project_id: int) -> tuple[Written, int, dict[str, str]]:
    """Change a project. Requires If-Match with the ETag of the version you read (else 428/412).

    A change of title, description, countries, dates, donors or implementers re-runs the
    duplicate check, and the answer lists what it found.
    """
    version = expected_version(request.headers.get("If-Match"), project_id, required=True)
    written = project_workflows.edit(
        get_session(),
        project_id,
        actor=current_actor(),
        changes=data,
        expected_version=version,
        matcher=get_settings().matcher,
    )
    commit()
    return written, 200, etag_header(written.project)


@protected
@blp.route("/projects/<int:project_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(parameters=[if_match(required=False)])
def withdraw_project(project_id: int) -> None:
    """Withdraw a project: hidden from queries, kept, restorable by a coordinator."""
    version = expected_version(request.headers.get("If-Match"), project_id, required=False)
    project_workflows.withdraw(
        get_session(), project_id, actor=current_actor(), expected_version=version
    )
    commit()


@protected
@blp.route("/projects/<int:project_id>/restore", methods=["POST"])
@blp.response(200, ProjectWrittenSchema)
def restore_project(project_id: int) -> tuple[Written, int, dict[str, str]]:
    """Restore a withdrawn project (coordinators and administrators); it is checked for
    duplicates again, since projects registered while it was withdrawn never saw it."""
    written = project_workflows.restore(
        get_session(), project_id, actor=current_actor(), matcher=get_settings().matcher
    )
    commit()
    return written, 200, etag_header(written.project)


@protected
@blp.route("/projects/<int:project_id>/history")
@blp.response(200, HistoryEntrySchema(many=True))
def project_history(project_id: int) -> list[ProjectHistory]:
    """Every recorded change of a project: who, when, each field's old and new value."""
    return service.project_history(get_session(), project_id, actor=current_actor())
