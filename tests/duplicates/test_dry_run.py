"""POST /api/v1/duplicates/check: a registration's duplicate check, nothing written.

The first project of each test is the default ``project_body()`` (TJ, gb-fcdo / unodc); the
checked body describes the same activity under ``TWIN_TITLE`` unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from adam.db import Base
from adam.session import new_session
from tests.conftest import Account, project_body
from tests.duplicates.conftest import TWIN_TITLE, UNRELATED, listed, stored_alerts

Register = Callable[..., dict[str, Any]]
CHECK = "/api/v1/duplicates/check"


def _contents(app: Flask) -> dict[str, Any]:
    """Every table's rows (projects, history, alerts, outbox, index, code counter, ...), and
    on SQLite the full-text index's."""
    with new_session(app) as session:
        found: dict[str, Any] = {
            table.name: sorted(map(repr, session.execute(sa.select(table)).all()))
            for table in Base.metadata.sorted_tables
        }
        if session.get_bind().dialect.name == "sqlite":
            found["project_fts"] = session.scalar(sa.text("SELECT count(*) FROM project_fts"))
    return found


def _check(client: FlaskClient, account: Account, **overrides: Any) -> Any:
    return client.post(CHECK, json=project_body(**overrides), headers=account.headers)


def test_dry_run_lists_what_the_registration_then_lists_with_the_same_scores(
    client: FlaskClient, coordinator: Account, register: Register
) -> None:
    first = register()
    other = register(title="Border liaison offices on the Tajik-Afghan frontier")
    register(**UNRELATED)

    checked = _check(client, coordinator, title=TWIN_TITLE)
    written = register(title=TWIN_TITLE)

    assert checked.status_code == 200, checked.json
    assert checked.json["duplicate_check"] == "done"
    assert set(listed(checked.json)) <= {first["id"], other["id"]}
    assert listed(checked.json) and listed(checked.json) == listed(written)
    expected = [
        {k: v for k, v in found.items() if k != "alert_id"}
        for found in written["possible_duplicates"]
    ]
    assert checked.json["possible_duplicates"] == expected
    assert all("alert_id" not in found for found in checked.json["possible_duplicates"])


def test_dry_run_writes_nothing_and_raises_no_alert(
    app: Flask, client: FlaskClient, coordinator: Account, register: Register
) -> None:
    register()
    before = _contents(app)
    assert before["project"] and before["project_code_counter"]

    checked = _check(client, coordinator, title=TWIN_TITLE)

    assert checked.status_code == 200 and listed(checked.json)
    assert _contents(app) == before
    assert stored_alerts(app) == {}
    # The code counter did not move: the next registration gets the next code.
    assert register(title=TWIN_TITLE)["code"].endswith("-0002")


def test_empty_registry_is_done_with_nothing_listed(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    checked = _check(client, coordinator)
    assert checked.status_code == 200
    assert checked.json == {"possible_duplicates": [], "duplicate_check": "done"}


def test_focal_point_of_another_country_is_403_like_registration(
    client: FlaskClient,
    make_user: Callable[..., Account],
    register: Register,
) -> None:
    register()
    focal = make_user("focal_point", country="AF")

    checked = _check(client, focal, title=TWIN_TITLE)
    registered = client.post("/api/v1/projects", json=project_body(), headers=focal.headers)

    assert checked.status_code == registered.status_code == 403
    assert checked.json["error"]["code"] == registered.json["error"]["code"]
    own = make_user("focal_point", country="TJ")
    assert _check(client, own, title=TWIN_TITLE).status_code == 200


def test_bad_body_is_422_naming_the_field_like_registration(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    for body, field in [
        (project_body(countries=["TJ", "ZZ"]), "countries"),
        (project_body(donors=["nobody"]), "donors"),
        (project_body(colour="red"), "colour"),
        ({}, "title"),
    ]:
        checked = client.post(CHECK, json=body, headers=coordinator.headers)
        registered = client.post("/api/v1/projects", json=body, headers=coordinator.headers)
        assert checked.status_code == registered.status_code == 422
        assert checked.mimetype == "application/json"
        assert checked.json["error"]["code"] == "validation_error"
        assert field in checked.json["error"]["details"]
        assert checked.json["error"]["details"] == registered.json["error"]["details"]


def test_no_token_is_401(client: FlaskClient) -> None:
    checked = client.post(CHECK, json=project_body())
    assert checked.status_code == 401
    assert checked.mimetype == "application/json"


def test_withdrawn_project_is_not_matched(
    client: FlaskClient, coordinator: Account, register: Register
) -> None:
    first = register()
    assert listed(_check(client, coordinator, title=TWIN_TITLE).json) == [first["id"]]
    response = client.delete(f"/api/v1/projects/{first['id']}", headers=coordinator.headers)
    assert response.status_code == 204

    checked = _check(client, coordinator, title=TWIN_TITLE)

    assert checked.status_code == 200 and checked.json["possible_duplicates"] == []
    assert register(title=TWIN_TITLE)["possible_duplicates"] == []
