"""Gaps and overlaps by country and theme (or pillar), and the rows behind one cell."""

from __future__ import annotations

from typing import Any

from flask import Response

from adam.access import protected
from adam.api import Blueprint
from adam.exports.formats import FILE_SCHEMA, negotiate
from adam.exports.mediatypes import CSV, XLSX
from adam.gaps import answers, service
from adam.gaps.schemas import CellDetailSchema, CellQuerySchema, GapQuerySchema, GapViewSchema
from adam.session import get_session, get_settings

blp = Blueprint("gaps", __name__, description="Where assistance is missing and where it piles up")

VIEW_ANSWER = "The matrix as JSON, or as CSV or an Excel workbook (Accept or ?format=csv|xlsx)."


@protected
@blp.route("/gaps")
@blp.arguments(GapQuerySchema, location="query", unknown="raise")
@blp.response(200, GapViewSchema, description=VIEW_ANSWER)
@blp.alt_response(200, content_type=CSV, schema=FILE_SCHEMA, description=VIEW_ANSWER, success=True)
@blp.alt_response(200, content_type=XLSX, schema=FILE_SCHEMA, description=VIEW_ANSWER, success=True)
def gap_matrix(args: dict[str, Any]) -> dict[str, Any] | Response:
    """Open needs, active projects, donors and endorsed recommendations per country and theme."""
    fmt = negotiate(args.get("format"))
    view = service.gap_view(
        get_session(),
        by=args["by"],
        filters=service.GapFilters(
            countries=args.get("country") or (),
            region=args.get("region"),
            themes=args.get("theme") or (),
            pillar=args.get("pillar"),
        ),
        overlap_donors=get_settings().gaps.overlap_donors,
    )
    if fmt != "json":
        return answers.view_download(view, fmt)
    return answers.view_answer(view)


@protected
@blp.route("/gaps/cell")
@blp.arguments(CellQuerySchema, location="query", unknown="raise")
@blp.response(200, CellDetailSchema)
def gap_cell(args: dict[str, Any]) -> dict[str, Any]:
    """The needs, endorsed recommendations and active projects behind one cell."""
    detail = service.cell_detail(
        get_session(),
        country=args.get("country"),
        theme=args.get("theme"),
        pillar=args.get("pillar"),
        overlap_donors=get_settings().gaps.overlap_donors,
        limit=args["limit"],
    )
    return answers.detail_answer(detail)
