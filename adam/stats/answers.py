"""The tables as the API answers them: JSON for charts and clients, CSV and Excel for people.

The portal's charts are drawn from this same JSON and its downloads are these same files, so a
chart, its table and the API never disagree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response

from adam.exports.formats import csv_download, dated_filename, xlsx_download
from adam.exports.table import Column, Kind
from adam.exports.xlsx_stream import write_xlsx
from adam.stats.service import StatsTable
from adam.stats.timeline import Timeline

NOTE = (
    "A project counts once in each group it belongs to (each of its countries, themes, donors), "
    "with its whole budget; budgets are summed per currency without conversion."
)
TIMELINE_NOTE = (
    "A project runs in each calendar year from its start to its end (to the current year when "
    "it has no end date); its budget is spread evenly over those years, per currency. Projects "
    "without a start date are counted as undated."
)
LABEL_COLUMNS = {
    "country": (("country", "code"), ("country_name", "name")),
    "theme": (("theme", "slug"), ("theme_name", "name")),
    "donor": (("donor", "code"), ("donor_name", "name")),
    "implementer": (("implementer", "code"), ("implementer_name", "name")),
    "status": (("status", "code"),),
    "year": (("year", "year"),),
}


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def table_answer(table: StatsTable) -> dict[str, Any]:
    """The table as the JSON ``StatsTableSchema`` describes."""
    return {
        "by": table.by,
        "currencies": table.currencies,
        "total_projects": table.total_projects,
        "totals": [
            {"currency": c, "projects": n, "amount": money(a)}
            for c, (n, a) in sorted(table.totals.items())
        ],
        "no_budget": table.no_budget,
        "note": NOTE,
        "rows": [
            {
                **row.keys,
                "projects": row.projects,
                "budget": [
                    {"currency": c, "amount": money(a), "projects": row.budget_projects[c]}
                    for c, a in sorted(row.budget.items())
                ],
            }
            for row in table.rows
        ],
    }


def _sheet(table: StatsTable) -> tuple[list[Column], list[list[Any]]]:
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


def table_download(table: StatsTable, fmt: str) -> Response:
    """The table as a CSV file or an Excel workbook (``fmt`` "csv" or "xlsx")."""
    columns, rows = _sheet(table)
    filename = dated_filename(f"projects-by-{'-'.join(table.by)}", fmt)
    if fmt == "csv":
        # A few hundred rows at most: sent whole, with the list export's writer.
        return csv_download(columns, rows, filename, stream=False)
    workbook = write_xlsx(columns, rows, sheet_title=f"by {', '.join(table.by)}")
    return xlsx_download(workbook, filename)


def timeline_answer(timeline: Timeline) -> dict[str, Any]:
    """The timeline as the JSON ``TimelineSchema`` describes."""
    return {
        "by": timeline.by,
        "years": timeline.years,
        "currencies": timeline.currencies,
        "undated": timeline.undated,
        "note": TIMELINE_NOTE,
        "rows": [
            {
                "year": row.year,
                **({timeline.by: row.key} if timeline.by else {}),
                "active": row.active,
                "starting": row.starting,
                "ending": row.ending,
                "budget": [
                    {"currency": c, "amount": money(a), "projects": row.budget_projects[c]}
                    for c, a in sorted(row.budget.items())
                ],
            }
            for row in timeline.rows
        ],
    }


def timeline_download(timeline: Timeline, fmt: str) -> Response:
    """The timeline as a CSV file or an Excel workbook, a row per year (and value of ``by``)."""
    columns = [Column("year", Kind.INTEGER, width=8)]
    if timeline.by:
        columns += [
            Column(col, Kind.TEXT, width=30 if key == "name" else 16)
            for col, key in LABEL_COLUMNS[timeline.by]
        ]
    columns += [Column(name, Kind.INTEGER, width=10) for name in ("active", "starting", "ending")]
    columns += [Column(f"budget_{c}", Kind.AMOUNT, width=18) for c in timeline.currencies]
    rows = []
    for row in timeline.rows:
        cells: list[Any] = [row.year]
        if timeline.by:
            label = row.key or {}
            cells += [label.get(key) for _, key in LABEL_COLUMNS[timeline.by]]
        cells += [row.active, row.starting, row.ending]
        cells += [row.budget.get(c) for c in timeline.currencies]
        rows.append(cells)
    suffix = f"-by-{timeline.by}" if timeline.by else ""
    filename = dated_filename(f"projects-per-year{suffix}", fmt)
    if fmt == "csv":
        return csv_download(columns, rows, filename, stream=False)
    return xlsx_download(write_xlsx(columns, rows, sheet_title="per year"), filename)
