"""The OpenAPI document of the Paris Pact operations: enums, PATCH bodies, errors, keys."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account
from tests.pact.helpers import create_event, rec_body


def test_the_document_describes_the_pact_operations(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert schemas["RecommendationIn"]["properties"]["pillar"]["enum"] == [
        "regional_initiatives",
        "financial_flows",
        "precursors",
        "drug_abuse_and_dependence",
    ]
    assert "proposed" in schemas["RecommendationState"]["properties"]["state"]["enum"]
    assert schemas["RecommendationPatch"]["minProperties"] == 1
    assert "state" not in schemas["RecommendationPatch"]["properties"]
    assert schemas["EventPatch"]["minProperties"] == 1
    paths = spec["paths"]
    patch = paths["/api/v1/recommendations/{recommendation_id}"]["patch"]
    assert {"403", "404", "412", "422", "428"} <= set(patch["responses"])
    state = paths["/api/v1/recommendations/{recommendation_id}/state"]["post"]
    assert {"403", "404", "409", "422"} <= set(state["responses"])
    for path in ("/api/v1/events", "/api/v1/recommendations"):
        assert any(p["name"] == "Idempotency-Key" for p in paths[path]["post"]["parameters"])
    report = paths["/api/v1/pact/follow-up"]["get"]["responses"]["200"]["content"]
    assert set(report) == {
        "application/json",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
    }
    assert report["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    parameters = paths["/api/v1/pact/follow-up"]["get"]["parameters"]
    [fmt] = [p for p in parameters if p["name"] == "format"]
    assert fmt["schema"]["enum"] == ["json", "xlsx", "pdf"]
    history = paths["/api/v1/events/{event_id}/history"]["get"]["responses"]
    assert history["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/EventHistoryEntry"
    }
    assert {"401", "404"} <= set(history)
    assert set(schemas["EventHistoryEntry"]["properties"]) == {
        "id",
        "action",
        "at",
        "actor",
        "changes",
        "note",
    }
    for operation in (paths["/api/v1/events"]["post"], paths["/api/v1/events/{event_id}"]["get"]):
        links = next(r["links"] for code, r in operation["responses"].items() if code in "200 201")
        assert links["EventHistory"] == {
            "operationRef": "#/paths/~1api~1v1~1events~1{event_id}~1history/get",
            "parameters": {"event_id": "$response.body#/id"},
        }


def test_a_keyed_registration_replays(client: FlaskClient, coordinator: Account) -> None:
    event = create_event(client, coordinator)
    headers: dict[str, Any] = {**coordinator.headers, "Idempotency-Key": "rec-1"}
    first = client.post("/api/v1/recommendations", json=rec_body(event["id"]), headers=headers)
    again = client.post("/api/v1/recommendations", json=rec_body(event["id"]), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/recommendations", headers=coordinator.headers).json
    assert listed["total"] == 1
