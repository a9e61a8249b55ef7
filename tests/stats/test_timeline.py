"""Projects and budgets per year, against figures computed here from the projects registered."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account, project_body

THIS_YEAR = dt.date.today().year
PROJECTS: list[dict[str, Any]] = [
    {},  # 2025-03-01 .. 2026-06-30, USD 1,250,000, TJ, border-control
    {"start_date": "2023-07-01", "end_date": "2025-12-31", "countries": ["TJ", "AF"]},
    {
        "start_date": "2024-01-01",
        "end_date": None,
        "themes": ["demand-reduction"],
        "budget": {"amount": "1000.01", "currency": "EUR"},
    },
    {"start_date": "2022-05-01", "end_date": "2022-09-30", "budget": None},
    {"start_date": None, "end_date": None, "status": "pipeline"},
]


def _expected(bodies: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Each project in each year it runs, its budget shared evenly, computed project by project."""
    years: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"active": 0, "starting": 0, "ending": 0, "budget": defaultdict(Decimal)}
    )
    for body in bodies:
        if not body["start_date"]:
            continue
        first = int(body["start_date"][:4])
        last = int(body["end_date"][:4]) if body["end_date"] else max(THIS_YEAR, first)
        for year in range(first, last + 1):
            years[year]["active"] += 1
            years[year]["starting"] += year == first
            years[year]["ending"] += bool(body["end_date"]) and year == last
            if body["budget"]:
                share = Decimal(body["budget"]["amount"]) / (last - first + 1)
                years[year]["budget"][body["budget"]["currency"]] += share
    return years


def _register_all(register: Any) -> list[dict[str, Any]]:
    for overrides in PROJECTS:
        register(**overrides)
    return [project_body(**overrides) for overrides in PROJECTS]


def test_years_count_running_starting_ending_and_share_budgets(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    bodies = _register_all(register)
    response = client.get("/api/v1/stats/timeline", headers=coordinator.headers)
    assert response.status_code == 200, response.json
    body = response.json
    expected = _expected(bodies)
    assert body["undated"] == 1
    assert body["by"] is None
    assert body["years"] == list(range(2022, THIS_YEAR + 1))
    assert body["currencies"] == ["EUR", "USD"]
    got = {row["year"]: row for row in body["rows"]}
    assert set(got) == set(expected)
    for year, figures in expected.items():
        row = got[year]
        assert (row["active"], row["starting"], row["ending"]) == (
            figures["active"],
            figures["starting"],
            figures["ending"],
        ), year
        amounts = {b["currency"]: Decimal(b["amount"]) for b in row["budget"]}
        assert amounts == {c: a.quantize(Decimal("0.01")) for c, a in figures["budget"].items()}, (
            year
        )
    # The shares of a year add back to the budget within rounding.
    eur = sum(
        Decimal(b["amount"]) for r in body["rows"] for b in r["budget"] if b["currency"] == "EUR"
    )
    assert abs(eur - Decimal("1000.01")) <= Decimal("0.01") * len(body["rows"])


def test_years_split_by_a_dimension(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    bodies = _register_all(register)
    body = client.get("/api/v1/stats/timeline?by=country", headers=coordinator.headers).json
    assert body["by"] == "country"
    for code in ("TJ", "AF"):
        mine = [b for b in bodies if code in b["countries"]]
        expected = _expected(mine)
        got = {r["year"]: r["active"] for r in body["rows"] if r["country"]["code"] == code}
        assert got == {year: f["active"] for year, f in expected.items()}, code
    assert {r["country"]["name_ru"] for r in body["rows"]} == {"Таджикистан", "Афганистан"}


def test_filters_apply_to_the_timeline(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    bodies = _register_all(register)
    body = client.get(
        "/api/v1/stats/timeline?theme=demand-reduction", headers=coordinator.headers
    ).json
    mine = [b for b in bodies if "demand-reduction" in b["themes"]]
    assert {r["year"]: r["active"] for r in body["rows"]} == {
        year: f["active"] for year, f in _expected(mine).items()
    }
    assert body["undated"] == 0


def test_timeline_downloads_hold_the_same_figures(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _register_all(register)
    answer = client.get("/api/v1/stats/timeline", headers=coordinator.headers).json
    response = client.get("/api/v1/stats/timeline?format=csv", headers=coordinator.headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(r["year"]) for r in rows] == [r["year"] for r in answer["rows"]]
    assert [int(r["active"]) for r in rows] == [r["active"] for r in answer["rows"]]
    usd = {int(r["year"]): r["budget_USD"] for r in rows}
    for row in answer["rows"]:
        amounts = {b["currency"]: b["amount"] for b in row["budget"]}
        assert (Decimal(usd[row["year"]]) if usd[row["year"]] else None) == (
            Decimal(amounts["USD"]) if "USD" in amounts else None
        )
    xlsx = client.get("/api/v1/stats/timeline?format=xlsx", headers=coordinator.headers)
    assert xlsx.status_code == 200
    assert xlsx.data[:2] == b"PK"


def test_bad_timeline_queries_are_refused_with_reasons(
    client: FlaskClient, coordinator: Account
) -> None:
    for query, field in (
        ("by=year", "by"),
        ("by=country,theme", "by"),
        ("year=abc", "year"),
        ("year=1200", "year"),
        ("country=TX", "country"),
    ):
        response = client.get(f"/api/v1/stats/timeline?{query}", headers=coordinator.headers)
        assert response.status_code == 422, (query, response.json)
        assert response.is_json
        assert field in str(response.json), (query, response.json)


def test_the_timeline_needs_a_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/stats/timeline").status_code == 401
