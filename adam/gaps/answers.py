"""The gap view as the API answers it: JSON, and CSV or Excel with a row per cell."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response

from adam.exports.formats import csv_download, dated_filename, xlsx_download
from adam.exports.table import Column, Kind
from adam.exports.xlsx_stream import write_xlsx
from adam.gaps.cells import PRIORITIES, Cell, Matrix
from adam.gaps.service import CellDetail, GapView

NOTE = (
    "Active projects: not withdrawn, status pipeline, implementation or finalisation, no end "
    "date or one not past. Open needs: open or partly met. A gap is a high-priority open need "
    "or an endorsed recommendation without an active confirmed-linked project; an overlap is a "
    "cell where at least overlap_donors distinct donors fund active projects, two of them at "
    "least with a donor (one co-funded project alone is not an overlap). Recommendations "
    "naming no country are in the regional row (country null). Each project, need or "
    "recommendation counts whole in each of its cells; sums are per currency, unconverted."
)


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _column(matrix: Matrix, cell: Cell) -> dict[str, Any]:
    label = matrix.columns.get(cell.column) or {"slug": cell.column}
    return {matrix.by: label}


def cell_answer(matrix: Matrix, cell: Cell, overlap_donors: int) -> dict[str, Any]:
    return {
        "country": matrix.countries.get(cell.country) if cell.country else None,
        **_column(matrix, cell),
        "needs": {
            "open": cell.open_needs,
            **cell.needs,
            "cost": [
                {"currency": c, "amount": money(a)} for c, a in sorted(cell.need_cost.items())
            ],
            "high_without_active_project": cell.unassisted_high_needs,
        },
        "projects": {
            "active": cell.projects,
            "budget": [
                {"currency": c, "amount": money(a), "projects": cell.budget_projects[c]}
                for c, a in sorted(cell.budget.items())
            ],
            "donors": cell.donors,
        },
        "recommendations": {
            "endorsed": cell.recommendations,
            "without_active_project": cell.unassisted_recommendations,
        },
        "gaps": cell.gaps,
        "gap": cell.gaps > 0,
        "overlap": cell.overlap(overlap_donors),
        "duplicate_alerts": cell.duplicate_alerts,
    }


def view_answer(view: GapView) -> dict[str, Any]:
    return {
        "by": view.matrix.by,
        "as_of": view.matrix.as_of,
        "overlap_donors": view.overlap_donors,
        "currencies": view.currencies,
        "note": NOTE,
        "cells": [cell_answer(view.matrix, c, view.overlap_donors) for c in view.cells],
    }


def view_download(view: GapView, fmt: str) -> Response:
    """The cells as a CSV file or an Excel workbook: names next to codes, a column per currency."""
    currencies = view.currencies
    column_key = "slug" if view.matrix.by == "theme" else "code"
    columns = [
        Column("country", width=10),
        Column("country_name", width=30),
        Column(view.matrix.by, width=24),
        *(
            [Column("theme_name", width=30), Column("pillar", width=24)]
            if column_key == "slug"
            else []
        ),
        Column("needs_open", Kind.INTEGER, width=10),
        *(Column(f"needs_{p}", Kind.INTEGER, width=10) for p in PRIORITIES),
        *(Column(f"need_cost_{c}", Kind.AMOUNT, width=18) for c in currencies),
        Column("high_needs_without_active_project", Kind.INTEGER, width=12),
        Column("active_projects", Kind.INTEGER, width=10),
        *(Column(f"budget_{c}", Kind.AMOUNT, width=18) for c in currencies),
        Column("donors", Kind.INTEGER, width=8),
        Column("recommendations_endorsed", Kind.INTEGER, width=12),
        Column("recommendations_without_active_project", Kind.INTEGER, width=12),
        Column("gaps", Kind.INTEGER, width=8),
        Column("gap", width=6),
        Column("overlap", width=8),
        Column("duplicate_alerts", Kind.INTEGER, width=10),
    ]
    rows = []
    for cell in view.cells:
        country = view.matrix.countries.get(cell.country or "") or {}
        label = view.matrix.columns.get(cell.column) or {}
        cells: list[Any] = [
            cell.country or "regional",
            country.get("name"),
            cell.column,
        ]
        if column_key == "slug":
            cells += [label.get("name"), label.get("pillar")]
        cells.append(cell.open_needs)
        cells += [cell.needs[p] for p in PRIORITIES]
        cells += [cell.need_cost.get(c) for c in currencies]
        cells += [cell.unassisted_high_needs, cell.projects]
        cells += [cell.budget.get(c) for c in currencies]
        cells += [
            cell.donors,
            cell.recommendations,
            cell.unassisted_recommendations,
            cell.gaps,
            "yes" if cell.gaps else "no",
            "yes" if cell.overlap(view.overlap_donors) else "no",
            cell.duplicate_alerts,
        ]
        rows.append(cells)
    filename = dated_filename(f"gaps-by-country-{view.matrix.by}", fmt)
    if fmt == "csv":
        return csv_download(columns, rows, filename, stream=False)
    workbook = write_xlsx(columns, rows, sheet_title=f"gaps by {view.matrix.by}")
    return xlsx_download(workbook, filename)


def detail_answer(detail: CellDetail) -> dict[str, Any]:
    matrix = detail.view.matrix
    return {
        "cell": cell_answer(matrix, detail.cell, detail.view.overlap_donors),
        "overlap_donors": detail.view.overlap_donors,
        "needs": [
            {
                "id": need.id,
                "title": need.title,
                "priority": need.priority.value,
                "state": need.state.value,
                "cost": (
                    {"amount": money(need.cost_amount), "currency": need.cost_currency}
                    if need.cost_amount is not None
                    else None
                ),
                "has_active_project": assisted,
                "created_at": need.created_at,
                "url": f"/api/v1/needs/{need.id}",
            }
            for need, assisted in detail.needs
        ],
        "recommendations": [
            {
                "id": rec.id,
                "code": rec.code,
                "pillar": rec.pillar.value,
                "text_en": rec.text_en,
                "text_ru": rec.text_ru,
                "has_active_project": assisted,
                "url": f"/api/v1/recommendations/{rec.id}",
            }
            for rec, assisted in detail.recommendations
        ],
        "projects": [
            {
                "id": p.id,
                "code": p.code,
                "title": p.title,
                "status": p.status.value,
                "start_date": p.start_date,
                "end_date": p.end_date,
                "budget": (
                    {"amount": money(p.budget_amount), "currency": p.budget_currency}
                    if p.budget_amount is not None
                    else None
                ),
                "donors": [o.code for o in p.donors],
                "url": f"/api/v1/projects/{p.id}",
            }
            for p in detail.projects
        ],
        "projects_listed": len(detail.projects),
    }
