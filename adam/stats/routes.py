"""Tables: project counts and budgets per country, theme, donor, status or year (JSON or CSV)."""

from __future__ import annotations

from typing import Any

from flask import Response

from adam.api import Blueprint
from adam.csvout import csv_response, wants_csv
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
LABEL_COLUMNS = {
    "country": (("country", "code"), ("country_name", "name")),
    "theme": (("theme", "slug"), ("theme_name", "name")),
    "donor": (("donor", "code"), ("donor_name", "name")),
    "implementer": (("implementer", "code"), ("implementer_name", "name")),
    "status": (("status", "code"),),
    "year": (("year", "year"),),
}


def _csv(table: service.StatsTable) -> Response:
    header = [col for name in table.by for col, _ in LABEL_COLUMNS[name]]
    header += ["projects", *[f"budget_{c}" for c in table.currencies]]
    rows = []
    for row in table.rows:
        cells: list[Any] = []
        for name in table.by:
            label = row.keys[name] or {}
            cells += [label.get(key) for _, key in LABEL_COLUMNS[name]]
        cells.append(row.projects)
        cells += [f"{row.budget[c]:.2f}" if c in row.budget else "" for c in table.currencies]
        rows.append(cells)
    return csv_response(header, rows, f"projects-by-{'-'.join(table.by)}.csv")


@blp.route("/stats/projects")
@blp.arguments(StatsQuerySchema, location="query", unknown="raise")
@blp.response(200, StatsTableSchema)
@blp.alt_response(200, content_type="text/csv", description="The same table as CSV")
def project_stats(args: dict[str, Any]) -> dict[str, Any] | Response:
    """Count projects and sum budgets by one or two of country, theme, donor, status, year."""
    table = service.project_table(
        get_session(), actor=current_actor(), by=args["by"], filters=ProjectFilters.from_args(args)
    )
    if wants_csv():
        return _csv(table)
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
