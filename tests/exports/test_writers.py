"""The writers on their own: chunked CSV, and a workbook's temporary files when rows fail."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet import _writer as openpyxl_writer

from adam.exports import csv_stream
from adam.exports.csv_stream import csv_chunks
from adam.exports.table import Column, Kind
from adam.exports.xlsx_stream import write_xlsx

COLUMNS = [
    Column("name"),
    Column("count", Kind.INTEGER),
    Column("amount", Kind.AMOUNT),
    Column("day", Kind.DATE),
    Column("at", Kind.DATETIME),
]
ROW = ("Ферганская долина, \"кавычки\"\nи строка", 7, Decimal("1234.50"), dt.date(2026, 3, 1),
       dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC))  # fmt: skip


def test_csv_comes_in_chunks_with_one_bom_and_parses_back() -> None:
    rows = [(f"{ROW[0]} {n}", *ROW[1:]) for n in range(5000)]
    chunks = list(csv_chunks(COLUMNS, rows))
    assert len(chunks) > 3 and all(len(c) < 2 * csv_stream.CHUNK_BYTES for c in chunks)
    data = b"".join(chunks)
    assert data.count("\ufeff".encode()) == 1 and data.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == ["name", "count", "amount", "day", "at"]
    assert len(parsed) == 5001
    assert parsed[1] == [f"{ROW[0]} 0", "7", "1234.50", "2026-03-01", "2026-03-01T09:30:15Z"]
    assert b"\r\n" in data
    assert '"Ферганская долина, ""кавычки""\nи строка 0"'.encode() in data


def test_csv_empty_cells_and_formula_guard() -> None:
    data = b"".join(
        csv_chunks(COLUMNS, [("-1+2", None, None, None, None), ("", 0, Decimal(0), None, None)])
    )
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[1] == ["'-1+2", "", "", "", ""]
    assert parsed[2] == ["", "0", "0.00", "", ""]


def _failing_rows() -> Iterator[tuple[Any, ...]]:
    for _ in range(50):
        yield ROW
    raise RuntimeError("the database went away")


def test_a_workbook_whose_rows_fail_leaves_no_temporary_file() -> None:
    before = set(openpyxl_writer.ALL_TEMP_FILES)
    with pytest.raises(RuntimeError, match="went away"):
        write_xlsx(COLUMNS, _failing_rows(), sheet_title="Broken")
    left = set(openpyxl_writer.ALL_TEMP_FILES) - before
    assert left == set()


def test_a_workbook_round_trips_its_types() -> None:
    with write_xlsx(COLUMNS, [ROW], sheet_title="Types") as file:
        sheet = openpyxl.load_workbook(file).worksheets[0]
    name, count, amount, day, at = sheet[2]
    assert name.value == ROW[0] and count.value == 7 and amount.value == 1234.5
    assert day.value == dt.datetime(2026, 3, 1) and day.number_format == "yyyy-mm-dd"
    assert at.value.replace(microsecond=0) == dt.datetime(2026, 3, 1, 9, 30, 15)


@pytest.mark.parametrize(
    "module", ["project_rows", "csv_stream", "xlsx_stream", "table", "mediatypes"]
)
def test_writers_and_rows_know_no_flask(module: str) -> None:
    source = Path(__file__).resolve().parents[2] / "adam" / "exports" / f"{module}.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert {"flask", "werkzeug", "flask_smorest"} & imported == set()
