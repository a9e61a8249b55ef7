"""The OpenAPI document and the health check answer without a token."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_openapi_document_describes_the_api(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["info"]["title"] == "ADAM"
    for path in ("/api/v1/projects", "/api/v1/projects/{project_id}", "/api/v1/stats/projects"):
        assert path in spec["paths"], path
    post = spec["paths"]["/api/v1/projects"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_health_reports_the_database(client: FlaskClient) -> None:
    for url in ("/healthz", "/api/v1/healthz"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.json == {"status": "ok", "database": "ok"}


def test_health_says_unavailable_when_the_database_is_gone() -> None:
    from adam.app import create_app

    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_the_api_documentation_page_loads_nothing_from_outside(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        response = client.get(source)
        response.close()  # the file is streamed; the test reads only the status
        assert response.status_code == 200, source
