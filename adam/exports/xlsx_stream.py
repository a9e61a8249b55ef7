"""Excel workbooks written row by row with openpyxl's write-only mode.

A write-only worksheet sends each row to a temporary file as it is appended (strings go
inline, not into a shared-string table), so memory stays flat however many rows come; the
finished workbook is saved into another temporary file that the response then streams.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from adam.exports.table import Column, Kind, looks_like_formula

log = logging.getLogger(__name__)

# Excel refuses to open a workbook with a longer cell (openpyxl writes it anyway).
MAX_CELL_CHARS = 32767
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

Converter = Callable[[WriteOnlyWorksheet, Any], Any]


def clean_text(value: Any) -> str:
    """Text that XML 1.0 can carry: C0 controls other than tab and line breaks removed.

    The API refuses control characters only in one-line fields, so a description (or an
    imported record) may hold one, and openpyxl raises IllegalCharacterError on it.
    """
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_CHARS]


def _text(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if value is None:
        return None
    text = clean_text(value)
    if not looks_like_formula(text):
        return text
    # openpyxl makes any string starting with "=" a formula; typed as a string it is shown,
    # never run, and Excel's quote-prefix flag keeps it text when someone edits the cell.
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _formatted(number_format: str) -> Converter:
    def convert(sheet: WriteOnlyWorksheet, value: Any) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell

    return convert


_amount = _formatted(AMOUNT_FORMAT)
_date = _formatted(DATE_FORMAT)
_naive_datetime = _formatted(DATETIME_FORMAT)


def _datetime(sheet: WriteOnlyWorksheet, value: dt.datetime | None) -> Any:
    # Excel has no time zones: the cell holds the UTC wall-clock time (the README says so).
    naive = None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    return _naive_datetime(sheet, naive)


def _integer(_sheet: WriteOnlyWorksheet, value: int | None) -> int | None:
    return value


CONVERTERS: dict[Kind, Converter] = {
    Kind.TEXT: _text,
    Kind.INTEGER: _integer,
    Kind.AMOUNT: _amount,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
}


def write_xlsx(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, sheet_title: str
) -> IO[bytes]:
    """A workbook of one sheet (bold header, frozen, filterable), in a rewound temporary file.

    The file is already unlinked: closing it frees the disk space.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    # Widths and panes are written before the first row, so they are set first.
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=clean_text(column.name))
        cell.font = bold
        header.append(cell)
    converters = [CONVERTERS[c.kind] for c in columns]
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        sheet.append(header)
        count = 0
        for row in rows:
            sheet.append([conv(sheet, v) for conv, v in zip(converters, row, strict=True)])
            count += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
        workbook.save(output)
    except BaseException:
        output.close()
        _discard_sheet_file(sheet)
        raise
    output.seek(0)
    return output


def _discard_sheet_file(sheet: WriteOnlyWorksheet) -> None:
    """Remove the rows' temporary file of a workbook that will never be saved.

    openpyxl deletes it only on save (or at interpreter exit); a server lives long. The sheet
    is closed first, which ends its XML stream and closes the file.
    """
    # A private attribute the stubs leave out (openpyxl names it in WriteOnlyWorksheet.__init__).
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    try:
        sheet.close()
    except Exception as error:  # a sheet broken mid-row may not close; its file goes anyway
        log.debug("xlsx sheet not closed cleanly: %s", error)
    try:
        writer.cleanup()
    except (OSError, ValueError) as error:  # already gone: nothing left to free
        log.debug("xlsx temporary file not removed: %s", error)
