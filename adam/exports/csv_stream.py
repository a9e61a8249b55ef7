"""CSV written row by row into byte chunks, so a long export never sits whole in memory.

UTF-8 with a byte-order mark: Excel reads a CSV without one in the machine's ANSI code page,
which turns Cyrillic titles into mojibake; with it, Excel, LibreOffice and Python's
``utf-8-sig`` all read the text as written. Fields are quoted as RFC 4180 says (only when
they hold a comma, a quote or a line break) and lines end with CRLF.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from adam.exports.table import FORMULA_CHARS, Column, Kind, safe_text

BOM = "\ufeff"
# Bytes gathered before a chunk is handed to the server: large enough that the per-chunk
# overhead (a write, an HTTP chunk header) is negligible, small enough to stay flat.
CHUNK_BYTES = 64 * 1024


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# Kinds written by a function; the csv module writes the others right as they are: None as
# an empty field, an int as digits, a date as ISO (str(date) is its isoformat()).
FORMATTERS: dict[Kind, Callable[[Any], str | None]] = {
    Kind.AMOUNT: _amount,
    Kind.DATETIME: _datetime,
}


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The header and the rows as UTF-8 (BOM first), in chunks of about CHUNK_BYTES.

    An unpaired surrogate (which no stored text should hold) becomes "?" rather than ending
    the download halfway with an encoding error.
    """
    # Per cell this runs 100k x 23 times for a large export: index loops, no calls per cell.
    texts = [i for i, c in enumerate(columns) if c.kind is Kind.TEXT]
    formatted = [(i, FORMATTERS[c.kind]) for i, c in enumerate(columns) if c.kind in FORMATTERS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([safe_text(c.name) for c in columns])
    for row in rows:
        cells = list(row)
        for i in texts:
            value = cells[i]
            if value and value[0] in FORMULA_CHARS:
                cells[i] = "'" + value
        for i, fmt in formatted:
            cells[i] = fmt(cells[i])
        writer.writerow(cells)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8", "replace")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8", "replace")
