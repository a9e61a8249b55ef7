"""Registering a need: who may, what is answered and stored, and what bad input gets."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.needs.helpers import counts, create, make_recommendation, need_body


def test_focal_point_registers_a_need_of_their_country(
    client: FlaskClient, app: Flask, focal_tj: Account
) -> None:
    response = client.post("/api/v1/needs", json=need_body(), headers=focal_tj.headers)
    assert response.status_code == 201, response.json
    need = response.json
    assert response.headers["Location"] == f"/api/v1/needs/{need['id']}"
    assert response.headers["ETag"] == f'"{need["id"]}-1"'
    assert need["country"]["code"] == "TJ"
    assert [t["slug"] for t in need["themes"]] == ["border-control"]
    assert need["estimated_cost"] == {"amount": "450000.00", "currency": "USD"}
    assert need["state"] == "open"
    assert need["illustrative"] is False
    assert need["location"] == "Khatlon"
    assert need["version"] == 1
    assert counts(app) == (1, 1)
    again = client.get(f"/api/v1/needs/{need['id']}", headers=focal_tj.headers)
    assert again.status_code == 200
    # The write's answer adds the suggestions of projects serving it (none stored here).
    assert need.pop("suggested_projects") == []
    assert again.json == need


def test_focal_point_of_tj_cannot_write_a_need_for_af(
    client: FlaskClient, app: Flask, focal_tj: Account
) -> None:
    response = client.post("/api/v1/needs", json=need_body(country="AF"), headers=focal_tj.headers)
    assert response.status_code == 403
    message = response.json["error"]["message"]
    assert "own country (TJ)" in message and "AF" in message
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_staff_write_needs_of_every_country(client: FlaskClient, make_user: Any, role: str) -> None:
    account = make_user(role)
    for country in ("AF", "UZ"):
        assert create(client, account, country=country)["country"]["code"] == country


@pytest.mark.parametrize("reader", ["donor", "viewer"])
def test_donors_and_viewers_read_but_may_not_write(
    client: FlaskClient, app: Flask, coordinator: Account, reader: str, request: Any
) -> None:
    account: Account = request.getfixturevalue(reader)
    need = create(client, coordinator)
    assert client.get(f"/api/v1/needs/{need['id']}", headers=account.headers).status_code == 200
    assert client.get("/api/v1/needs", headers=account.headers).json["total"] == 1
    assert (
        client.get(f"/api/v1/needs/{need['id']}/history", headers=account.headers).status_code
        == 200
    )
    post = client.post("/api/v1/needs", json=need_body(), headers=account.headers)
    assert post.status_code == 403
    patch = client.patch(
        f"/api/v1/needs/{need['id']}",
        json={"title": "Changed"},
        headers={**account.headers, "If-Match": need["_etag"]},
    )
    assert patch.status_code == 403
    state = client.post(
        f"/api/v1/needs/{need['id']}/state", json={"state": "met"}, headers=account.headers
    )
    assert state.status_code == 403
    assert counts(app) == (1, 1)


def test_without_a_token_nothing_is_answered(client: FlaskClient) -> None:
    assert client.get("/api/v1/needs").status_code == 401
    assert client.post("/api/v1/needs", json=need_body()).status_code == 401


def test_idempotency_key_replays_the_first_answer(
    client: FlaskClient, app: Flask, coordinator: Account
) -> None:
    headers = {**coordinator.headers, "Idempotency-Key": "need-1"}
    first = client.post("/api/v1/needs", json=need_body(), headers=headers)
    second = client.post("/api/v1/needs", json=need_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json["id"] == first.json["id"]
    assert second.headers["Location"] == first.headers["Location"]
    assert counts(app) == (1, 1)
    other = client.post("/api/v1/needs", json=need_body(title="Another"), headers=headers)
    assert other.status_code == 422


def test_recommendation_it_answers(client: FlaskClient, app: Flask, coordinator: Account) -> None:
    recommendation = make_recommendation(app)
    need = create(client, coordinator, recommendation_id=recommendation)
    assert need["recommendation_id"] == recommendation
    listed = client.get(
        f"/api/v1/needs?recommendation={recommendation}", headers=coordinator.headers
    )
    assert [n["id"] for n in listed.json["items"]] == [need["id"]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"country": "TX"}, "country", "Unknown country code: TX. Did you mean"),
        ({"themes": ["border-contrl"]}, "themes", "Did you mean border-control"),
        ({"themes": []}, "themes", "Name 1 to 20 themes."),
        (
            {"estimated_cost": {"amount": "100.00", "currency": "USX"}},
            "estimated_cost.currency",
            "Unknown currency code: USX. Did you mean",
        ),
        (
            {"estimated_cost": {"amount": "100.00"}},
            "estimated_cost.currency",
            "Give the currency of the estimated cost.",
        ),
        (
            {"estimated_cost": {"currency": "USD"}},
            "estimated_cost.amount",
            "Give the amount of the estimated cost",
        ),
        (
            {"estimated_cost": {"amount": 100, "currency": "USD"}},
            "estimated_cost.amount",
            "string of digits",
        ),
        (
            {"start_date": "2027-06-01", "end_date": "2027-01-01"},
            "end_date",
            "The end date is before the start date.",
        ),
        ({"recommendation_id": 999}, "recommendation_id", "No recommendation with id 999."),
        ({"illustrative": True}, "illustrative", "Unknown field."),
        ({"colour": "red"}, "colour", "Unknown field."),
        ({"state": "withdrawn"}, "state", "Must be one of"),
        ({"priority": "urgent"}, "priority", "Must be one of"),
        ({"title": ""}, "title", "Give a title"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    client: FlaskClient,
    app: Flask,
    coordinator: Account,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    body = need_body(**overrides)
    response = client.post("/api/v1/needs", json=body, headers=coordinator.headers)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    details = response.json["error"]["details"]
    assert any(message in m for m in details[field]), details
    assert counts(app) == (0, 0)


def test_a_missing_required_field_is_named(client: FlaskClient, coordinator: Account) -> None:
    body = need_body()
    del body["themes"], body["priority"], body["country"]
    response = client.post("/api/v1/needs", json=body, headers=coordinator.headers)
    assert response.status_code == 422
    assert {"themes", "priority", "country"} <= set(response.json["error"]["details"])


def test_cost_and_dates_are_optional(client: FlaskClient, coordinator: Account) -> None:
    body = need_body()
    for name in ("estimated_cost", "start_date", "end_date", "description", "location"):
        del body[name]
    response = client.post("/api/v1/needs", json=body, headers=coordinator.headers)
    assert response.status_code == 201, response.json
    assert response.json["estimated_cost"] is None
    assert response.json["start_date"] is None


def test_an_unknown_need_is_404(client: FlaskClient, coordinator: Account) -> None:
    for url in ("/api/v1/needs/4242", "/api/v1/needs/4242/history"):
        response = client.get(url, headers=coordinator.headers)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"


def test_the_refusal_reads_in_russian(client: FlaskClient, focal_tj: Account) -> None:
    response = client.post(
        "/api/v1/needs",
        json=need_body(country="AF"),
        headers={**focal_tj.headers, "Accept-Language": "ru"},
    )
    assert response.status_code == 403
    assert response.json["error"]["message"] == (
        "Национальные координаторы могут регистрировать и изменять только потребности "
        "своей страны (TJ), а не AF."
    )
