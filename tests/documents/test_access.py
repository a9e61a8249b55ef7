"""Who may upload, read, edit, withdraw and restore documents; withdrawn documents and projects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adam.documents import service
from adam.session import new_session
from tests.conftest import Account
from tests.documents.conftest import Upload, download, pdf_bytes


@pytest.mark.parametrize(
    ("role", "country", "org", "status"),
    [
        ("admin", None, None, 201),
        ("coordinator", None, None, 201),
        ("focal_point", "TJ", None, 201),  # the project benefits TJ
        ("focal_point", "AF", "unodc", 201),  # their organization implements it
        ("focal_point", "AF", None, 403),
        ("donor", None, "gb-fcdo", 201),  # their organization funds it
        ("donor", None, "us-inl", 403),
        ("viewer", None, None, 403),
    ],
)
def test_who_may_upload_is_who_may_edit_the_project(
    client: FlaskClient,
    make_user: Callable[..., Account],
    project: dict[str, Any],
    upload: Upload,
    role: str,
    country: str | None,
    org: str | None,
    status: int,
) -> None:
    account = make_user(role, country=country, org=org)
    response = upload(account=account)
    assert response.status_code == status, response.json
    if status == 403:
        assert response.json["error"]["code"] == "forbidden"
        assert client.get(
            f"/api/v1/projects/{project['id']}/documents", headers=account.headers
        ).json == {"items": []}
    # Everyone who may read the project may list and download what is there.
    document = upload(pdf_bytes(b"for all")).json
    listed = client.get(f"/api/v1/projects/{project['id']}/documents", headers=account.headers)
    assert document["id"] in [d["id"] for d in listed.json["items"]]
    assert download(client, document["content_url"], account).data == pdf_bytes(b"for all")


def test_withdraw_and_restore(
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    project: dict[str, Any],
    upload: Upload,
) -> None:
    editor = make_user("focal_point", country="TJ")
    outsider = make_user("focal_point", country="AF")
    viewer = make_user("viewer")
    document = upload(account=editor).json
    url = f"/api/v1/projects/{project['id']}/documents/{document['id']}"
    listing = f"/api/v1/projects/{project['id']}/documents"

    for account in (outsider, viewer):
        refused = client.delete(url, headers=account.headers)
        assert refused.status_code == 403
    assert client.delete(url, headers=editor.headers).status_code == 204
    assert client.delete(url, headers=editor.headers).status_code == 204  # already withdrawn

    # Gone for readers: not listed, not readable, not downloadable.
    for account in (outsider, viewer):
        assert client.get(listing, headers=account.headers).json == {"items": []}
        assert client.get(url, headers=account.headers).status_code == 404
        assert download(client, document["content_url"], account).status_code == 404
        only_withdrawn = client.get(f"{listing}?withdrawn=true", headers=account.headers)
        assert only_withdrawn.status_code == 403
    # The project's editors still see it, and it is kept on disk.
    assert client.get(listing, headers=editor.headers).json == {"items": []}
    withdrawn = client.get(f"{listing}?withdrawn=true", headers=editor.headers).json["items"]
    assert [d["id"] for d in withdrawn] == [document["id"]]
    assert withdrawn[0]["withdrawn_at"] is not None
    assert download(client, document["content_url"], editor).status_code == 200

    assert client.post(f"{url}/restore", headers=viewer.headers).status_code == 403
    restored = client.post(f"{url}/restore", headers=editor.headers)
    assert restored.status_code == 200
    assert restored.json["withdrawn_at"] is None
    assert [d["id"] for d in client.get(listing, headers=viewer.headers).json["items"]] == [
        document["id"]
    ]
    history = client.get(
        f"/api/v1/projects/{project['id']}/history", headers=coordinator.headers
    ).json
    changes = [
        entry["changes"]["documents"] for entry in history if "documents" in entry["changes"]
    ]
    assert [(c["old"] is None, c["new"] is None) for c in changes] == [
        (True, False),  # uploaded
        (False, True),  # withdrawn
        (True, False),  # restored
    ]


def test_documents_do_not_change_the_project_etag(
    client: FlaskClient, coordinator: Account, project: dict[str, Any], upload: Upload
) -> None:
    document = upload().json
    client.delete(
        f"/api/v1/projects/{project['id']}/documents/{document['id']}", headers=coordinator.headers
    )
    current = client.get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers)
    assert current.headers["ETag"] == project["_etag"]


def test_a_withdrawn_project_takes_no_uploads_and_hides_its_documents(
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    project: dict[str, Any],
    upload: Upload,
) -> None:
    editor = make_user("focal_point", country="TJ")
    document = upload().json
    assert (
        client.delete(f"/api/v1/projects/{project['id']}", headers=coordinator.headers).status_code
        == 204
    )
    refused = upload(pdf_bytes(b"late"))
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "conflict"
    listing = f"/api/v1/projects/{project['id']}/documents"
    assert client.get(listing, headers=editor.headers).status_code == 404
    assert download(client, document["content_url"], editor).status_code == 404
    assert upload(pdf_bytes(b"late"), account=editor).status_code == 404
    # Coordinators still read them.
    assert download(client, document["content_url"], coordinator).status_code == 200
    assert client.get(listing, headers=coordinator.headers).json["items"][0]["id"] == document["id"]


def test_unknown_ids_are_404(
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
    upload: Upload,
    register: Any,
) -> None:
    document = upload().json
    other = register(title="Another project entirely", countries=["AF"])
    for url in (
        "/api/v1/projects/999999/documents",
        f"/api/v1/projects/{project['id']}/documents/999999",
        f"/api/v1/projects/{project['id']}/documents/99999999999",
        f"/api/v1/projects/{other['id']}/documents/{document['id']}",  # not that project's
        f"/api/v1/projects/{other['id']}/documents/{document['id']}/content",
    ):
        assert client.get(url, headers=coordinator.headers).status_code == 404, url
    assert upload(project_id=999999).status_code == 404


def test_patch_changes_title_category_and_language(
    client: FlaskClient, make_user: Callable[..., Account], project: dict[str, Any], upload: Upload
) -> None:
    document = upload().json
    url = f"/api/v1/projects/{project['id']}/documents/{document['id']}"
    viewer = make_user("viewer")
    editor = make_user("donor", org="gb-fcdo")
    assert client.patch(url, json={"title": "X"}, headers=viewer.headers).status_code == 403
    bad = client.patch(url, json={"category": "Q1", "language": "zz"}, headers=editor.headers)
    assert bad.status_code == 422
    assert set(bad.json["error"]["details"]) == {"category", "language"}
    changed = client.patch(
        url,
        json={"title": "Final evaluation", "category": "a08", "language": "RU"},
        headers=editor.headers,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["title"] == "Final evaluation"
    assert changed.json["category"]["code"] == "A08"
    assert changed.json["language"] == "ru"
    assert changed.json["sha256"] == document["sha256"]


def test_documents_for_projects_gives_live_documents_for_exports(
    app: Flask,
    project: dict[str, Any],
    register: Any,
    upload: Upload,
    client: FlaskClient,
    coordinator: Account,
) -> None:
    other = register(title="Precursor control in the Fergana valley", countries=["KG"])
    first = upload(pdf_bytes(b"1"), title="First").json
    gone = upload(pdf_bytes(b"2"), title="Withdrawn").json
    second = upload(pdf_bytes(b"3"), title="Second").json
    client.delete(
        f"/api/v1/projects/{project['id']}/documents/{gone['id']}", headers=coordinator.headers
    )
    with new_session(app) as session:
        found = service.documents_for_projects(session, [project["id"], other["id"]])
    assert [d.id for d in found[project["id"]]] == [first["id"], second["id"]]
    assert found[other["id"]] == []
    document = found[project["id"]][0]
    assert document.content_path == first["content_url"]
    assert (document.title, document.category_code, document.language, document.media_type) == (
        "First",
        "A07",
        "en",
        "application/pdf",
    )
