"""Bad input to the links API: a clear JSON error with the right status, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.coverage.conftest import BORDER_NEED, stored_links


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"project_id", "need_id", "recommendation_id"}),
        ({"project_id": 1}, {"need_id", "recommendation_id"}),
        ({"project_id": 1, "need_id": 1, "recommendation_id": 1}, {"need_id", "recommendation_id"}),
        ({"project_id": "one", "need_id": 1}, {"project_id"}),
        ({"project_id": 0, "need_id": 1}, {"project_id"}),
        ({"project_id": 2**40, "need_id": 1}, {"project_id"}),
        ({"project_id": 1, "need_id": 1, "note": "x" * 5001}, {"note"}),
        ({"project_id": 1, "need_id": 1, "extra": True}, {"extra"}),
    ],
)
def test_a_malformed_body_is_refused_with_field_errors(
    app: Flask, client: FlaskClient, coordinator: Account, body: dict[str, Any], fields: set[str]
) -> None:
    answer = client.post("/api/v1/links", json=body, headers=coordinator.headers)
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["code"] == "validation_error"
    assert fields <= set(answer.json["error"]["details"])
    assert stored_links(app) == []


def test_ids_that_name_nothing_are_refused(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    project = register()
    need_id = make_need(**BORDER_NEED, suggest=False)
    for body, field in [
        ({"project_id": 999_999, "need_id": need_id}, "project_id"),
        ({"project_id": project["id"], "need_id": 999_999}, "need_id"),
        ({"project_id": project["id"], "recommendation_id": 999_999}, "recommendation_id"),
    ]:
        answer = client.post("/api/v1/links", json=body, headers=coordinator.headers)
        assert answer.status_code == 422, answer.json
        assert field in answer.json["error"]["details"]
    assert stored_links(app) == []


def test_unknown_links_needs_and_recommendations_are_404(
    client: FlaskClient, coordinator: Account
) -> None:
    for path in [
        "/api/v1/needs/999/links",
        "/api/v1/recommendations/999/links",
        "/api/v1/projects/999/links",
    ]:
        answer = client.get(path, headers=coordinator.headers)
        assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    for verdict in ("confirm", "reject"):
        answer = client.post(f"/api/v1/links/999/{verdict}", json={}, headers=coordinator.headers)
        assert answer.status_code == 404


def test_deciding_twice_the_same_way_is_a_conflict(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_need: Callable[..., int],
) -> None:
    make_need(**BORDER_NEED)
    [offered] = register()["serves"]
    path = f"/api/v1/links/{offered['link_id']}"
    assert client.post(path + "/confirm", json={}, headers=coordinator.headers).status_code == 200
    twice = client.post(path + "/confirm", json={}, headers=coordinator.headers)
    assert twice.status_code == 409 and twice.json["error"]["code"] == "conflict"
    assert client.post(path + "/reject", json={}, headers=coordinator.headers).status_code == 200
    assert client.post(path + "/reject", json={}, headers=coordinator.headers).status_code == 409


def test_links_need_a_signed_in_caller(client: FlaskClient) -> None:
    assert client.get("/api/v1/needs/1/links").status_code == 401
    assert client.post("/api/v1/links", json={}).status_code == 401
