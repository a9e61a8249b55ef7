"""A download reads one snapshot, and gives its database connection back however it ends."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adam.session import get_engine
from tests.conftest import Account
from tests.settings_helpers import replace_settings

# Long enough that the first 64 KB chunk of CSV holds only some of the projects.
FILLER = " ".join(f"word{n}" for n in range(2000))


def _seed(app: Flask, register: Any) -> list[dict[str, Any]]:
    replace_settings(app, export_chunk_size=2)
    return [
        register(title=f"Snapshot {n:02d}", description=f"Project {n}: {FILLER}") for n in range(10)
    ]


def test_changes_made_while_streaming_are_not_in_the_download(
    app: Flask, client: FlaskClient, coordinator: Account, register: Any
) -> None:
    projects = _seed(app, register)
    response = client.get(
        "/api/v1/projects?format=csv&sort=title", headers=coordinator.headers, buffered=False
    )
    chunks = iter(response.response)
    first = next(chunks)
    assert b"Snapshot 00" in first and b"Snapshot 09" not in first
    last = projects[-1]
    edited = client.patch(
        f"/api/v1/projects/{last['id']}",
        json={"title": "Snapshot 99 renamed meanwhile"},
        headers={**coordinator.headers, "If-Match": last["_etag"]},
    )
    assert edited.status_code == 200, edited.json
    register(title="Snapshot 50 registered meanwhile")
    rest = b"".join(chunks)
    response.close()
    rows = list(csv.DictReader(io.StringIO((first + rest).decode("utf-8-sig"), newline="")))
    assert [r["title"] for r in rows] == [f"Snapshot {n:02d}" for n in range(10)]
    after = client.get("/api/v1/projects?format=csv&sort=title", headers=coordinator.headers)
    titles = [r["title"] for r in csv.DictReader(io.StringIO(after.get_data().decode("utf-8-sig")))]
    assert titles[-2:] == ["Snapshot 50 registered meanwhile", "Snapshot 99 renamed meanwhile"]


def test_a_client_leaving_midway_frees_the_connection(
    app: Flask, client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(app, register)
    pool = get_engine(app).pool
    for fmt in ("csv", "xlsx"):
        response = client.get(
            f"/api/v1/projects?format={fmt}", headers=coordinator.headers, buffered=False
        )
        assert next(iter(response.response))
        response.close()
        assert pool.checkedout() == 0, fmt  # type: ignore[attr-defined]


def test_a_download_never_read_frees_the_connection(
    app: Flask, client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(app, register)
    response = client.get(
        "/api/v1/projects?format=csv", headers=coordinator.headers, buffered=False
    )
    response.close()
    assert get_engine(app).pool.checkedout() == 0  # type: ignore[attr-defined]
