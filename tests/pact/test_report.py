"""The follow-up report: endorsed recommendations by pillar with the confirmed linked projects
(their budgets, donors, periods) and the latest note; as JSON and as an Excel workbook."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.conftest import Account
from tests.pact.helpers import create_event, create_pcg, create_rec


def test_report_lists_linked_projects_with_budgets(
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    make_user: Callable[..., Account],
) -> None:
    donor = make_user("donor", org="gb-fcdo")  # the registry of ``register`` holds it
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    other_pcg = create_pcg(client, coordinator, number=18, start_date="2024-12-10", end_date=None)
    rec = create_rec(client, coordinator, event["id"])
    later = create_rec(
        client, coordinator, event["id"], text_en="Another.", pillar="financial_flows"
    )
    proposed = create_rec(client, coordinator, event["id"], text_en="Only proposed.")
    for r, p in ((rec, pcg), (later, other_pcg)):
        answer = client.post(
            f"/api/v1/recommendations/{r['id']}/state",
            json={"state": "endorsed", "endorsed_by": p["id"]},
            headers=coordinator.headers,
        )
        assert answer.status_code == 200
    usd = register(title="Precursor control at border posts")
    eur = register(
        title="Backtracking investigations training",
        budget={"amount": "300000.50", "currency": "EUR"},
        start_date="2024-01-01",
        end_date="2027-12-31",
    )
    usd2 = register(
        title="Chemical profiling laboratory", budget={"amount": "50000.00", "currency": "USD"}
    )
    not_confirmed = register(title="Container control")
    for project in (usd, eur, usd2):
        made = client.post(
            "/api/v1/links",
            json={"project_id": project["id"], "recommendation_id": rec["id"]},
            headers=coordinator.headers,
        )
        assert made.status_code == 201, made.json
    link = client.post(
        "/api/v1/links",
        json={"project_id": not_confirmed["id"], "recommendation_id": rec["id"]},
        headers=coordinator.headers,
    ).json
    client.post(f"/api/v1/links/{link['id']}/reject", json={}, headers=coordinator.headers)
    client.post(
        f"/api/v1/recommendations/{rec['id']}/notes",
        json={"noted_on": "2024-06-01", "text": "Two trainings held."},
        headers=coordinator.headers,
    )

    shown = client.get(f"/api/v1/recommendations/{rec['id']}", headers=donor.headers).json
    assert [p["title"] for p in shown["projects"]] == [
        "Backtracking investigations training",
        "Chemical profiling laboratory",
        "Precursor control at border posts",
    ]
    assert shown["budgets"] == [
        {"currency": "EUR", "amount": "300000.50"},
        {"currency": "USD", "amount": "1300000.00"},
    ]
    assert shown["projects"][0]["start_date"] == "2024-01-01"
    assert shown["projects"][0]["donors"] == [
        {"code": "gb-fcdo", "name": "Foreign, Commonwealth & Development Office"}
    ]

    answer = client.get("/api/v1/pact/follow-up", headers=donor.headers)
    assert answer.status_code == 200, answer.json
    report = answer.json
    assert [s["pillar"] for s in report["pillars"]] == [
        "regional_initiatives",
        "financial_flows",
        "precursors",
        "drug_abuse_and_dependence",
    ]
    by_pillar = {s["pillar"]: s["recommendations"] for s in report["pillars"]}
    assert [r["id"] for r in by_pillar["precursors"]] == [rec["id"]]
    assert [r["id"] for r in by_pillar["financial_flows"]] == [later["id"]]
    assert proposed["id"] not in [r["id"] for s in by_pillar.values() for r in s]
    [row] = by_pillar["precursors"]
    assert row["follow_up"] == "not_started" and row["endorsed_by"]["id"] == pcg["id"]
    assert {p["title"] for p in row["projects"]} == {
        "Precursor control at border posts",
        "Backtracking investigations training",
        "Chemical profiling laboratory",
    }
    budgets = {b["currency"]: Decimal(b["amount"]) for b in row["budgets"]}
    expected_usd = Decimal(usd["budget"]["amount"]) + Decimal("50000.00")
    assert budgets == {"USD": expected_usd, "EUR": Decimal("300000.50")}
    assert row["latest_note"]["text"] == "Two trainings held."

    one = client.get(f"/api/v1/pact/follow-up?event={pcg['id']}", headers=donor.headers).json
    assert one["event"]["id"] == pcg["id"]
    assert [r["id"] for s in one["pillars"] for r in s["recommendations"]] == [rec["id"]]
    pillar = client.get("/api/v1/pact/follow-up?pillar=financial_flows", headers=donor.headers).json
    assert [s["pillar"] for s in pillar["pillars"]] == ["financial_flows"]
    not_pcg = client.get(f"/api/v1/pact/follow-up?event={event['id']}", headers=donor.headers)
    assert (
        not_pcg.status_code == 422
        and "Policy Consultative Group" in not_pcg.json["error"]["message"]
    )
    bad = client.get("/api/v1/pact/follow-up?pillar=drugs", headers=donor.headers)
    assert bad.status_code == 422 and "Unknown pillar 'drugs'" in str(bad.json["error"]["details"])

    xlsx = client.get("/api/v1/pact/follow-up?format=xlsx", headers=donor.headers)
    assert xlsx.status_code == 200
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Pillar", "Code", "Text in English")
    assert "Budget, EUR" in header and "Budget, USD" in header
    records = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [r["Code"] for r in records] == [later["code"], rec["code"]]
    mine = records[1]
    assert mine["Pillar"] == "Precursors" and mine["Follow-up status"] == "Not started"
    assert mine["Illustrative stand-in text"] == "No"
    assert mine["Endorsed by"] == "Policy Consultative Group 17"
    assert mine["Endorsed on"].date().isoformat() == "2023-12-11"
    assert mine["Projects"] == 3
    assert Decimal(str(mine["Budget, USD"])) == expected_usd
    assert Decimal(str(mine["Budget, EUR"])) == Decimal("300000.50")
    assert "Chemical profiling laboratory" in mine["Projects that serve it"]
    assert mine["Latest progress note"] == "Two trainings held."
    assert mine["Donors"] == "Foreign, Commonwealth & Development Office"
