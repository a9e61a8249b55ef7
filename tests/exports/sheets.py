"""Read exports back the way a spreadsheet user's tools would: csv module, openpyxl."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet
from werkzeug.test import TestResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(response: TestResponse) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data()[:500]
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_sheet(response: TestResponse) -> Worksheet:
    assert response.status_code == 200, response.get_data()[:500]
    assert response.mimetype == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return workbook.worksheets[0]


def xlsx_rows(sheet: Worksheet) -> list[dict[str, Any]]:
    """Each data row as {header: cell}, so tests can look at types and formats too."""
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
