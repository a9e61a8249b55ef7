"""Need endpoints: register, list, read, edit (If-Match), change state, history."""

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
from adam.idempotency.decorator import idempotent
from adam.needs import service
from adam.needs.etag import expected_version
from adam.needs.models import Need, NeedHistory
from adam.needs.schemas import (
    NeedCreateSchema,
    NeedHistoryEntrySchema,
    NeedListQuerySchema,
    NeedOutSchema,
    NeedPageSchema,
    NeedPatchSchema,
    NeedStateSchema,
)
from adam.paging import page_answer
from adam.session import get_session, get_settings
from adam.web import commit, current_actor
from adam.workflows import needs as need_workflows
from adam.workflows.needs import NeedWritten
from adam.workflows.schemas import NeedWrittenSchema

blp = Blueprint("needs", __name__, description="Recipient countries' needs for assistance")

NEED = "/api/v1/needs/{need_id}"
_ID = {"need_id": "$response.body#/id"}
_ID_AND_VERSION = {**_ID, "header.If-Match": "$response.header.ETag"}
NEED_LINKS = {
    "GetNeed": link("GET", NEED, _ID),
    "UpdateNeed": link("PATCH", NEED, _ID_AND_VERSION),
    "SetNeedState": link("POST", NEED + "/state", _ID),
    "NeedHistory": link("GET", NEED + "/history", _ID),
}


@protected
@blp.route("/needs")
@blp.arguments(NeedListQuerySchema, location="query", unknown="raise")
@blp.response(200, NeedPageSchema)
def list_needs(args: dict[str, Any]) -> dict[str, Any]:
    """Find needs by country, theme, pillar, priority, state, recommendation and words."""
    items, total = service.search_needs(
        get_session(),
        actor=current_actor(),
        filters=service.NeedFilters.from_args(args),
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/needs", methods=["POST"])
@idempotent
@blp.arguments(NeedCreateSchema())
@blp.response(201, NeedWrittenSchema)
@blp.doc(responses={201: {"links": NEED_LINKS}})
def create_need(data: dict[str, Any]) -> tuple[NeedWritten, int, dict[str, str]]:
    """Register a need of a country (its focal point, a coordinator or an administrator)."""
    written = need_workflows.register(
        get_session(), actor=current_actor(), data=data, settings=get_settings().coverage
    )
    commit()
    need = written.need
    return written, 201, created_headers(need, f"/api/v1/needs/{need.id}")


@protected
@blp.route("/needs/<int:need_id>")
@blp.response(200, NeedOutSchema)
@blp.alt_response(304, description=NOT_MODIFIED)
@blp.doc(
    parameters=[if_none_match("the need's")],
    responses={200: {"links": NEED_LINKS}},
)
def get_need(need_id: int) -> tuple[Need, int, dict[str, str]] | Response:
    """Show a need; its ETag is what PATCH expects in If-Match."""
    need = service.get_need(get_session(), need_id, actor=current_actor())
    return read_answer(need, need)


@protected
@blp.route("/needs/<int:need_id>", methods=["PATCH"])
@blp.arguments(NeedPatchSchema(partial=tuple(NeedPatchSchema._declared_fields)))
@blp.response(200, NeedWrittenSchema)
@blp.doc(parameters=[if_match(required=True)], responses={200: {"links": NEED_LINKS}})
def update_need(data: dict[str, Any], need_id: int) -> tuple[NeedWritten, int, dict[str, str]]:
    """Change a need. Requires If-Match with the ETag of the version you read (else 428/412)."""
    version = expected_version(request.headers.get("If-Match"), need_id, required=True)
    written = need_workflows.edit(
        get_session(),
        need_id,
        actor=current_actor(),
        changes=data,
        expected_version=version,
        settings=get_settings().coverage,
    )
    commit()
    return written, 200, etag_header(written.need)


@protected
@blp.route("/needs/<int:need_id>/state", methods=["POST"])
@blp.arguments(NeedStateSchema())
@blp.response(200, NeedWrittenSchema)
@blp.doc(parameters=[if_match(required=False)])
def set_need_state(data: dict[str, Any], need_id: int) -> tuple[NeedWritten, int, dict[str, str]]:
    """Set a need's state with a note: open, partly_met, met, or withdrawn (its deletion,
    undone by opening it again)."""
    version = expected_version(request.headers.get("If-Match"), need_id, required=False)
    written = need_workflows.set_state(
        get_session(),
        need_id,
        actor=current_actor(),
        state=data["state"],
        note=data.get("note"),
        expected_version=version,
        settings=get_settings().coverage,
    )
    commit()
    return written, 200, etag_header(written.need)


@protected
@blp.route("/needs/<int:need_id>/history")
@blp.response(200, NeedHistoryEntrySchema(many=True))
def need_history(need_id: int) -> list[NeedHistory]:
    """Every recorded change of a need: who, when, each field's old and new value, the note."""
    return service.need_history(get_session(), need_id, actor=current_actor())
