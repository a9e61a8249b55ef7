"""Uploading and downloading documents: round trip, types judged from content, bad input."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.documents.conftest import (
    Upload,
    blob_files,
    docx_bytes,
    download,
    odt_bytes,
    pdf_bytes,
    staging_files,
    zip_bytes,
)


def test_upload_then_download_gives_the_same_bytes_and_headers(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], upload: Upload
) -> None:
    data = pdf_bytes(b"%" + b"x" * 300_000)
    response = upload(data, "Отчёт 2026.pdf", title="Отчёт за 2026 год", language="ru")
    assert response.status_code == 201, response.json
    body = response.json
    assert (
        response.headers["Location"] == f"/api/v1/projects/{project['id']}/documents/{body['id']}"
    )
    assert body["title"] == "Отчёт за 2026 год"
    assert body["category"] == {
        "code": "A07",
        "name": "Review of project performance and evaluation",
    }
    assert body["language"] == "ru"
    assert body["filename"] == "Отчёт 2026.pdf"
    assert body["media_type"] == "application/pdf"
    assert body["size"] == len(data)
    assert body["is_picture"] is False
    assert body["width"] is None and body["thumbnail_url"] is None
    assert body["created_by"]["id"] == coordinator.id
    assert body["withdrawn_at"] is None

    content = download(client, body["content_url"], coordinator)
    assert content.status_code == 200
    assert content.data == data
    assert content.headers["Content-Type"] == "application/pdf"
    assert content.headers["Content-Length"] == str(len(data))
    assert content.headers["ETag"] == f'"{body["sha256"]}"'
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    disposition = content.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%202026.pdf" in disposition

    listed = client.get(f"/api/v1/projects/{project['id']}/documents", headers=coordinator.headers)
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json["items"]] == [body["id"]]
    one = client.get(
        f"/api/v1/projects/{project['id']}/documents/{body['id']}", headers=coordinator.headers
    )
    assert one.json == body


def test_the_same_bytes_are_stored_once(upload: Upload, upload_dir: Path) -> None:
    data = pdf_bytes(b"same")
    first = upload(data, "a.pdf", title="First copy")
    second = upload(data, "b.pdf", title="Second copy")
    assert first.status_code == second.status_code == 201
    assert first.json["id"] != second.json["id"]
    assert first.json["sha256"] == second.json["sha256"]
    assert len(blob_files(upload_dir)) == 1
    assert upload(pdf_bytes(b"other"), "c.pdf").status_code == 201
    assert len(blob_files(upload_dir)) == 2
    assert staging_files(upload_dir) == []


def test_conditional_get_with_the_etag_is_304(
    client: FlaskClient, coordinator: Account, upload: Upload
) -> None:
    body = upload().json
    etag = f'"{body["sha256"]}"'
    again = download(client, body["content_url"], coordinator, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other = download(client, body["content_url"], coordinator, **{"If-None-Match": '"beef"'})
    assert other.status_code == 200


def test_office_text_and_csv_are_recognized_from_content(upload: Upload) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["year", "seizures"])
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    cases = [
        (
            docx_bytes(),
            "plan.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            xlsx.getvalue(),
            "data.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (odt_bytes(), "plan.odt", "application/vnd.oasis.opendocument.text"),
        ("Записка с погранпоста\n".encode(), "notes.txt", "text/plain"),
        ("\ufeffyear;seizures\n2025;12\n2026;9\n".encode(), "seizures.csv", "text/csv"),
        # Named .csv but not rows of one width: still text, served as plain text.
        (b"just a sentence, with a comma\nand another line\n", "prose.csv", "text/plain"),
        # No extension: the right one is added to the name.
        (pdf_bytes(), "scan", "application/pdf"),
    ]
    for data, name, media_type in cases:
        response = upload(data, name)
        assert response.status_code == 201, (name, response.json)
        assert response.json["media_type"] == media_type, name
    assert upload(pdf_bytes(b"1"), "scan").json["filename"] == "scan.pdf"


def test_refused_types_get_415_naming_what_was_sent(upload: Upload, upload_dir: Path) -> None:
    cases = [
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "report.pdf", "Windows program"),
        (b"just some text\n", "photo.png", "named .png but the content is text/plain"),
        (zip_bytes({"a.txt": b"hello"}), "bundle.docx", "application/zip"),
        (docx_bytes(macro=True), "plan.docx", "macros"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "page.txt", "markup"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.txt", "markup"),
        (b"\x00\x01\x02\x03binary", "data.bin", "binary"),
        ("latin-1 caf\xe9 au lait".encode("latin-1"), "notes.txt", "not in UTF-8"),
    ]
    for data, name, words in cases:
        response = upload(data, name)
        assert response.status_code == 415, (name, response.json)
        error = response.json["error"]
        assert error["code"] == "unsupported_media_type"
        assert words.lower() in (error["message"] + " ".join(error["details"]["file"])).lower(), (
            name,
            error,
        )
    assert blob_files(upload_dir) == []
    assert staging_files(upload_dir) == []


def test_missing_fields_get_422_naming_each(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], upload: Upload
) -> None:
    response = client.post(
        f"/api/v1/projects/{project['id']}/documents",
        data={"language": "en"},
        headers=coordinator.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert set(response.json["error"]["details"]) == {"file", "title", "category"}

    no_title = upload(title=None)
    assert no_title.status_code == 422
    assert set(no_title.json["error"]["details"]) == {"title"}
    blank_title = upload(title="   ")
    assert set(blank_title.json["error"]["details"]) == {"title"}

    empty = upload(b"", "empty.pdf")
    assert empty.status_code == 422
    assert empty.json["error"]["details"] == {"file": ["The file is empty."]}

    no_file_chosen = upload(b"", "")
    assert no_file_chosen.status_code == 422
    assert no_file_chosen.json["error"]["details"] == {"file": ["No file was chosen."]}

    text_as_file = client.post(
        f"/api/v1/projects/{project['id']}/documents",
        data={"file": "not a file", "title": "T", "category": "A01"},
        headers=coordinator.headers,
        content_type="multipart/form-data",
    )
    assert text_as_file.status_code == 422
    assert set(text_as_file.json["error"]["details"]) == {"file"}


def test_unknown_codes_get_422_and_nothing_is_stored(upload: Upload, upload_dir: Path) -> None:
    response = upload(category="Z99", language="xx")
    assert response.status_code == 422
    assert set(response.json["error"]["details"]) == {"category", "language"}
    lower = upload(category="a05", language="RU")
    assert lower.status_code == 201
    assert lower.json["category"]["code"] == "A05" and lower.json["language"] == "ru"
    assert len(blob_files(upload_dir)) == 1


def test_not_multipart_is_415(
    client: FlaskClient, coordinator: Account, project: dict[str, Any]
) -> None:
    url = f"/api/v1/projects/{project['id']}/documents"
    as_json = client.post(url, json={"title": "T"}, headers=coordinator.headers)
    assert as_json.status_code == 415
    assert as_json.json["error"]["code"] == "unsupported_media_type"
    raw = client.post(
        url, data=b"%PDF-1.4", headers={**coordinator.headers, "Content-Type": "application/pdf"}
    )
    assert raw.status_code == 415


def test_file_names_are_cleaned_never_used_as_paths(
    client: FlaskClient, coordinator: Account, upload: Upload, upload_dir: Path
) -> None:
    cases = {
        "../../etc/passwd.pdf": "passwd.pdf",
        # (Backslashes are quoted-string escapes in the part's header: gone before we look.)
        "C:/Users/fp/report.pdf": "report.pdf",
        "bad\x00name\x1b[31m\x07\t.pdf": "badname[31m.pdf",
        "invoice\u202efdp.exe": "invoicefdp.exe.pdf",  # the right-to-left override is gone
        "...": "document.pdf",
        "../": "document.pdf",
        "a<b>c:d|e?.pdf": "a_b_c_d_e_.pdf",
        "e\u0301te\u0301.pdf": "\u00e9t\u00e9.pdf",  # NFC
        "x" * 300 + ".pdf": "x" * 196 + ".pdf",
    }
    served = {}
    for raw, cleaned in cases.items():
        response = upload(pdf_bytes(raw.encode("utf-8", "surrogatepass")), raw)
        assert response.status_code == 201, (raw, response.json)
        assert response.json["filename"] == cleaned, raw
        served[cleaned] = response.json
    # Files live only under the upload folder, named by their hash.
    for path in blob_files(upload_dir):
        assert path.relative_to(upload_dir).parts[:2] == (path.name[:2], path.name[2:4])
    content = download(client, served["\u00e9t\u00e9.pdf"]["content_url"], coordinator)
    # RFC 6266: an ASCII fallback, and the exact name in RFC 5987 encoding.
    assert content.headers["Content-Disposition"] == (
        "attachment; filename=ete.pdf; filename*=UTF-8''%C3%A9t%C3%A9.pdf"
    )


def test_too_large_is_413_and_leaves_nothing(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    upload: Upload,
    upload_dir: Path,
) -> None:
    limit = client.application.config["UPLOAD_MAX_BYTES"]
    assert limit == 25 * 1024 * 1024
    # Within the body allowance but one byte over the per-file limit: caught while storing.
    just_over = upload(pdf_bytes(b"\n" * (limit + 1 - len(pdf_bytes()))), "big.pdf")
    assert just_over.status_code == 413, just_over.json
    assert just_over.json["error"]["code"] == "payload_too_large"
    # Far over: refused from the Content-Length, before the body is read.
    far_over = upload(b"%PDF-" + b"\0" * (limit + 100 * 1024), "huge.pdf")
    assert far_over.status_code == 413
    assert str(limit) in far_over.json["error"]["message"]
    assert blob_files(upload_dir) == [] and staging_files(upload_dir) == []
    # Exactly at the limit is accepted, and the JSON endpoints keep their 1 MiB limit.
    at_limit = upload(pdf_bytes(b"\n" * (limit - len(pdf_bytes()))), "max.pdf")
    assert at_limit.status_code == 201, at_limit.json
    assert at_limit.json["size"] == limit
    big_json = client.post(
        "/api/v1/projects",
        data=b"{" + b" " * (2 << 20) + b"}",
        headers={**coordinator.headers, "Content-Type": "application/json"},
    )
    assert big_json.status_code == 413
