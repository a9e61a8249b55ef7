"""The blob store: corruption detected on read, and failed uploads leave nothing behind."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from adam.documents.models import Document
from adam.documents.names import clean_filename
from adam.documents.storage import LocalBlobStore
from adam.session import new_session
from tests.conftest import Account
from tests.documents.conftest import (
    Upload,
    blob_files,
    download,
    pdf_bytes,
    picture,
    staging_files,
)


def _rows(app: Flask) -> int:
    with new_session(app) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Document)) or 0


def test_a_corrupted_file_is_detected_and_never_served(
    client: FlaskClient,
    coordinator: Account,
    upload: Upload,
    upload_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = upload(pdf_bytes(b"original text")).json
    (path,) = blob_files(upload_dir)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit flipped on disk
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR):
        response = download(client, body["content_url"], coordinator)
    assert response.status_code == 500
    assert response.json["error"]["code"] == "storage_corrupt"
    assert bytes(data) not in response.data
    assert str(path) in caplog.text
    # An ETag the client already holds is still answered without touching the file.
    etag = f'"{body["sha256"]}"'
    assert (
        download(client, body["content_url"], coordinator, **{"If-None-Match": etag}).status_code
        == 304
    )
    # Uploading the right bytes again heals the stored copy.
    assert upload(pdf_bytes(b"original text"), "again.pdf").status_code == 201
    assert download(client, body["content_url"], coordinator).data == pdf_bytes(b"original text")


def test_a_missing_file_is_reported(
    client: FlaskClient, coordinator: Account, upload: Upload, upload_dir: Path
) -> None:
    body = upload(picture("PNG"), "map.png").json
    for path in blob_files(upload_dir):
        path.unlink()
    for url in (body["content_url"], body["thumbnail_url"]):
        response = download(client, url, coordinator)
        assert response.status_code == 500
        assert response.json["error"]["code"] == "storage_missing"


@pytest.fixture()
def failing_inserts(app: Flask, backend: str) -> Iterator[None]:
    """A real database error on every document insert (a trigger), removed afterwards."""
    engine = app.extensions["adam.engine"]
    with engine.begin() as conn:
        if backend == "sqlite":
            conn.execute(
                sa.text(
                    "CREATE TRIGGER refuse_documents BEFORE INSERT ON project_document "
                    "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
                )
            )
        else:
            conn.execute(
                sa.text(
                    "CREATE FUNCTION refuse_documents() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$"
                )
            )
            conn.execute(
                sa.text(
                    "CREATE TRIGGER refuse_documents BEFORE INSERT ON project_document "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_documents()"
                )
            )
    yield
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "DROP TRIGGER refuse_documents"
                + ("" if backend == "sqlite" else " ON project_document")
            )
        )
        if backend != "sqlite":
            conn.execute(sa.text("DROP FUNCTION refuse_documents()"))


def test_a_database_error_leaves_no_row_and_no_new_file(
    app: Flask, upload: Upload, upload_dir: Path, request: pytest.FixtureRequest
) -> None:
    kept = upload(pdf_bytes(b"stored before")).json
    assert len(blob_files(upload_dir)) == 1
    request.getfixturevalue("failing_inserts")
    for data, name in (
        (pdf_bytes(b"new bytes"), "new.pdf"),
        (picture("JPEG"), "photo.jpg"),  # a blob and a thumbnail
        (pdf_bytes(b"stored before"), "same.pdf"),  # bytes another row already names
    ):
        response = upload(data, name)
        assert response.status_code >= 400
        assert response.json["error"]["code"] in ("conflict", "internal_error")
        assert _rows(app) == 1
        assert [p.name for p in blob_files(upload_dir)] == [kept["sha256"]]
        assert staging_files(upload_dir) == []


def test_a_late_failure_removes_staged_and_new_files(
    upload: Upload, upload_dir: Path, app: Flask
) -> None:
    png = bytearray(picture("PNG", (400, 300)))
    png[png.index(b"IDAT") + 20] ^= 0xFF  # chunks intact (strips fine), data broken
    response = upload(bytes(png), "broken.png")
    assert response.status_code == 422, response.json
    assert _rows(app) == 0
    assert blob_files(upload_dir) == [] and staging_files(upload_dir) == []


def test_store_keeps_one_copy_and_removes_tidily(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    first = store.stage([b"hello ", b"world"])
    assert first.size == 11
    assert store.keep(first) is True
    second = store.stage([b"hello world"])
    assert second.sha256 == first.sha256
    assert store.keep(second) is False
    with store.open(first.sha256) as handle:
        assert handle.read() == b"hello world"
    path = store.path_of(first.sha256)
    assert path.parent.parent.parent == tmp_path / "blobs"
    store.remove(first.sha256)
    assert not path.exists() and not path.parent.exists()
    assert list((tmp_path / "blobs" / "staging").iterdir()) == []
    with pytest.raises(ValueError):
        store.path_of("../../etc/passwd")


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("..\\..\\windows\\report.pdf", "report.pdf"),
        ("/etc/passwd", "passwd"),
        ('say "hi".txt', "say _hi_.txt"),
        ("\u202egpj.exe", "gpj.exe"),
        ("  .hidden  ", "hidden"),
        ("trailing dots...", "trailing dots"),
        ("", "document"),
        (None, "document"),
        ("\x00\x01", "document"),
        ("a" * 250, "a" * 200),
    ],
)
def test_clean_filename(raw: Any, cleaned: str) -> None:
    assert clean_filename(raw) == cleaned


def test_upload_settings_are_checked_when_the_app_is_made(tmp_path: Path) -> None:
    from adam.app import create_app
    from adam.config import ConfigError

    for bad in ({"UPLOAD_MAX_BYTES": 0}, {"THUMBNAIL_SIZE": 5000}, {"PICTURE_MAX_PIXELS": "x"}):
        with pytest.raises(ConfigError):
            create_app({"DATABASE_URL": "sqlite://", "UPLOAD_DIR": str(tmp_path), **bad})
    # Making an app makes no folders; the store is made on first use.
    create_app({"DATABASE_URL": "sqlite://", "UPLOAD_DIR": str(tmp_path / "later")})
    assert not (tmp_path / "later").exists()
