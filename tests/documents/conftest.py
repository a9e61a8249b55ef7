"""Helpers for the documents tests: files built in memory, an upload call, the blob folder."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from tests.conftest import Account

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
GPS_IFD = 0x8825


def pdf_bytes(extra: bytes = b"") -> bytes:
    return PDF + extra


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Field camera maker"
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (37.0, 13.0, 12.5)
    gps[3] = "E"
    gps[4] = (68.0, 47.0, 3.25)
    return exif


def picture(fmt: str, size: tuple[int, int] = (640, 480), **save: Any) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    for x in range(0, size[0], 7):  # some detail, so encoders have something to keep
        image.putpixel((x, x * size[1] // size[0]), (0, 0, 255))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes], first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:
            archive.writestr(first, entries[first], compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != first:
                archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
)


def docx_bytes(macro: bool = False) -> bytes:
    content_type = (
        "application/vnd.ms-word.document.macroEnabled.main+xml"
        if macro
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(
                part="word/document.xml", content_type=content_type
            ).encode(),
            "word/document.xml": b"<w:document/>",
        }
    )


def odt_bytes() -> bytes:
    return zip_bytes(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
        },
        first="mimetype",
    )


@pytest.fixture()
def upload_dir(app: Flask) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def blob_files(root: Path) -> list[Path]:
    """Stored blobs (not staging files) under the upload folder."""
    return sorted(p for p in root.rglob("*") if p.is_file() and "staging" not in p.parts)


def staging_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "staging").glob("*")) if (root / "staging").exists() else []


@pytest.fixture()
def project(register: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A project in TJ funded by gb-fcdo, implemented by unodc (registered by a coordinator)."""
    return register()


Upload = Callable[..., TestResponse]


def download(client: FlaskClient, url: str, account: Account, **headers: str) -> TestResponse:
    """GET a file; buffered, so the served file is read to its end and closed (a WSGI
    server closes it the same way)."""
    return client.get(url, headers={**account.headers, **headers}, buffered=True)


@pytest.fixture()
def upload(client: FlaskClient, coordinator: Account, project: dict[str, Any]) -> Upload:
    def send(
        data: bytes = PDF,
        filename: str = "report.pdf",
        *,
        account: Account | None = None,
        project_id: int | None = None,
        title: str | None = "Mid-term evaluation",
        category: str | None = "A07",
        language: str | None = None,
        **fields: Any,
    ) -> TestResponse:
        form: dict[str, Any] = {
            "file": FileStorage(io.BytesIO(data), filename=filename),
            **fields,
        }
        for name, value in (("title", title), ("category", category), ("language", language)):
            if value is not None:
                form[name] = value
        # Encoded here, in memory: the test client spools bodies over 500 kB to a temporary
        # file that it never closes.
        boundary, body = encode_multipart(form)
        return client.post(
            f"/api/v1/projects/{project_id or project['id']}/documents",
            data=body,
            headers=(account or coordinator).headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    return send
