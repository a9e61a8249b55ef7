"""Which format answers: ?format= first, then Accept; JSON by default; 406 for the rest."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.exports.sheets import XLSX

ENDPOINTS = ["/api/v1/projects?", "/api/v1/stats/projects?by=country&"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (None, "", "application/json"),
        ("*/*", "", "application/json"),
        (BROWSER, "", "application/json"),
        ("application/json", "", "application/json"),
        ("text/csv", "", "text/csv"),
        ("text/*", "", "text/csv"),
        (XLSX, "", XLSX),
        (f"text/csv;q=0.5, {XLSX}", "", XLSX),
        ("application/json", "format=csv", "text/csv"),
        ("text/csv", "format=json", "application/json"),
        ("application/pdf", "format=xlsx", XLSX),
        (BROWSER, "format=xlsx", XLSX),
    ],
)
def test_format_is_negotiated(
    client: FlaskClient,
    coordinator: Account,
    register: Any,
    endpoint: str,
    accept: str | None,
    query: str,
    expected: str,
) -> None:
    register()
    headers = {**coordinator.headers, **({"Accept": accept} if accept else {})}
    response = client.get(endpoint + query, headers=headers)
    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == expected
    response.close()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("accept", ["application/pdf", "image/png, text/html", "text/plain"])
def test_unacceptable_accept_is_406_json(
    client: FlaskClient, coordinator: Account, endpoint: str, accept: str
) -> None:
    response = client.get(endpoint, headers={**coordinator.headers, "Accept": accept})
    assert response.status_code == 406
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] == "not_acceptable"
    assert "text/csv" in error["message"] and "format=" in error["message"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_format_is_422(client: FlaskClient, coordinator: Account, endpoint: str) -> None:
    response = client.get(endpoint + "format=pdf", headers=coordinator.headers)
    assert response.status_code == 422
    assert "format" in response.json["error"]["details"]


def test_openapi_documents_the_spreadsheets(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/projects", "/api/v1/stats/projects"):
        operation = spec["paths"][path]["get"]
        content = operation["responses"]["200"]["content"]
        assert {"application/json", "text/csv", XLSX} <= set(content), path
        assert "format" in {p["name"] for p in operation["parameters"]}
