"""Content negotiation and the download answers (the route layer's part of the exports)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, TypeVar

from flask import Response, request
from werkzeug.exceptions import NotAcceptable

from adam.exports.csv_stream import csv_chunks
from adam.exports.mediatypes import CSV, FORMATS, PDF, XLSX
from adam.session import get_settings

FILE_BUFFER_BYTES = 64 * 1024
# OpenAPI: a download's body (alt_response documents a content type only with a schema).
FILE_SCHEMA = {"type": "string", "format": "binary"}
Row = TypeVar("Row")
_NAMES = {mimetype: name for name, mimetype in FORMATS.items()}


def negotiate(asked: str | None) -> str:
    """``json``, ``csv`` or ``xlsx``: ``?format=`` if given (links, browsers), else Accept.

    No Accept header, ``*/*`` and ``application/json`` mean JSON.

    :raises NotAcceptable: when Accept allows none of the three.
    """
    if asked:
        return asked
    accept = request.accept_mimetypes
    if not accept:
        return "json"
    best = accept.best_match(list(FORMATS.values()))
    if best is None:
        raise NotAcceptable(
            f"This resource answers as {', '.join(FORMATS.values())}; "
            "ask with Accept or ?format=json|csv|xlsx."
        )
    return _NAMES[best]


def export_chunk_size() -> int:
    """Ids read per chunk; ``EXPORT_CHUNK_SIZE`` in the configuration, for tests and tuning."""
    return get_settings().export_chunk_size


def public_url() -> str:
    """The service's address as users reach it (``PUBLIC_URL``), for the links in a sheet."""
    return (get_settings().public_url or request.host_url).rstrip("/")


def dated_filename(stem: str, extension: str) -> str:
    return f"{stem}-{dt.datetime.now(dt.UTC).date().isoformat()}.{extension}"


def then_close(rows: Iterator[Row], close: Callable[[], None]) -> Iterator[Row]:
    """``rows``, then ``close()``: also when the reader stops early or an error ends them."""
    try:
        yield from rows
    finally:
        close()


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_download(
    columns: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    filename: str,
    *,
    stream: bool = True,
    on_close: Callable[[], None] | None = None,
) -> Response:
    """A CSV attachment; streamed rows are read while the answer is sent.

    ``on_close`` runs when the server closes the answer: after the last chunk, or when the
    client goes away mid-way. Streamed rows must not rely on the request's session: Flask
    (3.1) tears the request down as soon as the view returns, before the first chunk, even
    under stream_with_context; so the exports read through a session of their own.
    """
    chunks = csv_chunks(columns, rows)
    body: Any = chunks if stream else b"".join(chunks)
    response = _attachment(Response(body, mimetype=CSV), filename)
    if on_close is not None:
        response.call_on_close(on_close)
    return response


def _file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    with file:
        while chunk := file.read(FILE_BUFFER_BYTES):
            yield chunk


def xlsx_download(file: IO[bytes], filename: str) -> Response:
    """A finished workbook in a temporary file, sent in chunks, then closed (which frees it).

    Closed after the last chunk, and by the server's close() if the client leaves first.
    """
    size = os.fstat(file.fileno()).st_size
    response = Response(_file_chunks(file), mimetype=XLSX, direct_passthrough=True)
    response.content_length = size
    response.call_on_close(file.close)
    return _attachment(response, filename)


def pdf_download(document: bytes, filename: str) -> Response:
    """A finished PDF (made in memory: a report of a few pages) as an attachment."""
    return _attachment(Response(document, mimetype=PDF), filename)
