"""GET /stats/projects as CSV and Excel: the JSON table, names next to codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account
from tests.exports.sheets import XLSX, csv_rows, xlsx_rows, xlsx_sheet


def _seed(register: Any) -> None:
    register()  # TJ, USD 1,250,000, 2025
    register(countries=["TJ", "AF"], themes=["border-control", "forensics"])
    register(
        countries=["AF"],
        donors=["us-inl"],
        budget={"amount": "500.50", "currency": "EUR"},
        start_date="2024-01-01",
    )


def test_xlsx_table_by_country(client: FlaskClient, coordinator: Account, register: Any) -> None:
    _seed(register)
    response = client.get(
        "/api/v1/stats/projects?by=country", headers={**coordinator.headers, "Accept": XLSX}
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="projects-by-country-{today}.xlsx"'
    )
    sheet = xlsx_sheet(response)
    assert [c.value for c in sheet[1]] == [
        "country", "country_name", "projects", "budget_EUR", "budget_USD",
    ]  # fmt: skip
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    rows = {r["country"].value: r for r in xlsx_rows(sheet)}
    assert rows["TJ"]["country_name"].value == "Tajikistan"
    assert rows["TJ"]["projects"].value == 2 and rows["TJ"]["projects"].data_type == "n"
    assert rows["TJ"]["budget_USD"].value == 2500000
    assert rows["TJ"]["budget_USD"].number_format == "#,##0.00"
    assert rows["TJ"]["budget_EUR"].value is None
    assert rows["AF"]["budget_EUR"].value == 500.5


def test_xlsx_and_csv_hold_the_json_table(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(register)
    query = "/api/v1/stats/projects?by=theme,year&country=AF"
    table = client.get(query, headers=coordinator.headers).json
    expected = {
        (r["theme"]["slug"], r["year"]["year"], r["theme"]["name"]): r["projects"]
        for r in table["rows"]
    }
    sheet_rows = xlsx_rows(
        xlsx_sheet(client.get(query + "&format=xlsx", headers=coordinator.headers))
    )
    assert {
        (r["theme"].value, r["year"].value, r["theme_name"].value): r["projects"].value
        for r in sheet_rows
    } == expected
    csv_table = csv_rows(client.get(query + "&format=csv", headers=coordinator.headers))
    assert {
        (r["theme"], int(r["year"]), r["theme_name"]): int(r["projects"]) for r in csv_table
    } == expected


def test_formulas_in_names_stay_text(
    client: FlaskClient, coordinator: Account, register: Any, make_org: Any
) -> None:
    make_org("evil", '=HYPERLINK("http://x")')
    register(donors=["evil"])
    (row,) = xlsx_rows(
        xlsx_sheet(
            client.get("/api/v1/stats/projects?by=donor&format=xlsx", headers=coordinator.headers)
        )
    )
    assert row["donor_name"].value == '=HYPERLINK("http://x")'
    assert row["donor_name"].data_type == "s" and row["donor_name"].quotePrefix
