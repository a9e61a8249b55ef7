"""The gap pages: the heat map's cells carry the service's figures and a written mark, the
filters are a GET form, the downloads are the API's files, the cell page lists what is behind
it; in English and Russian."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from lxml import html
from openpyxl import load_workbook

from tests.conftest import Account
from tests.gaps.conftest import World, world  # noqa: F401  (the fixture)
from tests.needs.helpers import create


def _tree(client: FlaskClient, url: str, status: int = 200) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return html.fromstring(response.get_data(as_text=True))


def _cells(tree: html.HtmlElement) -> dict[tuple[str, str], html.HtmlElement]:
    return {
        (row.get("data-country"), td.get("data-column")): td
        for row in tree.xpath('//table[@class="gap-table"]/tbody/tr')
        for td in row.xpath("td")
    }


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture()
def coordinator_browser(browser_of: Callable[..., FlaskClient]) -> FlaskClient:
    return browser_of("coordinator")


def test_the_menu_links_to_the_heat_map(browser_of: Callable[..., FlaskClient]) -> None:
    for role in ("viewer", "donor", "coordinator"):
        tree = _tree(browser_of(role), "/projects")
        assert tree.xpath('//nav//a[@href="/gaps"]'), role


def test_a_stranger_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/gaps")
    assert response.status_code in (302, 303)
    assert "/sign-in" in response.headers["Location"]


def test_each_cell_shows_its_state_mark_and_figures(
    coordinator_browser: FlaskClient,
    world: World,  # noqa: F811
) -> None:
    tree = _tree(coordinator_browser, "/gaps")
    table = tree.xpath('//table[@class="gap-table"]')[0]
    headers = [_text(th) for th in table.xpath("thead/tr/th")]
    assert headers[0] == "Country" and "Border control and management" in headers
    assert table.xpath("caption") and table.xpath("tbody/tr/th[@scope='row']")
    cells = _cells(tree)
    tj_border = cells[("TJ", "border-control")]
    assert tj_border.get("data-state") == "both"
    assert "state-both" in tj_border.get("class")
    shown = _text(tj_border.xpath(".//span[@aria-hidden='true']")[0])
    assert "▲ Gap 3" in shown and "◆ Overlap" in shown
    assert "N 4 · P 3 · D 2 · R 1" in shown
    title = tj_border.xpath(".//a")[0].get("title")
    assert "open needs: 4 (High priority: 3, Medium priority: 1, Low priority: 0)" in title
    assert "high-priority needs without an active project: 2" in title
    assert "open duplicate alerts: 1" in title
    link = tj_border.xpath(".//a")[0].get("href")
    assert link == "/gaps/cell?country=TJ&theme=border-control"

    af = cells[("AF", "precursor-control")]
    assert af.get("data-state") == "gap"
    assert "▲ Gap 1" in _text(af) and "Overlap" not in _text(af.xpath(".//span[@aria-hidden]")[0])
    assert "N 1 · P 1 · D 1 · R 1" in _text(af)
    law = cells[("TJ", "law-enforcement")]
    assert law.get("data-state") == "covered" and "Covered" in _text(law)
    assert cells[("TJ", "forensics")].get("data-state") == "nothing"
    regional = cells[("regional", "demand-reduction")]
    assert regional.get("data-state") == "gap"
    assert regional.xpath(".//a")[0].get("href") == "/gaps/cell?theme=demand-reduction"
    legend = _text(tree.xpath('//section[@class="gap-legend"]')[0])
    for word in ("Gap", "Overlap", "Gap and overlap", "Covered", "Nothing recorded"):
        assert word in legend


def test_the_pillar_view_and_the_filters(
    coordinator_browser: FlaskClient,
    world: World,  # noqa: F811
) -> None:
    tree = _tree(coordinator_browser, "/gaps?by=pillar")
    cells = _cells(tree)
    assert {c for _, c in cells} == {
        "regional_initiatives",
        "financial_flows",
        "precursors",
        "drug_abuse_and_dependence",
    }
    assert tree.xpath('//input[@id="by-pillar"]')[0].get("checked") is not None
    tj = cells[("TJ", "regional_initiatives")]
    assert tj.xpath(".//a")[0].get("href") == "/gaps/cell?country=TJ&pillar=regional_initiatives"

    only_af = _cells(_tree(coordinator_browser, "/gaps?country=AF"))
    assert {r for r, _ in only_af} == {"AF"}  # and no regional row
    assert only_af[("AF", "precursor-control")].get("data-state") == "gap"
    central = _cells(_tree(coordinator_browser, "/gaps?region=central_asia"))
    assert "AF" not in {r for r, _ in central} and "regional" not in {r for r, _ in central}
    one_theme = _tree(coordinator_browser, "/gaps?theme=border-control")
    assert {c for _, c in _cells(one_theme)} == {"border-control"}
    selected = one_theme.xpath('//select[@id="theme"]/option[@selected]')
    assert [o.get("value") for o in selected] == ["border-control"]
    in_pillar = _cells(_tree(coordinator_browser, "/gaps?pillar=precursors"))
    assert "precursor-control" in {c for _, c in in_pillar}
    assert "border-control" not in {c for _, c in in_pillar}

    for bad in ("/gaps?country=ZZ", "/gaps?by=pillar&theme=border-control", "/gaps?region=mars"):
        errors = _tree(coordinator_browser, bad, 422).xpath('//div[@class="errors"]')
        assert errors, bad


def test_the_downloads_are_the_api_files(
    coordinator_browser: FlaskClient,
    world: World,  # noqa: F811
) -> None:
    tree = _tree(coordinator_browser, "/gaps?country=TJ")
    links = {a.text_content(): a.get("href") for a in tree.xpath('//div[@class="actions"]/a')}
    assert links["Table as CSV"] == "/gaps.csv?country=TJ"
    response = coordinator_browser.get(links["Table as CSV"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    account = coordinator_browser.account  # type: ignore[attr-defined]
    api = coordinator_browser.get("/api/v1/gaps?country=TJ&format=csv", headers=account.headers)
    assert api.status_code == 200 and api.data == response.data
    border = next(r for r in rows if r["theme"] == "border-control")
    assert border["country"] == "TJ" and border["gaps"] == "3" and border["overlap"] == "yes"
    assert {r["country"] for r in rows} == {"TJ"}
    xlsx = coordinator_browser.get(links["Table as Excel"])
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None and sheet.max_row == len(rows) + 1
    assert coordinator_browser.get("/gaps.csv?country=ZZ").status_code == 422


def test_the_cell_page_lists_what_is_behind_it(
    coordinator_browser: FlaskClient,
    world: World,  # noqa: F811
) -> None:
    tree = _tree(coordinator_browser, "/gaps/cell?country=TJ&theme=border-control")
    assert "Tajikistan · Border control and management" in _text(tree.xpath("//h1")[0])
    assert tree.xpath('//span[@class="gap-state state-both"]')
    figures = {s.get("data-figure"): s.text_content() for s in tree.xpath("//strong[@data-figure]")}
    assert figures == {
        "needs": "4",
        "unassisted-needs": "2",
        "unassisted-recommendations": "1",
        "projects": "3",
        "donors": "2",
        "alerts": "1",
    }
    needs = {int(r.get("data-need")): _text(r) for r in tree.xpath("//tr[@data-need]")}
    assert set(needs) == {world.ids[n] for n in ("n1", "n2", "n3", "n5")}
    assert "Training of border guards" in needs[world.ids["n2"]]
    assert "Partly met" in needs[world.ids["n2"]] and "Yes" in needs[world.ids["n2"]]
    assert "None ▲" in needs[world.ids["n1"]] and "High priority" in needs[world.ids["n1"]]
    recs = [_text(r) for r in tree.xpath("//tr[@data-recommendation]")]
    assert [r.split()[0] for r in recs] == ["PCG-T-1", "PCG-T-2"]
    assert "None" in recs[1] and "Yes" in recs[0]
    links = {a.get("href") for a in tree.xpath("//tr[@data-project]//a")}
    assert links == {f"/projects/{world.projects[p]['id']}" for p in ("p1", "p2", "p6")}
    back = tree.xpath('//p[@class="muted"]/a')[0].get("href")
    assert back == "/gaps?theme=border-control&country=TJ"

    regional = _tree(coordinator_browser, "/gaps/cell?theme=demand-reduction")
    assert [_text(r).split()[0] for r in regional.xpath("//tr[@data-recommendation]")] == [
        "PCG-T-4"
    ]
    pillar = _tree(coordinator_browser, "/gaps/cell?country=TJ&pillar=regional_initiatives")
    assert len(pillar.xpath("//tr[@data-project]")) == 3
    for bad in ("/gaps/cell?country=TJ", "/gaps/cell?country=ZZ&theme=border-control"):
        assert _tree(coordinator_browser, bad, 422).xpath('//div[@class="errors"]'), bad


def test_the_pages_speak_russian(
    browser_of: Callable[..., FlaskClient],
    world: World,  # noqa: F811
) -> None:
    client = browser_of("viewer")
    with client.session_transaction() as session:
        session["locale"] = "ru"
    tree = _tree(client, "/gaps", 200)
    assert tree.get("lang") == "ru"
    assert _text(tree.xpath("//h1")[0]) == "Пробелы и дублирование"
    cell = _cells(tree)[("TJ", "border-control")]
    shown = _text(cell.xpath(".//span[@aria-hidden='true']")[0])
    assert "▲ Пробел 3" in shown and "◆ Дублирование" in shown and "Н 4 · П 3 · Д 2 · Р 1" in shown
    assert "Таджикистан" in _text(tree.xpath('//tr[@data-country="TJ"]/th')[0])
    page = _tree(client, "/gaps/cell?country=TJ&theme=border-control")
    assert "Открытые потребности" in _text(page)
    assert "Активные проекты" in _text(page)
    # Dates in the reader's locale, as on the other pages (not 2025-01-01).
    dates = " ".join(_text(r) for r in page.xpath("//tr[@data-project]"))
    assert " г." in dates and not re.search(r"\d{4}-\d{2}-\d{2}", dates)


def test_the_map_colours_countries_by_gaps_and_overlaps(
    coordinator_browser: FlaskClient,
    world: World,  # noqa: F811
) -> None:
    tree = _tree(coordinator_browser, "/map?measure=gaps")
    (script,) = tree.xpath('//script[@id="map-table"]')
    found = json.loads(script.text)["rows"]
    rows = {r["country"]["code"]: (r["gaps"], r["overlaps"]) for r in found}
    assert rows == {"TJ": (2, 1), "AF": (2, 0)}  # r2 names both, in two themes
    (config,) = tree.xpath('//script[@id="map-config"]')
    assert json.loads(config.text)["gaps_url"] == "/gaps"
    links = tree.xpath('//table[contains(@class, "gap-map-table")]//th/a/@href')
    assert links == ["/gaps?country=TJ", "/gaps?country=AF"]
    assert tree.xpath('//select[@id="measure"]/option[@value="gaps"][@selected]')
    downloads = tree.xpath('//div[contains(@class, "map-tools")]/a[@download]/@href')
    assert downloads == ["/gaps.csv", "/gaps.xlsx"]
    themed = _tree(coordinator_browser, "/map?measure=overlaps&theme=precursor-control")
    (script,) = themed.xpath('//script[@id="map-table"]')
    themed_rows = json.loads(script.text)["rows"]
    csv_link = themed.xpath('//div[contains(@class, "map-tools")]/a[@download]/@href')[0]
    assert csv_link == "/gaps.csv?theme=precursor-control"
    assert coordinator_browser.get(csv_link).status_code == 200
    assert {r["country"]["code"]: r["overlaps"] for r in themed_rows} == {"TJ": 0, "AF": 0}


def test_the_gap_maps_heading_names_only_the_theme_filter(
    browser_of: Callable[..., FlaskClient],
    world: World,  # noqa: F811
) -> None:
    """The gap layer counts themes, whatever the project filters: its heading says "all
    themes", or the theme chosen, and neither "all projects" nor a filter it does not apply."""
    browser = browser_of("viewer")
    plain = _text(
        _tree(browser, "/map?measure=gaps&status=implementation").xpath('//*[@id="map-title"]')[0]
    )
    assert plain.startswith("Themes with a gap, by country — all themes — ")
    assert "projects" not in plain and "Implementation" not in plain
    themed = _tree(browser, "/map?measure=overlaps&theme=precursor-control&donor=us-inl")
    heading = _text(themed.xpath('//*[@id="map-title"]')[0])
    assert heading.startswith("Themes with an overlap, by country — Theme: Precursor control — ")
    assert "Donor" not in heading
    answer = browser.get("/map?measure=gaps", headers={"Accept-Language": "ru"})
    russian = html.fromstring(answer.get_data(as_text=True))
    assert "— все темы —" in _text(russian.xpath('//*[@id="map-title"]')[0])
    # The project layer still says what it counts.
    projects = _text(_tree(browser, "/map").xpath('//*[@id="map-title"]')[0])
    assert projects.startswith("Projects by country — all projects — ")


