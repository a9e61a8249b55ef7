"""The rows of an uploaded CSV or Excel file of indicator figures, by their column names.

A file is refused as a whole (``BadSheet``) when it cannot be read as a table with the named
columns; what each row says is the service's to judge.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from adam.errors import N_, InvalidInput

# The columns, by their English and Russian names (any case; spaces around ignored).
COLUMNS = {
    "country": "country",
    "страна": "country",
    "indicator": "indicator",
    "показатель": "indicator",
    "year": "year",
    "год": "year",
    "value": "value",
    "значение": "value",
    "source": "source",
    "источник": "source",
    # Kept in each changed figure's history.
    "note": "note",
    "примечание": "note",
}
REQUIRED = ("country", "indicator", "year", "value")
# A fact sheet has tens of rows a country; many thousands is a mistake, not a sheet.
MAX_ROWS = 5000
XLSX_MAGIC = b"PK\x03\x04"


class BadSheet(InvalidInput):
    """The file is not a table of figures ADAM can read."""


@dataclass(frozen=True, slots=True)
class SheetRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, Any]


def _refuse(message: Any) -> BadSheet:
    return BadSheet(message, {"file": [message]})


def read_sheet(filename: str, data: bytes) -> list[SheetRow]:
    """:raises BadSheet: not CSV or XLSX, empty, no header, unknown columns, too many rows."""
    if not data.strip():
        raise _refuse(N_("The file is empty."))
    name = filename.lower()
    if data.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        table = _xlsx_table(data)
    elif name.endswith((".csv", ".txt")) or "." not in name:
        table = _csv_table(data)
    else:
        raise _refuse(N_("Send a CSV file (.csv) or an Excel workbook (.xlsx)."))
    return _rows(table)


def _csv_table(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(N_("The CSV file is not UTF-8 text.")) from None
    if "\x00" in text:
        raise _refuse(N_("Send a CSV file (.csv) or an Excel workbook (.xlsx)."))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error:
        raise _refuse(N_("The CSV file cannot be read as a table.")) from None


def _xlsx_table(data: bytes) -> list[list[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise _refuse(N_("The Excel file cannot be read; save it as .xlsx again.")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _refuse(N_("The file is empty."))
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(table: list[list[Any]]) -> list[SheetRow]:
    first = next((i for i, row in enumerate(table) if not all(map(_blank, row))), None)
    if first is None:
        raise _refuse(N_("The file is empty."))
    header = [str(cell).strip().lower() if not _blank(cell) else "" for cell in table[first]]
    columns = {i: COLUMNS[name] for i, name in enumerate(header) if name in COLUMNS}
    missing = [name for name in REQUIRED if name not in columns.values()]
    if missing:
        raise _refuse(
            N_(
                "The first row must name the columns country, indicator, year, value "
                "(and source); missing: %(missing)s.",
                missing=", ".join(missing),
            )
        )
    rows = []
    for offset, row in enumerate(table[first + 1 :], start=first + 2):
        if all(map(_blank, row)):
            continue
        cells = {column: (row[i] if i < len(row) else None) for i, column in columns.items()}
        rows.append(SheetRow(offset, cells))
    if not rows:
        raise _refuse(N_("The file has a header but no rows of figures."))
    if len(rows) > MAX_ROWS:
        raise _refuse(N_("The file has more than %(max)s rows.", max=MAX_ROWS))
    return rows
