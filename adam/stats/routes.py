"""Tables: project counts and budgets by country, theme, donor, status or year (JSON, CSV, xlsx)."""

from __future__ import annotations

from typing import Any

from flask import Response

from adam.access import protected
from adam.api import Blueprint
from adam.exports.formats import FILE_SCHEMA, csv_download, dated_filename, negotiate, xlsx_download
from adam.exports.mediatypes import CSV, XLSX
from adam.exports.table import Column, Kind
from adam.exports.xlsx_stream import write_xlsx
from adam.projects.filters import ProjectFilters
from adam.session import get_session
from adam.stats import service
from adam.stats.schemas import StatsQuerySchema, StatsTableSchema
from adam.web import current_actor

blp = Blueprint("stats", __name__, description="Tables of who does what where")

NOTE = (
    "A project counts once in each group it belongs to (each of its countries, themes, donors), "
    "with its whole budget; budgets are summed per currency without conversion."
)
TABLE_ANSWER = "The table as JSON, or as CSV or an Excel workbook (Accept or ?format=csv|xlsx)."
LABEL_COLUMNS = {
    "country": (("country", "code"), ("country_name", "name")),
    "theme": (("theme", "slug"), ("theme_name", "name")),
    "donor": (("donor", "code"), ("donor_name", "name")),
    "implementer": (("implementer", "code"), ("implementer_name", "name")),
    "status": (("status", "code"),),
    "year": (("year", "year"),),
}


def _sheet(table: service.StatsTable) -> tuple[list[Column], list[list[Any]]]:
    """The table as spreadsheet columns and rows: names next to codes, a column per currency."""
    columns = [
        Column(col, Kind.INTEGER if key == "year" else Kind.TEXT, width=30 if key == "name" else 16)
        for name in table.by
        for col, key in LABEL_COLUMNS[name]
    ]
    columns.append(Column("projects", Kind.INTEGER, width=10))
    columns += [Column(f"budget_{c}", Kind.AMOUNT, width=18) for c in table.currencies]
    rows = []
    for row in table.rows:
        cells: list[Any] = []
        for name in table.by:
            label = row.keys[name] or {}
            cells += [label.get(key) for _, key in LABEL_COLUMNS[name]]
        cells.append(row.projects)
        cells += [row.budget.get(c) for c in table.currencies]
        rows.append(cells)
    return columns, rows


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
        columns, rows = _sheet(table)
        filename = dated_filename(f"projects-by-{'-'.join(table.by)}", fmt)
        if fmt == "csv":
            # A few hundred rows at most: sent whole, with the list export's writer.
            return csv_download(columns, rows, filename, stream=False)
        workbook = write_xlsx(columns, rows, sheet_title=f"by {', '.join(table.by)}")
        return xlsx_download(workbook, filename)
    return {
        "by": table.by,
        "currencies": table.currencies,
        "total_projects": table.total_projects,
        "note": NOTE,
        "rows": [
            {
                **row.keys,
                "projects": row.projects,
                "budget": [
                    {"currency": c, "amount": f"{a:.2f}"} for c, a in sorted(row.budget.items())
                ],
            }
            for row in table.rows
        ],
    }
