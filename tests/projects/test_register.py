"""Registering and reading projects."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account, project_body


def test_register_returns_201_location_etag_and_names(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> None:
    response = client.post("/api/v1/projects", json=project_body(), headers=coordinator.headers)
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"/api/v1/projects/{body['id']}"
    assert response.headers["ETag"] == f'"{body["id"]}-1"'
    assert body["code"].startswith("TJ-") and body["code"].endswith("-0001")
    assert body["donors"] == [
        {"code": "gb-fcdo", "name": "Foreign, Commonwealth & Development Office"}
    ]
    assert body["countries"] == [{"code": "TJ", "name": "Tajikistan"}]
    assert body["themes"][0]["slug"] == "border-control"
    assert body["budget"] == {"amount": "1250000.00", "currency": "USD"}
    assert body["version"] == 1
    fetched = client.get(response.headers["Location"], headers=coordinator.headers)
    assert fetched.status_code == 200
    assert fetched.json == {
        k: v
        for k, v in body.items()
        if k not in ("possible_duplicates", "duplicate_check", "serves")
    }
    assert body["possible_duplicates"] == [] and body["duplicate_check"] == "done"


def test_codes_count_up_per_country_and_year(register: Any) -> None:
    first, second = register(), register(countries=["TJ", "AF"])
    third = register(countries=["AF"])
    assert first["code"][-4:] == "0001" and second["code"][-4:] == "0002"
    assert third["code"].startswith("AF-") and third["code"].endswith("-0001")


def test_cyrillic_text_is_stored_as_given(
    register: Any, client: FlaskClient, coordinator: Account
) -> None:
    title = "Укрепление потенциала Агентства по контролю за наркотиками <b>'; DROP TABLE project;--"
    project = register(title=title, description="Описание\nпроекта")
    fetched = client.get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers).json
    assert fetched["title"] == title
    assert fetched["description"] == "Описание\nпроекта"
    found = client.get("/api/v1/projects?q=укрепление", headers=coordinator.headers).json
    assert [p["id"] for p in found["items"]] == [project["id"]]


def test_language_defaults_to_english_and_keeps_the_given_one(
    register: Any, client: FlaskClient, coordinator: Account
) -> None:
    assert register()["language"] == "en"
    russian = register(title="Подготовка кинологов", language="RU")
    assert russian["language"] == "ru"
    bad = client.post(
        "/api/v1/projects", json=project_body(language="xx"), headers=coordinator.headers
    )
    assert bad.status_code == 422
    assert bad.json["error"]["details"] == {"language": ["Unknown ISO 639-1 language code: xx."]}
