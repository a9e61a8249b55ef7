"""Idempotency-Key on the creates: replays, refusals, expiry, scope, races (both backends)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from adam.app import create_app
from adam.duplicates.models import DuplicateAlert
from adam.iati.models import ImportJob
from adam.idempotency.models import IdempotencyKey
from adam.notifications.models import WebhookSubscription
from adam.projects.models import Project, ProjectHistory
from adam.reference.models import Organization
from adam.session import new_session
from tests.conftest import Account, project_body
from tests.iati.import_helpers import Act, iati_file, wait_for_job

PROJECTS = "/api/v1/projects"


def count(app: Flask, model: Any) -> int:
    with new_session(app) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def keyed(account: Account, key: str) -> dict[str, str]:
    return {**account.headers, "Idempotency-Key": key}


def test_a_replay_returns_the_first_answer_and_writes_nothing(
    app: Flask, client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    first = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, "reg-1"))
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    written = (count(app, Project), count(app, ProjectHistory), count(app, DuplicateAlert))

    # The same body with its keys in another order is the same request.
    again = client.post(
        PROJECTS, json=dict(reversed(project_body().items())), headers=keyed(coordinator, "reg-1")
    )
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    for name in ("Location", "ETag", "Content-Type"):
        assert again.headers[name] == first.headers[name]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (count(app, Project), count(app, ProjectHistory), count(app, DuplicateAlert)) == written
    assert count(app, IdempotencyKey) == 1

    # Without a key, the same body registers another project, as before.
    plain = client.post(PROJECTS, json=project_body(), headers=coordinator.headers)
    assert plain.status_code == 201 and plain.json["id"] != first.json["id"]


def test_the_same_key_with_another_request_is_refused(
    app: Flask, client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    headers = keyed(coordinator, "reg-2")
    assert client.post(PROJECTS, json=project_body(), headers=headers).status_code == 201
    other_body = client.post(PROJECTS, json=project_body(title="Another title"), headers=headers)
    assert other_body.status_code == 422
    error = other_body.json["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "another request" in error["message"]
    assert error["details"] == {"Idempotency-Key": ["Already used for another request."]}
    other_path = client.post(
        "/api/v1/organizations",
        json={"code": "xx-new", "name": "New", "type": "ngo"},
        headers=headers,
    )
    assert other_path.status_code == 422
    assert count(app, Project) == 1 and count(app, Organization) == len(orgs)

    russian = client.post(
        PROJECTS,
        json=project_body(title="Another title"),
        headers={**headers, "Accept-Language": "ru"},
    )
    assert "Idempotency-Key" in russian.json["error"]["message"]
    assert russian.json["error"]["message"].isascii() is False


@pytest.mark.parametrize(
    "key",
    ["", "   ", "x" * 256, "tab\there", "caf\u00e9"],
    ids=["empty", "blank", "too-long", "control", "not-ascii"],
)
def test_a_malformed_key_is_refused_before_anything_is_written(
    app: Flask, client: FlaskClient, coordinator: Account, orgs: dict[str, str], key: str
) -> None:
    response = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, key))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_idempotency_key"
    assert count(app, Project) == 0 and count(app, IdempotencyKey) == 0


def test_a_key_of_255_printable_characters_is_accepted(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    key = ("k-" + "".join(chr(c) for c in range(0x21, 0x7F)) * 3)[:255]
    response = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, key))
    assert response.status_code == 201


def test_keys_belong_to_their_user(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    make_user: Callable[..., Account],
    orgs: dict[str, str],
) -> None:
    other = make_user("coordinator")
    mine = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, "shared"))
    theirs = client.post(PROJECTS, json=project_body(), headers=keyed(other, "shared"))
    assert mine.status_code == theirs.status_code == 201
    assert mine.json["id"] != theirs.json["id"]
    assert "Idempotent-Replayed" not in theirs.headers
    assert count(app, Project) == 2


def test_an_error_is_not_stored_and_the_key_stays_free(
    app: Flask, client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    headers = keyed(coordinator, "fix-and-retry")
    refused = client.post(PROJECTS, json=project_body(countries=["TX"]), headers=headers)
    assert refused.status_code == 422
    assert count(app, IdempotencyKey) == 0
    assert client.post(PROJECTS, json=project_body(), headers=headers).status_code == 201


@pytest.mark.parametrize("command", [["worker", "--once"], ["purge"]])
def test_keys_expire_and_adam_worker_purges_them(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    orgs: dict[str, str],
    command: list[str],
) -> None:
    headers = keyed(coordinator, "old")
    first = client.post(PROJECTS, json=project_body(), headers=headers)
    with new_session(app) as session:
        stored = session.scalars(sa.select(IdempotencyKey)).one()
        # IDEMPOTENCY_KEY_TTL_HOURS (24 by default) after the create.
        assert stored.expires_at - stored.created_at == dt.timedelta(hours=24)
        stored.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.commit()

    # Expired: the key is free again, and its old answer gives way to the new one.
    second = client.post(PROJECTS, json=project_body(), headers=headers)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert second.json["id"] != first.json["id"]
    assert count(app, IdempotencyKey) == 1

    client.post(PROJECTS, json=project_body(title="Kept"), headers=keyed(coordinator, "fresh"))
    with new_session(app) as session:
        session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        session.commit()
    from adam.cli import main

    result = app.test_cli_runner().invoke(main, command)
    assert result.exit_code == 0, result.output
    with new_session(app) as session:
        assert session.scalars(sa.select(IdempotencyKey.key)).all() == ["fresh"]


def test_the_ttl_is_a_setting(database_url: str, coordinator: Account) -> None:
    from adam.app import create_app

    other = create_app(
        {"ENV": "testing", "DATABASE_URL": database_url, "IDEMPOTENCY_KEY_TTL_HOURS": 2}
    )
    assert other.extensions["adam.settings"].idempotency_key_ttl_hours == 2
    with pytest.raises(Exception, match="IDEMPOTENCY_KEY_TTL_HOURS"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url, "IDEMPOTENCY_KEY_TTL_HOURS": 0})


def test_concurrent_requests_with_one_key_create_one_project(
    app: Flask, coordinator: Account, orgs: dict[str, str]
) -> None:
    answers: list[tuple[int, bool]] = []
    start = threading.Barrier(6)

    def send() -> None:
        client = app.test_client()
        start.wait(timeout=30)
        response = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, "race"))
        answers.append((response.status_code, "Idempotent-Replayed" in response.headers))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 6
    assert answers.count((201, False)) == 1
    assert all(answer in ((201, False), (201, True), (409, False)) for answer in answers)
    assert count(app, Project) == 1 and count(app, ProjectHistory) == 1


HOLD_KEY = """
import sys
from adam.app import create_app
from adam.idempotency.in_flight import claimed
from adam.session import new_session

