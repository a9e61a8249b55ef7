"""The statistics page: the API's answer embedded and tabled, errors as sentences, the API's
files as downloads, the matrix's links to the projects, Russian."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from collections.abc import Callable
from typing import Any

import openpyxl
from flask.testing import FlaskClient

from adam.portal import charts
from adam.stats import answers
from tests.conftest import Account

Register = Callable[..., dict[str, Any]]


def _seed(register: Register) -> None:
    register(title="Border posts")  # TJ, border-control, gb-fcdo, USD 1,250,000, 2025
    register(
        title="Joint patrols",
        countries=["TJ", "AF"],
        themes=["border-control", "forensics"],
        budget={"amount": "300000.00", "currency": "USD"},
    )
    register(
        title="Treatment centres",
        countries=["AF"],
        themes=["demand-reduction"],
        donors=["us-inl"],
        budget={"amount": "500.50", "currency": "EUR"},
        start_date="2024-01-01",
        status="closed",
    )
    register(title="Precursor labs", countries=["AF"], donors=["us-inl"], budget=None)


def _page(client: FlaskClient, query: str, status: int = 200, **headers: str) -> str:
    response = client.get(f"/statistics?{query}", headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _embedded(html: str, name: str = "answer") -> dict[str, Any]:
    found = re.search(
        rf'<script type="application/json" id="chart-{name}">(.*?)</script>', html, re.S
    )
    assert found, f"no chart-{name} JSON on the page"
    return json.loads(found.group(1))


def _table(html: str) -> list[list[str]]:
    """The chart's table body: each row's cells as text."""
    body = re.search(r'<table id="chart-table">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, "no table under the chart"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def _api(client: FlaskClient, account: Account, query: str, **headers: str) -> Any:
    response = client.get(f"/api/v1/stats/projects?{query}", headers={**account.headers, **headers})
    assert response.status_code == 200, response.json
    return response


def test_the_page_embeds_the_api_answer_and_tables_its_numbers(
    browser_of: Callable[..., FlaskClient],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
) -> None:
    _seed(register)
    browser = browser_of("viewer")
    html = _page(browser, "by=donor&then_by=country&theme=forensics&theme=demand-reduction")
    api = _api(client, coordinator, "by=donor,country&theme=forensics,demand-reduction").json
    assert _embedded(html) == api
    assert api["total_projects"] == 2
    rows = {(r[0], r[1]): r[2:] for r in _table(html)}
    fcdo = "Foreign, Commonwealth & Development Office"
    inl = "Bureau of International Narcotics and Law Enforcement Affairs"
    # Projects, then a budget column per currency (EUR, USD), as the API's rows.
    assert rows == {
        (fcdo, "Tajikistan"): ["1", "", "300,000.00"],
        (fcdo, "Afghanistan"): ["1", "", "300,000.00"],
        (inl, "Afghanistan"): ["1", "500.50", ""],
    }
    assert set(api["currencies"]) == {"EUR", "USD"}
    # The title says what, the filters in words and the date.
    figure = _embedded(html, "figure")
    assert figure["title"] == "Projects by donor and by country"
    # The chosen themes, in the order chosen in the query.
    assert figure["subtitle"].startswith("Theme: Forensic and scientific capacity, Drug demand")
    assert "As of " in figure["subtitle"]
    assert 'aria-hidden="true"' in html and "<caption>" in html and 'scope="row"' in html


def test_one_dimension_and_the_first_visit(
    browser_of: Callable[..., FlaskClient],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
) -> None:
    _seed(register)
    browser = browser_of("viewer")
    # Nothing asked yet: projects by country, already drawn.
    html = _page(browser, "")
    assert _embedded(html) == _api(client, coordinator, "by=country").json
    assert {r[0]: r[1] for r in _table(html)} == {"Afghanistan": "3", "Tajikistan": "2"}
    html = _page(browser, "by=status&year=2024")
    assert _embedded(html) == _api(client, coordinator, "by=status&year=2024").json
    assert _table(html) == [["Closed", "1", "500.50"]]


def test_budget_in_one_currency_names_what_it_leaves_out(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    _seed(register)
    html = _page(browser_of("viewer"), "by=country&measure=budget&chart_currency=usd")
    figure = _embedded(html, "figure")
    assert figure["currency"] == "USD" and figure["measure"] == "budget"
    assert figure["left_out"] == (
        "Budgets in USD: 2 of 4 projects counted. "
        "Left out: projects in EUR: 1; projects without a budget: 1."
    )
    assert figure["left_out"] in html
    # Without a choice, the currency most budgets are in.
    figure = _embedded(_page(browser_of("viewer"), "by=country&measure=budget"), "figure")
    assert figure["currency"] == "USD"


def test_a_bad_query_is_told_in_sentences(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    register()
    browser = browser_of("viewer")
    cases = {
        "by=colour": "Group by: There is no dimension named colour.",
        "by=donor&then_by=donor": "and by: Choose two different dimensions.",
        "by=donor&chart=matrix": "and by: A matrix needs two dimensions.",
        "by=donor&then_by=year&chart=matrix": "A matrix crosses countries, themes",
        "by=country&chart=pie": "Chart: Must be one of",
        "by=country&country=ZZ": "Country: Unknown country",
        "by=country&active_on=yesterday": "Running on: Not a valid date.",
        "by=country&measure=budget&chart_currency=XYZ": "Unknown currency code: XYZ.",
    }
    for query, sentence in cases.items():
        html = _page(browser, query, status=422)
        assert 'role="alert"' in html, query
        assert sentence in html_lib.unescape(html), (query, html)
        assert 'id="chart-answer"' not in html
    assert browser.get("/statistics.csv?by=colour").status_code == 422
    assert browser.get("/statistics.xlsx?by=country&country=ZZ").status_code == 422


def test_the_downloads_are_the_api_files(
    browser_of: Callable[..., FlaskClient],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
) -> None:
    _seed(register)
    browser = browser_of("viewer")
    query = "by=donor&then_by=theme&country=AF&chart=matrix&measure=budget"
    html = _page(browser, query)
    links = dict(
        re.findall(r'<a class="button" href="([^"]+)" download>Table as (CSV|Excel)</a>', html)
    )
    links = {kind: html_lib.unescape(url) for url, kind in links.items()}
    assert links["CSV"].startswith("/statistics.csv?") and "country=AF" in links["CSV"]
    page_csv = browser.get(links["CSV"])
    api_csv = _api(client, coordinator, "by=donor,theme&country=AF&format=csv")
    assert page_csv.status_code == 200 and page_csv.mimetype == "text/csv"
    assert page_csv.data == api_csv.data
    assert page_csv.headers["Content-Disposition"] == api_csv.headers["Content-Disposition"]
    page_xlsx = browser.get(links["Excel"])
    api_xlsx = _api(client, coordinator, "by=donor,theme&country=AF&format=xlsx")
    assert page_xlsx.status_code == 200 and page_xlsx.data[:2] == b"PK"

    def cells(data: bytes) -> list[tuple[Any, ...]]:
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        assert sheet is not None
        return list(sheet.iter_rows(values_only=True))

    assert cells(page_xlsx.data) == cells(api_xlsx.data)
    assert len(cells(page_xlsx.data)) == 1 + 4  # header, then AF's donor x theme groups


def test_a_matrix_cell_links_to_its_projects(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    _seed(register)
    browser = browser_of("viewer")
    html = _page(browser, "chart=matrix&by=donor&then_by=country&status=implementation")
    figure = _embedded(html, "figure")
    answer = _embedded(html)
    index = next(
        i
        for i, row in enumerate(answer["rows"])
        if row["donor"]["code"] == "gb-fcdo" and row["country"]["code"] == "AF"
    )
    link = figure["links"][index]
    assert link.startswith("/projects?")
    assert "status=implementation" in link and "donor=gb-fcdo" in link and "country=AF" in link
    assert "chart=" not in link and "by=" not in link
    assert f'<a href="{html_lib.escape(link)}">1</a>' in html  # the table's cell, too
    listed = browser.get(link).get_data(as_text=True)
    assert re.findall(r'<th scope="row"><a href="/projects/\d+">([^<]*)</a>', listed) == [
        "Joint patrols"
    ]


def test_the_page_in_russian(browser_of: Callable[..., FlaskClient], register: Register) -> None:
    _seed(register)
    browser = browser_of("viewer")
    html = _page(
        browser, "by=country&then_by=theme&country=TJ&measure=budget", **{"Accept-Language": "ru"}
    )
    assert '<html lang="ru">' in html
    assert "<h1>Статистика</h1>" in html and "Нарисовать диаграмму" in html
    figure = _embedded(html, "figure")
    assert figure["language"] == "ru"
    assert figure["title"] == "Бюджет в USD по странам и по темам"
    assert "Страна: Таджикистан" in figure["subtitle"] and "По состоянию на" in figure["subtitle"]
    assert figure["texts"]["projects"] == "Проекты"
    assert figure["names"][0][0] == "Таджикистан"
    border = "Пограничный контроль и управление границами"
    assert _table(html)[0][:3] == ["Таджикистан", border, "2"]
    assert "1\xa0550\xa0000,00" in html  # Russian digits grouping and decimal comma
    assert "Скачать PNG" in html and "Таблица в Excel" in html


def test_every_role_has_the_page_in_its_menu(browser_of: Callable[..., FlaskClient]) -> None:
    for role in ("viewer", "donor", "focal_point", "coordinator", "admin"):
        html = browser_of(role).get("/projects").get_data(as_text=True)
        assert '<a href="/statistics">Statistics</a>' in html, role


def test_the_answers_notes_are_in_the_catalogue() -> None:
    assert answers.NOTE in charts.NOTES and answers.TIMELINE_NOTE in charts.NOTES


def test_the_timeline_is_the_api_timeline(
    browser_of: Callable[..., FlaskClient],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
) -> None:
    _seed(register)
    register(title="Undated", start_date=None, end_date=None)
    browser = browser_of("viewer")
    html = _page(browser, "chart=timeline&by=&country=AF")
    response = client.get("/api/v1/stats/timeline?country=AF", headers=coordinator.headers)
    assert response.status_code == 200
    api = response.json
    assert _embedded(html) == api
    figure = _embedded(html, "figure")
    # Without groups: the projects running and the budget line in the most frequent currency.
    assert figure["title"] == "Projects running and budget in USD per year"
    table = _table(html)
    assert [row[0] for row in table] == [str(r["year"]) for r in api["rows"]]
    assert [row[1] for row in table] == [str(r["active"]) for r in api["rows"]]
    # "Running" links to the projects running that year.
    year = api["rows"][0]["year"]
    assert f'href="/projects?country=AF&amp;year={year}"' in html
    # Split by theme, in budget; the files are the API's.
    html = _page(browser, "chart=timeline&by=theme&measure=budget&chart_currency=USD")
    api = client.get("/api/v1/stats/timeline?by=theme", headers=coordinator.headers).json
    assert _embedded(html) == api
    assert _embedded(html, "figure")["title"] == "Budget in USD per year by theme"
    assert "Projects without a start date are not on the timeline: 1." in html
    page_csv = browser.get("/statistics.csv?chart=timeline&by=theme&measure=budget")
    api_csv = client.get("/api/v1/stats/timeline?by=theme&format=csv", headers=coordinator.headers)
    assert page_csv.status_code == 200 and page_csv.data == api_csv.data
    # A timeline is already by year, and takes one group at most.
    _page(browser, "chart=timeline&by=year", status=422)
    _page(browser, "chart=timeline&by=donor&then_by=country", status=422)
