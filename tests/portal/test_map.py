"""The map page: its figures are the API's table by country, for the page's filters."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import html

from tests.conftest import Account

ROLES = ("admin", "coordinator", "focal_point", "donor", "viewer")


def _embedded(page: str, element_id: str) -> Any:
    tree = html.fromstring(page)
    (script,) = tree.xpath(f'//script[@id="{element_id}"]')
    assert script.get("type") == "application/json"
    return json.loads(script.text)


def _rows(page: str) -> dict[str, list[str]]:
    """The country table under the map: code -> the cells' texts."""
    tree = html.fromstring(page)
    return {
        row.get("data-code"): [cell.text_content().strip() for cell in row.xpath("th|td")]
        for row in tree.xpath('//table[@class="map-table"]/tbody/tr')
    }


@pytest.fixture()
def projects(register: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    specs = [
        {"countries": ["TJ"], "themes": ["border-control"]},
        {"countries": ["TJ", "AF"], "themes": ["border-control", "law-enforcement"]},
        {
            "countries": ["AF"],
            "themes": ["border-control"],
            "budget": {"amount": "300000.00", "currency": "EUR"},
        },
        {"countries": ["KZ"], "themes": ["demand-reduction"], "budget": None},
        {"countries": ["XK"], "themes": ["border-control"], "donors": ["us-inl"]},
        {"countries": ["QA"], "themes": ["financial-flows"]},
    ]
    return [
        register(title=f"Project {n} on {', '.join(s['countries'])}", **s)
        for n, s in enumerate(specs)
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_the_map_in_its_menu(
    browser_of: Callable[..., FlaskClient], role: str
) -> None:
    client = browser_of(role)
    page = client.get("/projects").get_data(as_text=True)
    assert 'href="/map"' in page
    response = client.get("/map")
    assert response.status_code == 200
    assert "Map of projects" in response.get_data(as_text=True)


def test_the_map_embeds_the_apis_table_for_its_filters(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    projects: list[dict[str, Any]],
) -> None:
    page = browser_of("viewer").get("/map?theme=border-control")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    api = client.get(
        "/api/v1/stats/projects?by=country&theme=border-control", headers=coordinator.headers
    )
    assert _embedded(text, "map-table") == api.json
    # The sums, counted here from what was registered.
    expected = Counter(
        code
        for p in projects
        if any(t["slug"] == "border-control" for t in p["themes"])
        for code in (c["code"] for c in p["countries"])
    )
    assert expected == {"TJ": 2, "AF": 2, "XK": 1}
    rows = _rows(text)
    assert {code: int(cells[1]) for code, cells in rows.items()} == expected
    assert rows["XK"][0] == "Kosovo"


def test_the_map_counts_a_currency_and_what_it_leaves_out(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]]
) -> None:
    text = browser_of("coordinator").get("/map?measure=eur").get_data(as_text=True)
    config = _embedded(text, "map-config")
    assert config["measure"] == "EUR"
    table = _embedded(text, "map-table")
    by_code = {row["country"]["code"]: row for row in table["rows"]}
    eur = {
        code: sum(
            Decimal(p["budget"]["amount"])
            for p in projects
            if p["budget"] and p["budget"]["currency"] == "EUR"
            for c in p["countries"]
            if c["code"] == code
        )
        for code in by_code
    }
    for code, row in by_code.items():
        in_eur = [b for b in row["budget"] if b["currency"] == "EUR"]
        assert Decimal(in_eur[0]["amount"] if in_eur else 0) == eur[code]
    rows = _rows(text)
    # Afghanistan: one project in EUR, one in USD (left out); Kazakhstan: none budgeted.
    assert rows["AF"][1] == "2" and rows["AF"][-1] == "1"
    assert rows["KZ"][-1] == "1"
    assert rows["TJ"][-1] == "2"
    assert "Budget in EUR" in text


