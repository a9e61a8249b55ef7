"""`adam seed --demo` adds illustrative needs once, readable through the API."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from adam.cli import main
from tests.conftest import Account
from tests.needs.helpers import counts


def _seed(app: Flask) -> str:
    result = app.test_cli_runner().invoke(main, ["seed", "--demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_needs_load_once(app: Flask, client: FlaskClient, coordinator: Account) -> None:
    assert "Demo needs: 15 illustrative needs added." in _seed(app)
    needs = client.get("/api/v1/needs?per_page=100", headers=coordinator.headers).json
    assert needs["total"] == 15
    assert {n["country"]["code"] for n in needs["items"]} == {"AF", "TJ", "UZ", "KG", "PK", "IR"}
    assert all(n["illustrative"] for n in needs["items"])
    assert all(n["title"].startswith("Illustrative: ") for n in needs["items"])
    assert {n["priority"] for n in needs["items"]} == {"high", "medium", "low"}
    assert counts(app) == (15, 15)
    # Each was matched as it was stored: the demo's livelihood projects serve the poppy need.
    [poppy] = [n for n in needs["items"] if "poppy" in n["title"]]
    links = client.get(f"/api/v1/needs/{poppy['id']}/links", headers=coordinator.headers).json
    assert {link["project"]["title"] for link in links["items"]} >= {
        "Alternative livelihoods for former poppy farmers in Balkh province"
    }
    assert "illustrative needs exist already, nothing loaded" in _seed(app)
    assert counts(app) == (15, 15)