app = create_app({"ENV": "testing", "DATABASE_URL": sys.argv[1]})
with new_session(app) as session, claimed(session, user_id=int(sys.argv[2]), key=sys.argv[3]):
    print("held", flush=True)
    sys.stdin.readline()
    session.rollback()
"""


def test_a_key_being_answered_in_another_process_is_409_until_it_ends(
    app: Flask,
    client: FlaskClient,
    database_url: str,
    coordinator: Account,
    orgs: dict[str, str],
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_KEY, database_url, str(coordinator.id), "busy"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as holder:  # fmt: skip
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, "busy"))
        assert busy.status_code == 409
        assert busy.json["error"]["code"] == "idempotency_key_in_flight"
        # Another key, or another user's same key, is not held.
        assert (
            client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, "idle"))
        ).status_code == 201
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    assert count(app, Project) == 1
    free = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, "busy"))
    assert free.status_code == 201


def test_a_killed_holder_leaves_the_key_free(
    app: Flask,
    client: FlaskClient,
    database_url: str,
    coordinator: Account,
    orgs: dict[str, str],
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_KEY, database_url, str(coordinator.id), "dies"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as holder:  # fmt: skip
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        holder.kill()
        holder.wait(timeout=60)
    # PostgreSQL ends the dead connection's transaction (and lock) when it notices the
    # socket closed; that is quick on loopback, but not instant: poll with a deadline.
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    while True:
        response = client.post(PROJECTS, json=project_body(), headers=keyed(coordinator, "dies"))
        if response.status_code != 409 or dt.datetime.now(dt.UTC) > deadline:
            break
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        (
            "/api/v1/organizations",
            {"code": "xx-ngo", "name": "An NGO", "type": "ngo"},
            Organization,
        ),
        ("/api/v1/webhooks", {"url": "https://hooks.example.org/adam"}, WebhookSubscription),
    ],
    ids=["organization", "webhook"],
)
def test_json_creates_replay(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    path: str,
    body: dict[str, Any],
    model: Any,
) -> None:
    before = count(app, model)
    first = client.post(path, json=body, headers=keyed(admin, f"create {path}"))
    assert first.status_code == 201, first.json
    again = client.post(path, json=body, headers=keyed(admin, f"create {path}"))
    assert (again.status_code, again.get_data()) == (201, first.get_data())
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, model) == before + 1


def test_user_creation_replays(app: Flask, client: FlaskClient, admin: Account) -> None:
    body = {"email": "new.person@example.org", "role": "viewer"}
    first = client.post("/api/v1/users", json=body, headers=keyed(admin, "new user"))
    again = client.post("/api/v1/users", json=body, headers=keyed(admin, "new user"))
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()


def _upload(client: FlaskClient, url: str, account: Account, key: str, data: bytes) -> Any:
    # Each send draws a new multipart boundary, as a client's retry does.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), filename="report.pdf"), "title": "Evaluation",
         "category": "A07"}
    )  # fmt: skip
    return client.post(
        url,
        data=body,
        headers=keyed(account, key),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_a_document_upload_replays_and_stores_one_document(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> None:
    project = register()
    url = f"{PROJECTS}/{project['id']}/documents"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    first = _upload(client, url, coordinator, "doc", pdf)
    assert first.status_code == 201, first.json
    again = _upload(client, url, coordinator, "doc", pdf)
    assert (again.status_code, again.get_data()) == (201, first.get_data())
    assert again.headers["Idempotent-Replayed"] == "true"
    other_file = _upload(client, url, coordinator, "doc", pdf + b"%more\n")
    assert other_file.status_code == 422
    listed = client.get(url, headers=coordinator.headers).json["items"]
    assert [d["id"] for d in listed] == [first.json["id"]]


def test_an_iati_import_replays_and_queues_one_job(
    app: Flask, client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    from adam.iati import background

    content = iati_file(Act("GB-GOV-1-IDEM-1"))
    answers = []
    for _ in range(2):
        boundary, body = encode_multipart(
            {"file": FileStorage(io.BytesIO(content), filename="activities.xml")}
        )
        answers.append(
            client.post(
                "/api/v1/imports/iati",
                data=body,
                headers=keyed(coordinator, "import"),
                content_type=f"multipart/form-data; boundary={boundary}",
            )
        )
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[1].get_data() == answers[0].get_data()
    assert answers[1].headers["Location"] == answers[0].headers["Location"]
    # Started once its job was committed (the held commit ran it afterwards).
    job = wait_for_job(client, coordinator, answers[0].json["id"])
    assert job["status"] != "queued"
    background.drain()
    assert count(app, ImportJob) == 1


def test_the_openapi_document_names_the_header_on_every_create(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    keyed_operations = sorted(
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
        and any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    )
    assert keyed_operations == [
        "POST /api/v1/alerts/{alert_id}/resolution",
        "POST /api/v1/events",
        "POST /api/v1/events/{event_id}/documents",
        "POST /api/v1/imports/iati",
        "POST /api/v1/indicators/imports",
        "POST /api/v1/links",
        "POST /api/v1/links/{link_id}/confirm",
        "POST /api/v1/links/{link_id}/reject",
        "POST /api/v1/needs",
        "POST /api/v1/organizations",
        "POST /api/v1/projects",
        "POST /api/v1/projects/{project_id}/documents",
        "POST /api/v1/recommendations",
        "POST /api/v1/recommendations/{recommendation_id}/notes",
        "POST /api/v1/users",
        "POST /api/v1/webhooks",
    ]
    register = spec["paths"]["/api/v1/projects"]["post"]
    assert {"400", "409", "422"} <= set(register["responses"])


def test_an_alert_resolution_replays(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> None:
    register()
    twin = register()
    alert_id = twin["possible_duplicates"][0]["alert_id"]
    url = f"/api/v1/alerts/{alert_id}/resolution"
    body = {"resolution": "duplicate", "note": "Same offices."}
    first = client.post(url, json=body, headers=keyed(coordinator, "resolve"))
    assert first.status_code == 200, first.json
    again = client.post(url, json=body, headers=keyed(coordinator, "resolve"))
    assert (again.status_code, again.get_data()) == (200, first.get_data())
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(url, json={"resolution": "related"}, headers=keyed(coordinator, "resolve"))
    assert other.status_code == 422
    with new_session(app) as session:
        alert = session.get(DuplicateAlert, alert_id)
        assert alert is not None and alert.resolution is not None
        assert alert.resolution.value == "duplicate"


def test_a_stored_answer_is_sealed_and_needs_the_key_to_replay(
    app: Flask, client: FlaskClient, admin: Account, database_url: str
) -> None:
    """The answer to POST /webhooks holds the new secret; at rest it is sealed like the
    webhook's own copy, and an app that has lost the key refuses rather than creates again."""
    body = {"url": "https://hooks.example.org/sealed"}
    first = client.post("/api/v1/webhooks", json=body, headers=keyed(admin, "hook-1"))
    assert first.status_code == 201, first.json
    secret = first.json["secret"]
    with new_session(app) as session:
        stored = session.scalars(sa.select(IdempotencyKey.body)).one()
    assert secret.encode() not in stored and b"hooks.example.org" not in stored

    again = client.post("/api/v1/webhooks", json=body, headers=keyed(admin, "hook-1"))
    assert (again.status_code, again.json["secret"]) == (201, secret)

    other = create_app(
        {"ENV": "testing", "DATABASE_URL": database_url, "WEBHOOK_SECRET_KEY": "another key"}
    )
    try:
        lost = other.test_client().post(
            "/api/v1/webhooks", json=body, headers=keyed(admin, "hook-1")
        )
    finally:
        other.extensions["adam.engine"].dispose()
    assert lost.status_code == 409
    assert lost.json["error"]["code"] == "idempotency_answer_unreadable"
    assert secret not in lost.get_data(as_text=True)
    assert count(app, WebhookSubscription) == 1
