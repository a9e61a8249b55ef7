"""`adam seed --demo` loads the Paris Pact's public events and their recommendations once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from adam.cli import main
from tests.conftest import Account
from tests.pact.helpers import counts


def _seed(app: Flask) -> str:
    result = app.test_cli_runner().invoke(main, ["seed", "--demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_pact_loads_once(app: Flask, client: FlaskClient, coordinator: Account) -> None:
    assert (
        "Demo Paris Pact: 14 events, 16 recommended actions from the public record, "
        "22 illustrative recommendations." in _seed(app)
    )
    loaded = counts(app)
    # 38 creations and 22 endorsements recorded.
    assert loaded == (14, 38, 38 + 22, 0)
    headers = coordinator.headers
    events = client.get("/api/v1/events?per_page=100", headers=headers).json
    assert events["total"] == 14
    [pcg17] = client.get(
        "/api/v1/events?kind=policy_consultative_group&year=2023", headers=headers
    ).json["items"]
    assert pcg17["number"] == 17 and pcg17["participants"]["countries"] == 32
    [first] = client.get(
        "/api/v1/events?year=2003&kind=expert_round_table&route=balkan", headers=headers
    ).json["items"]
    assert first["date_precision"] == "month" and first["start_date"] == "2003-09-01"

    proposed = client.get(
        "/api/v1/recommendations?state=proposed&per_page=100", headers=headers
    ).json
    assert proposed["total"] == 16
    assert not any(r["illustrative"] for r in proposed["items"])
    assert (
        "Make the Central Asian Regional Information and Coordination Centre (CARICC) "
        "operational quickly" in {r["text_en"] for r in proposed["items"]}
    )
    [precursors] = [r for r in proposed["items"] if r["text_en"].startswith("Implement precursor")]
    assert precursors["pillar"] == "precursors" and precursors["code"].startswith("ERT-2006-8/")
    history = client.get(
        f"/api/v1/recommendations/{precursors['id']}/history", headers=headers
    ).json
    assert history[0]["note"].startswith("From the public record")

    endorsed = client.get(
        "/api/v1/recommendations?state=endorsed&per_page=100", headers=headers
    ).json
    assert endorsed["total"] == 22
    assert all(r["illustrative"] for r in endorsed["items"])
    assert all(r["text_en"].startswith("Illustrative stand-in") for r in endorsed["items"])
    assert all(r["endorsed_by"]["id"] == pcg17["id"] for r in endorsed["items"])
    by_pillar = {}
    for r in endorsed["items"]:
        by_pillar[r["pillar"]] = by_pillar.get(r["pillar"], 0) + 1
    assert by_pillar == {"financial_flows": 4, "precursors": 10, "drug_abuse_and_dependence": 8}
    report = client.get(f"/api/v1/pact/follow-up?event={pcg17['id']}", headers=headers).json
    assert sum(len(s["recommendations"]) for s in report["pillars"]) == 22

    assert "Demo Paris Pact: events exist already, nothing loaded." in _seed(app)
    assert counts(app) == loaded