def test_the_legend_names_the_rules_and_an_open_need_is_not_nothing(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    world: World,  # noqa: F811
) -> None:
    create(client, coordinator, themes=["forensics"], priority="medium")
    browser = browser_of("viewer")
    tree = _tree(browser, "/gaps?country=TJ")
    forensics = _cells(tree)[("TJ", "forensics")]
    assert forensics.get("data-state") == "needs" and "state-needs" in forensics.get("class")
    assert "N 1 · P 0" in _text(forensics)
    legend = _text(tree.xpath('//section[@class="gap-legend"]')[0])
    assert (
        "Gap: A high-priority open need or an endorsed recommendation with no active project"
        " confirmed as linked to it (suggested links do not count)." in legend
    )
    assert "Open needs, no gap: Open needs that are not gaps, and no active project." in legend
    assert "Nothing recorded: No open need, endorsed recommendation or active project." in legend
    assert "confirmed as linked to it" in _text(tree.xpath("//main//p[@class='muted']")[0])
    cell = _tree(browser, "/gaps/cell?country=AF&theme=precursor-control")
    assert "An overlap needs 2 or more donors" in _text(cell)
    assert "An overlap from" not in _text(cell)

    with browser.session_transaction() as session:
        session["locale"] = "ru"
    tree = _tree(browser, "/gaps?country=TJ")
    legend = _text(tree.xpath('//section[@class="gap-legend"]')[0])
    assert "с которой не связан подтверждённой связью ни один активный проект" in legend
    assert "Открытые потребности, пробела нет" in legend
    assert "Ни открытых потребностей, ни одобренных рекомендаций, ни активных проектов." in legend
    cell = _tree(browser, "/gaps/cell?country=AF&theme=precursor-control")
    assert "Для дублирования нужно не меньше 2 доноров" in _text(cell)
