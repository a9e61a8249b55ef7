"""Tables: project counts and budgets by country, theme, donor, status or year (JSON, CSV, xlsx)."""

from __future__ import annotations

from typing import Any

from flask import Response

from adam.access import protected
from adam.api import Blueprint
from adam.exports.formats import FILE_SCHEMA, negotiate
from adam.exports.mediatypes import CSV, XLSX
from adam.projects.filters import ProjectFilters
from adam.session import get_session
from adam.stats import answers, service, timeline
from adam.stats.schemas import (
    StatsQuerySchema,
    StatsTableSchema,
    TimelineQuerySchema,
    TimelineSchema,
)
from adam.web import current_actor

blp = Blueprint("stats", __name__, description="Tables of who does what where")

TABLE_ANSWER = "The table as JSON, or as CSV or an Excel workbook (Accept or ?format=csv|xlsx)."


@protected
@blp.route("/stats/projects")
@blp.arguments(StatsQuerySchema, location="query", unknown="raise")
@blp.response(200, StatsTableSchema, description=TABLE_ANSWER)
@blp.alt_response(200, content_type=CSV, schema=FILE_SCHEMA, description=TABLE_ANSWER, success=True)
@blp.alt_response(
    200, content_type=XLSX, schema=FILE_SCHEMA, description=TABLE_ANSWER, success=True
)
def project_stats(args: dict[str, Any]) -> dict[str, Any] | Response:
    """Count projects and sum budgets by one or two of country, theme, donor, status, year."""
    fmt = negotiate(args.get("format"))
    table = service.project_table(
        get_session(), actor=current_actor(), by=args["by"], filters=ProjectFilters.from_args(args)
    )
    if fmt != "json":
        return answers.table_download(table, fmt)
    return answers.table_answer(table)


TIMELINE_ANSWER = "Per year, as JSON, or as CSV or an Excel workbook (Accept or ?format=csv|xlsx)."


@protected
@blp.route("/stats/timeline")
@blp.arguments(TimelineQuerySchema, location="query", unknown="raise")
@blp.response(200, TimelineSchema, description=TIMELINE_ANSWER)
@blp.alt_response(
    200, content_type=CSV, schema=FILE_SCHEMA, description=TIMELINE_ANSWER, success=True
)
@blp.alt_response(
    200, content_type=XLSX, schema=FILE_SCHEMA, description=TIMELINE_ANSWER, success=True
)
def project_timeline(args: dict[str, Any]) -> dict[str, Any] | Response:
    """Per year: projects running, starting and ending, and their budgets spread over the years."""
    fmt = negotiate(args.get("format"))
    years = timeline.project_timeline(
        get_session(),
        actor=current_actor(),
        filters=ProjectFilters.from_args(args),
        by=args.get("by"),
    )
    if fmt != "json":
        return answers.timeline_download(years, fmt)
    return answers.timeline_answer(years)
