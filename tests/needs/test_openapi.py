"""The OpenAPI document of the needs operations: enums, PATCH bodies, errors, links."""

from __future__ import annotations

from flask.testing import FlaskClient

from adam.reference.codes import country_codes, currency_codes


def test_the_document_describes_the_needs_operations(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert set(schemas["NeedCreate"]["properties"]["country"]["enum"]) == country_codes()
    assert "border-control" in schemas["NeedCreate"]["properties"]["themes"]["items"]["enum"]
    assert schemas["NeedCreate"]["properties"]["priority"]["enum"] == ["high", "medium", "low"]
    assert "illustrative" not in schemas["NeedCreate"]["properties"]
    assert set(schemas["Cost"]["properties"]["currency"]["enum"]) == currency_codes()
    assert schemas["NeedPatch"]["minProperties"] == 1
    assert "state" not in schemas["NeedPatch"]["properties"]
    paths = spec["paths"]
    patch = paths["/api/v1/needs/{need_id}"]["patch"]
    assert {"403", "404", "412", "422", "428"} <= set(patch["responses"])
    state = paths["/api/v1/needs/{need_id}/state"]["post"]
    assert {"403", "404", "412", "422"} <= set(state["responses"])
    post = paths["/api/v1/needs"]["post"]
    assert post["responses"]["201"]["links"]["UpdateNeed"]["parameters"] == {
        "need_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
