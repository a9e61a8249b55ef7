"""Tables of counts and budgets by country, theme, donor, status and year; JSON and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account


def _seed(register: Any) -> None:
    register()  # TJ, border-control, gb-fcdo, USD 1,250,000, 2025
    register(countries=["TJ", "AF"], themes=["border-control", "forensics"])
    register(
        countries=["AF"],
        themes=["demand-reduction"],
        donors=["us-inl"],
        budget={"amount": "500.50", "currency": "EUR"},
        start_date="2024-01-01",
        status="closed",
    )


def test_by_country_and_theme_counts_and_sums_per_currency(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(register)
    response = client.get("/api/v1/stats/projects?by=country,theme", headers=coordinator.headers)
    assert response.status_code == 200
    body = response.json
    assert body["by"] == ["country", "theme"]
    assert body["total_projects"] == 3
    rows = {(r["country"]["code"], r["theme"]["slug"]): r for r in body["rows"]}
    assert rows[("TJ", "border-control")]["projects"] == 2
    assert rows[("TJ", "border-control")]["budget"] == [
        {"currency": "USD", "amount": "2500000.00", "projects": 2}
    ]
    assert rows[("AF", "demand-reduction")]["budget"] == [
        {"currency": "EUR", "amount": "500.50", "projects": 1}
    ]
    assert rows[("AF", "forensics")]["projects"] == 1
    assert len(rows) == 5


def test_filters_apply_to_tables(client: FlaskClient, coordinator: Account, register: Any) -> None:
    _seed(register)
    body = client.get(
        "/api/v1/stats/projects?by=donor&country=AF", headers=coordinator.headers
    ).json
    assert {r["donor"]["code"]: r["projects"] for r in body["rows"]} == {"gb-fcdo": 1, "us-inl": 1}


def test_status_and_year(client: FlaskClient, coordinator: Account, register: Any) -> None:
    _seed(register)
    status = client.get("/api/v1/stats/projects?by=status", headers=coordinator.headers).json
    assert {r["status"]["code"]: r["projects"] for r in status["rows"]} == {
        "implementation": 2,
        "closed": 1,
    }
    years = client.get("/api/v1/stats/projects?by=year", headers=coordinator.headers).json
    assert {r["year"]["year"]: r["projects"] for r in years["rows"]} == {2025: 2, 2024: 1}


def test_csv_has_names_next_to_codes_and_a_column_per_currency(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(register)
    response = client.get(
        "/api/v1/stats/projects?by=country",
        headers={**coordinator.headers, "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    by_code = {r["country"]: r for r in rows}
    assert by_code["TJ"]["country_name"] == "Tajikistan"
    assert by_code["TJ"]["budget_USD"] == "2500000.00" and by_code["TJ"]["budget_EUR"] == ""
    assert by_code["AF"]["projects"] == "2"


def test_csv_neutralizes_formulas(
    client: FlaskClient, coordinator: Account, register: Any, make_org: Any
) -> None:
    make_org("evil", '=HYPERLINK("http://x")')
    register(donors=["evil"])
    response = client.get(
        "/api/v1/stats/projects?by=donor", headers={**coordinator.headers, "Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0]["donor_name"].startswith("'=")


def test_filtered_projects_count_in_each_of_their_groups(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(register)
    body = client.get(
        "/api/v1/stats/projects?by=country,theme&theme=forensics", headers=coordinator.headers
    ).json
    assert body["total_projects"] == 1
    rows = {(r["country"]["code"], r["theme"]["slug"]): r["projects"] for r in body["rows"]}
    assert rows == {
        ("TJ", "border-control"): 1,
        ("TJ", "forensics"): 1,
        ("AF", "border-control"): 1,
        ("AF", "forensics"): 1,
    }
    names = {r["theme"]["slug"]: r["theme"]["name"] for r in body["rows"]}
    assert names["forensics"] and names["forensics"] != "forensics"


def test_organizations_are_labelled_with_code_and_name(
    client: FlaskClient, coordinator: Account, register: Any, make_org: Any
) -> None:
    make_org("jp-mofa", "Ministry of Foreign Affairs of Japan")
    register(implementers=["unodc", "jp-mofa"], themes=["border-control", "forensics"])
    register(implementers=["unodc"], budget=None)
    body = client.get(
        "/api/v1/stats/projects?by=implementer,theme", headers=coordinator.headers
    ).json
    rows = {(r["implementer"]["code"], r["theme"]["slug"]): r for r in body["rows"]}
    assert set(rows) == {
        ("unodc", "border-control"),
        ("unodc", "forensics"),
        ("jp-mofa", "border-control"),
        ("jp-mofa", "forensics"),
    }
    assert rows[("jp-mofa", "forensics")]["implementer"]["name"] == (
        "Ministry of Foreign Affairs of Japan"
    )
    # The project without a budget counts, and adds nothing to the sums.
    assert rows[("unodc", "border-control")]["projects"] == 2
    assert rows[("unodc", "border-control")]["budget"] == [
        {"currency": "USD", "amount": "1250000.00", "projects": 1}
    ]
    donors = client.get("/api/v1/stats/projects?by=donor", headers=coordinator.headers).json
    assert donors["rows"] == [
        {
            "donor": {"code": "gb-fcdo", "name": donors["rows"][0]["donor"]["name"]},
            "projects": 2,
            "budget": [{"currency": "USD", "amount": "1250000.00", "projects": 1}],
        }
    ]


def test_withdrawn_projects_leave_the_tables(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(register)
    gone = register(countries=["KG"], budget={"amount": "7.00", "currency": "GBP"})
    response = client.delete(
        f"/api/v1/projects/{gone['id']}",
        headers={**coordinator.headers, "If-Match": gone["_etag"]},
    )
    assert response.status_code in (200, 204)
    body = client.get("/api/v1/stats/projects?by=country", headers=coordinator.headers).json
    assert body["total_projects"] == 3
    assert "KG" not in {r["country"]["code"] for r in body["rows"]}
    assert "GBP" not in body["currencies"]


def test_status_by_year(client: FlaskClient, coordinator: Account, register: Any) -> None:
    _seed(register)
    register(start_date=None, end_date=None, status="pipeline")
    body = client.get("/api/v1/stats/projects?by=status,year", headers=coordinator.headers).json
    rows = {
        (r["status"]["code"], r["year"] and r["year"]["year"]): r["projects"] for r in body["rows"]
    }
    assert rows == {("implementation", 2025): 2, ("closed", 2024): 1, ("pipeline", None): 1}


def test_totals_count_each_project_once_per_currency(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    _seed(register)
    register(countries=["TJ", "AF", "KG"], budget={"amount": "10.00", "currency": "EUR"})
    register(budget=None)
    body = client.get("/api/v1/stats/projects?by=country", headers=coordinator.headers).json
    assert body["total_projects"] == 5
    assert body["no_budget"] == 1
    assert body["totals"] == [
        {"currency": "EUR", "projects": 2, "amount": "510.50"},
        {"currency": "USD", "projects": 2, "amount": "2500000.00"},
    ]
    rows = {r["country"]["code"]: r for r in body["rows"]}
    # A chart of EUR leaves out, in TJ, the projects whose budget is in another currency.
    assert rows["TJ"]["projects"] == 4
    assert rows["TJ"]["budget"] == [
        {"currency": "EUR", "amount": "10.00", "projects": 1},
        {"currency": "USD", "amount": "2500000.00", "projects": 2},
    ]


def test_year_filter_keeps_projects_running_in_that_year(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    spans = {
        "a": ("2019-05-01", "2020-02-01"),
        "b": ("2020-12-31", None),
        "c": ("2021-01-01", "2022-01-01"),
        "d": ("2018-01-01", "2019-12-31"),
    }
    for title, (start, end) in spans.items():
        register(title=f"Project {title} of the year filter", start_date=start, end_date=end)
    for year in (2019, 2020, 2021, 2023):
        expected = sum(
            1
            for start, end in spans.values()
            if int(start[:4]) <= year and (end is None or int(end[:4]) >= year)
        )
        body = client.get(
            f"/api/v1/stats/projects?by=country&year={year}", headers=coordinator.headers
        ).json
        assert body["total_projects"] == expected, year
        listed = client.get(f"/api/v1/projects?year={year}", headers=coordinator.headers).json
        assert listed["total"] == expected, year


def test_tables_and_the_list_agree_on_every_filter(
    client: FlaskClient, coordinator: Account, register: Any
) -> None:
    # The tables read project_fact with their own copy of the list's filters: the same
    # query must find the same projects in both.
    _seed(register)
    register(
        title="Precursor control laboratory in Bishkek",
        countries=["KG"],
        themes=["precursor-control"],
        start_date="2021-02-01",
        end_date=None,
        budget={"amount": "75000.00", "currency": "EUR"},
        status="pipeline",
    )
    queries = [
        "",
        "country=AF",
        "country=TJ,KG",
        "theme=border-control",
        "donor=us-inl",
        "implementer=unodc",
        "status=closed",
        "year=2024",
        "year=2021",
        f"year={dt.date.today().year + 2}",
        "active_on=2025-06-01",
        "start_from=2024-06-01",
        "end_to=2026-12-31",
        "q=laboratory",
        "currency=EUR&budget_min=1000",
        "currency=USD&budget_max=2000000",
        "country=AF&theme=demand-reduction&status=closed",
    ]
    for query in queries:
        listed = client.get(f"/api/v1/projects?{query}", headers=coordinator.headers).json
        table = client.get(
            f"/api/v1/stats/projects?by=status&{query}", headers=coordinator.headers
        ).json
        assert table["total_projects"] == listed["total"], query
        assert sum(r["projects"] for r in table["rows"]) == listed["total"], query


def test_withdrawn_tables_are_for_staff(
    client: FlaskClient, coordinator: Account, make_user: Any, register: Any
) -> None:
    register()
    viewer = make_user("viewer")
    for path in (
        "/api/v1/stats/projects?by=country&withdrawn=true",
        "/api/v1/stats/timeline?withdrawn=true",
    ):
        assert client.get(path, headers=viewer.headers).status_code == 403, path
        assert client.get(path, headers=coordinator.headers).status_code == 200, path
