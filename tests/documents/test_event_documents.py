"""An event's agenda, presentations and report: kept by coordinators, read by every
signed-in person, withdrawn (never deleted) and restored; apart from projects' documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from adam.documents.models import Document
from adam.pact.models import Event, EventKind
from adam.reference.models import Pillar
from adam.session import new_session
from tests.conftest import Account
from tests.documents.conftest import PDF, blob_files, download, picture


@pytest.fixture()
def event_id(app: Flask) -> int:
    with new_session(app) as session:
        event = Event(
            kind=EventKind.POLICY_CONSULTATIVE_GROUP,
            number=17,
            start_date=dt.date(2023, 12, 12),
            pillar=Pillar.REGIONAL_INITIATIVES,
        )
        session.add(event)
        session.commit()
        return event.id


def _send(
    client: FlaskClient,
    account: Account,
    event: int,
    data: bytes = PDF,
    filename: str = "agenda.pdf",
    **fields: Any,
) -> TestResponse:
    form: dict[str, Any] = {
        "file": FileStorage(io.BytesIO(data), filename=filename),
        "title": "Agenda",
        "category": "AGN",
        **fields,
    }
    boundary, body = encode_multipart(form)
    return client.post(
        f"/api/v1/events/{event}/documents",
        data=body,
        headers=account.headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _account(make_user: Callable[..., Account], role: str) -> Account:
    if role == "focal_point":
        return make_user(role, country="TJ")
    if role == "donor":
        return make_user(role, org="unodc")
    return make_user(role)


def _count(app: Flask) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(Document)) or 0


def test_a_coordinator_uploads_and_everyone_signed_in_downloads(
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    orgs: dict[str, str],
    event_id: int,
) -> None:
    sent = _send(client, coordinator, event_id, language="ru", title="Повестка дня")
    assert sent.status_code == 201, sent.json
    document = sent.json
    assert document["media_type"] == "application/pdf" and document["language"] == "ru"
    assert sent.headers["Location"] == f"/api/v1/events/{event_id}/documents/{document['id']}"
    content = f"/api/v1/events/{event_id}/documents/{document['id']}/content"
    for role in ("donor", "focal_point", "viewer"):
        reader = _account(make_user, role)
        got = download(client, content, reader)
        assert got.status_code == 200, (role, got.json)
        assert got.data == PDF
        assert got.headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
        listed = client.get(f"/api/v1/events/{event_id}/documents", headers=reader.headers)
        assert [d["id"] for d in listed.json["items"]] == [document["id"]]
    assert client.get(content).status_code == 401


@pytest.mark.parametrize("role", ["donor", "focal_point", "viewer"])
def test_only_staff_keep_an_events_documents(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    orgs: dict[str, str],
    event_id: int,
    role: str,
) -> None:
    other = _account(make_user, role)
    refused = _send(client, other, event_id)
    assert refused.status_code == 403, refused.json
    assert "coordinators and administrators" in refused.json["error"]["message"]
    kept = _send(client, coordinator, event_id).json
    path = f"/api/v1/events/{event_id}/documents/{kept['id']}"
    assert client.patch(path, json={"title": "x"}, headers=other.headers).status_code == 403
    assert client.delete(path, headers=other.headers).status_code == 403
    assert _count(app) == 1


def test_withdrawn_documents_are_hidden_kept_and_restored(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    orgs: dict[str, str],
    event_id: int,
    upload_dir: Path,
) -> None:
    donor = _account(make_user, "donor")
    document = _send(client, coordinator, event_id).json
    path = f"/api/v1/events/{event_id}/documents/{document['id']}"
    renamed = client.patch(path, json={"title": "Final report"}, headers=coordinator.headers)
    assert renamed.status_code == 200 and renamed.json["title"] == "Final report"
    assert client.delete(path, headers=coordinator.headers).status_code == 204
    assert client.get(path, headers=donor.headers).status_code == 404
    assert download(client, path + "/content", donor).status_code == 404
    listed = client.get(f"/api/v1/events/{event_id}/documents", headers=donor.headers).json
    assert listed["items"] == []
    hidden = client.get(
        f"/api/v1/events/{event_id}/documents?withdrawn=true", headers=coordinator.headers
    ).json
    assert [d["id"] for d in hidden["items"]] == [document["id"]]
    assert len(blob_files(upload_dir)) == 1 and _count(app) == 1  # kept on disk and in a row
    restored = client.post(path + "/restore", headers=coordinator.headers)
    assert restored.status_code == 200, restored.json
    assert client.get(path, headers=donor.headers).status_code == 200


def test_a_picture_gets_a_thumbnail(
    client: FlaskClient, coordinator: Account, event_id: int
) -> None:
    sent = _send(client, coordinator, event_id, picture("PNG"), "hall.png", category="PRS")
    assert sent.status_code == 201, sent.json
    path = f"/api/v1/events/{event_id}/documents/{sent.json['id']}/thumbnail"
    thumbnail = download(client, path, coordinator)
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"


def test_bad_uploads_write_nothing(
    app: Flask, client: FlaskClient, coordinator: Account, event_id: int, upload_dir: Path
) -> None:
    unknown = _send(client, coordinator, event_id, category="Z99")
    assert unknown.status_code == 422 and "category" in unknown.json["error"]["details"]
    # An IATI activity category is not an event's: IATI has no agenda.
    iati = _send(client, coordinator, event_id, category="A01")
    assert iati.status_code == 422, iati.json
    assert "AGN agenda" in str(iati.json["error"]["details"]["category"])
    wrong = _send(client, coordinator, event_id, b"MZ\x90\x00binary", "agenda.exe")
    assert wrong.status_code in (415, 422), wrong.json
    missing = _send(client, coordinator, 999_999)
    assert missing.status_code == 404 and "No event" in missing.json["error"]["message"]
    assert _count(app) == 0 and blob_files(upload_dir) == []


def test_event_and_project_documents_stay_apart(
    client: FlaskClient,
    coordinator: Account,
    event_id: int,
    register: Callable[..., dict[str, Any]],
) -> None:
    project = register()
    document = _send(client, coordinator, event_id).json
    # The event's document is not the project's, though the ids could meet.
    as_project = f"/api/v1/projects/{project['id']}/documents/{document['id']}"
    assert client.get(as_project, headers=coordinator.headers).status_code == 404
    listed = client.get(f"/api/v1/projects/{project['id']}/documents", headers=coordinator.headers)
    assert listed.json["items"] == []


def test_a_withdrawn_event_takes_no_documents(
    app: Flask, client: FlaskClient, coordinator: Account, event_id: int
) -> None:
    with new_session(app) as session:
        event = session.get(Event, event_id)
        assert event is not None
        event.withdrawn_at = dt.datetime.now(dt.UTC)
        session.commit()
    refused = _send(client, coordinator, event_id)
    assert refused.status_code == 409, refused.json
    assert _count(app) == 0
