"""The OpenAPI document is valid OpenAPI 3 and says what the server enforces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from adam.documents.categories import document_categories
from adam.projects.schemas import STATUSES
from adam.reference.codes import country_codes, currency_codes
from tests.conftest import Account, project_body


def _document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def _schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in methods
    ]


def test_the_document_is_valid_openapi_3(client: FlaskClient) -> None:
    spec = _document(client)
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises, naming the first place that breaks the specification


def test_numeric_bounds_are_numbers(client: FlaskClient) -> None:
    spec = _document(client)
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("minimum", "maximum"):
                if key in node:
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert found and all(isinstance(v, int | float) for v in found), found
    params = spec["paths"]["/api/v1/projects"]["get"]["parameters"]
    budget_min = next(p for p in params if p["name"] == "budget_min")
    assert budget_min["schema"] == {"type": "number", "minimum": 0}
    amount = _schema(spec, "Budget")["properties"]["amount"]
    assert amount["type"] == "string" and "pattern" in amount


def test_fixed_code_sets_are_enums(client: FlaskClient) -> None:
    spec = _document(client)
    project = _schema(spec, "ProjectIn")["properties"]
    assert set(project["countries"]["items"]["enum"]) == country_codes()
    assert "border-control" in project["themes"]["items"]["enum"]
    assert project["status"]["enum"] == STATUSES
    assert set(_schema(spec, "Budget")["properties"]["currency"]["enum"]) == currency_codes()
    patch = _schema(spec, "DocumentPatch")["properties"]
    assert set(patch["category"]["enum"]) == set(document_categories())
    # A field that takes null lists null among its values (OpenAPI 3.0 nullable + enum).
    assert None in _schema(spec, "UserIn")["properties"]["country"]["enum"]


def test_every_operation_documents_its_errors(client: FlaskClient) -> None:
    spec = _document(client)
    for method, path, operation in _operations(spec):
        responses = operation["responses"]
        assert "default" not in responses, (method, path)
        assert {"401", "403", "503"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= set(responses), (method, path)
    patch = spec["paths"]["/api/v1/projects/{project_id}"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
    error = spec["components"]["responses"]["UNAUTHORIZED"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/Error"}


def test_patch_bodies_need_a_field(client: FlaskClient) -> None:
    spec = _document(client)
    for name in ("ProjectPatch", "UserPatch", "OrganizationPatch", "DocumentPatch"):
        assert _schema(spec, name)["minProperties"] == 1, name


def test_created_projects_link_to_what_takes_their_id(client: FlaskClient) -> None:
    post = _document(client)["paths"]["/api/v1/projects"]["post"]
    links = post["responses"]["201"]["links"]
    assert links["UpdateProject"]["parameters"] == {
        "project_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }


@pytest.mark.parametrize("active", [0, 1, "false", None])
def test_json_booleans_are_strict(client: FlaskClient, admin: Account, active: Any) -> None:
    created = client.post(
        "/api/v1/webhooks", json={"url": "https://example.org/hook"}, headers=admin.headers
    )
    assert created.status_code == 201, created.json
    answer = client.patch(
        f"/api/v1/webhooks/{created.json['id']}", json={"active": active}, headers=admin.headers
    )
    assert answer.status_code == 422, answer.json
    assert "active" in answer.json["error"]["details"]
    again = client.get(f"/api/v1/webhooks/{created.json['id']}", headers=admin.headers)
    assert again.json["active"] is True  # nothing was written


def test_query_booleans_take_true_false_1_0(client: FlaskClient, admin: Account) -> None:
    for value in ("true", "false", "1", "0", "TRUE"):
        answer = client.get(f"/api/v1/webhooks?active={value}", headers=admin.headers)
        assert answer.status_code == 200, (value, answer.json)
    answer = client.get("/api/v1/webhooks?active=yes", headers=admin.headers)
    assert answer.status_code == 422
    assert "active" in answer.json["error"]["details"]


@pytest.mark.parametrize("send", ["nothing", "empty object"])
def test_a_patch_without_fields_is_refused(
    client: FlaskClient, register: Callable[..., dict[str, Any]], coordinator: Account, send: str
) -> None:
    project = register()
    headers = {**coordinator.headers, "If-Match": project["_etag"]}
    url = f"/api/v1/projects/{project['id']}"
    if send == "nothing":
        answer = client.patch(url, headers=headers)
    else:
        answer = client.patch(url, json={}, headers=headers)
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["details"] == {"_request": ["Send at least one field to change."]}
    after = client.get(url, headers=coordinator.headers)
    assert after.json["version"] == project["version"]


def test_a_patch_that_changes_nothing_is_accepted(
    client: FlaskClient, register: Callable[..., dict[str, Any]], coordinator: Account
) -> None:
    project = register()
    headers = {**coordinator.headers, "If-Match": project["_etag"]}
    answer = client.patch(
        f"/api/v1/projects/{project['id']}", json={"title": project["title"]}, headers=headers
    )
    assert answer.status_code == 200, answer.json


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (1250000, 'Give the amount as a string of digits, e.g. "1250000.00".'),
        ("-1.00", "The budget cannot be negative."),
        ("12.345", "Use at most two decimal places."),
        ("99999999999999999", "The budget is implausibly large."),
        ("1e3", 'Write the amount as plain digits, e.g. "1250000.00".'),
        ("007", 'Write the amount as plain digits, e.g. "1250000.00".'),
    ],
)
def test_amounts_follow_the_documented_pattern(
    client: FlaskClient,
    coordinator: Account,
    orgs: dict[str, str],
    amount: Any,
    message: str,
) -> None:
    body = project_body(budget={"amount": amount, "currency": "USD"})
    answer = client.post("/api/v1/projects", json=body, headers=coordinator.headers)
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["details"]["budget.amount"] == [message]