def test_the_map_sends_the_shapes_codes_and_frames_the_routes(
    browser_of: Callable[..., FlaskClient],
) -> None:
    text = browser_of("viewer").get("/map").get_data(as_text=True)
    config = _embedded(text, "map-config")
    assert config["ids"]["004"] == "AF"
    assert config["ids"]["048"] == "BH"
    assert config["ids"]["634"] == "QA"
    assert config["by_name"] == {"Kosovo": "XK"}
    assert "XK" not in config["ids"].values()
    assert {"AF", "IR", "PK", "TJ", "KZ", "QA", "BH", "RU", "RS", "XK"} <= set(config["frame"])
    assert "US" not in config["frame"]
    assert config["atlas"].endswith("/vendor/world-atlas-2.0.2/countries-50m.json")
    assert config["names"]["XK"] == "Kosovo"
    atlas = browser_of("viewer").get(config["atlas"])
    assert atlas.status_code == 200
    names = {g["properties"]["name"] for g in atlas.json["objects"]["countries"]["geometries"]}
    atlas.close()
    assert {"Kosovo", "Bahrain", "Qatar"} <= names


def test_a_click_and_the_tables_links_keep_the_filters(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]]
) -> None:
    text = browser_of("viewer").get("/map?theme=border-control&year=2025").get_data(as_text=True)
    config = _embedded(text, "map-config")
    assert config["projects_url"] == "/projects?theme=border-control&year=2025"
    tree = html.fromstring(text)
    (row,) = tree.xpath('//table[@class="map-table"]/tbody/tr[@data-code="TJ"]')
    links = [a.get("href") for a in row.xpath(".//a")]
    assert links == [
        "/countries/TJ?theme=border-control&year=2025",
        "/projects?theme=border-control&year=2025&country=TJ",
    ]


def test_a_country_without_a_shape_is_named_under_the_map(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    register(countries=["GI"], title="Gibraltar port controls")
    text = browser_of("viewer").get("/map").get_data(as_text=True)
    assert "Too small for the map's shapes" in text
    assert "Gibraltar" in text


def test_the_tables_download_as_the_apis_files(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    projects: list[dict[str, Any]],
) -> None:
    browser = browser_of("donor")
    page = browser.get("/map?theme=border-control&measure=EUR").get_data(as_text=True)
    tree = html.fromstring(page)
    hrefs = {a.text_content().strip(): a.get("href") for a in tree.xpath("//a[@download]")}
    assert hrefs["Table as CSV"] == "/map.csv?theme=border-control"
    mine = browser.get(hrefs["Table as CSV"])
    api = client.get(
        "/api/v1/stats/projects?by=country&theme=border-control&format=csv",
        headers=coordinator.headers,
    )
    assert mine.status_code == 200
    assert mine.mimetype == "text/csv"
    assert mine.get_data() == api.get_data()
    workbook = browser.get(hrefs["Table as Excel"])
    assert workbook.status_code == 200
    assert workbook.get_data()[:2] == b"PK"
    assert "attachment" in workbook.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("measure=dollars", "Show:"),
        ("theme=no-such-theme", "Theme:"),
        ("year=20", "Year:"),
    ],
)
def test_wrong_filters_are_named(
    browser_of: Callable[..., FlaskClient], query: str, message: str
) -> None:
    response = browser_of("viewer").get(f"/map?{query}")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert 'id="map-table"' not in text
    assert browser_of("viewer").get(f"/map.csv?{query}").status_code == 422


def test_withdrawn_projects_are_for_staff(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]]
) -> None:
    assert browser_of("viewer").get("/map?withdrawn=true").status_code == 403
    assert browser_of("focal_point").get("/map.csv?withdrawn=true").status_code == 403
    assert browser_of("coordinator").get("/map?withdrawn=true").status_code == 200


def test_the_title_states_the_filters_and_the_date_in_russian(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]]
) -> None:
    client = browser_of("viewer")
    text = client.get(
        "/map?theme=border-control&status=implementation",
        headers={"Accept-Language": "ru"},
    ).get_data(as_text=True)
    config = _embedded(text, "map-config")
    assert config["locale"] == "ru"
    assert config["title"].startswith("Проекты по странам — Тема: ")
    assert "Реализация" in config["title"]
    assert config["texts"]["none"] == "Нет проектов"
