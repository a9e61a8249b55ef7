"""The gap heat map in a real browser: the cells carry their marks and colours, a click on a
cell opens its drill-through, the map's gap layer colours the countries with gaps and opens
their row of the heat map; in English and in Russian; axe-core and the console watch run."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, visit
from tests.gaps.conftest import World, world  # noqa: F401  (the fixture)

Shot = Callable[[Page, str], Path]


def test_the_heat_map_and_a_cell(
    signed_in_page: Callable[..., Page],
    world: World,  # noqa: F811
    screenshot: Shot,
) -> None:
    page = signed_in_page("coordinator", viewport={"width": 1440, "height": 900})
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Gaps and overlaps"
    ).click()
    expect(page).to_have_url(re.compile(r"/gaps$"))
    assert_accessible(page)
    cell = page.locator('tr[data-country="TJ"] td[data-column="border-control"]')
    expect(cell).to_have_attribute("data-state", "both")
    expect(cell).to_contain_text("▲ Gap 3")
    expect(cell).to_contain_text("◆ Overlap")
    # The colour follows the state (and is not the only sign of it: the marks above).
    both = cell.evaluate("(td) => getComputedStyle(td).backgroundImage")
    assert "linear-gradient" in both
    gap = page.locator('tr[data-country="AF"] td[data-column="precursor-control"]')
    expect(gap).to_contain_text("▲ Gap 1")
    covered = page.locator('tr[data-country="TJ"] td[data-column="law-enforcement"]')
    colours = {
        gap.evaluate("(td) => getComputedStyle(td).backgroundColor"),
        covered.evaluate("(td) => getComputedStyle(td).backgroundColor"),
    }
    assert len(colours) == 2
    screenshot(page, "gaps-heat-map")

    page.locator("#country").select_option("TJ")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"/gaps\?by=theme&country=TJ"))
    expect(page.locator('tr[data-country="AF"]')).to_have_count(0)

    cell.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/gaps/cell\?country=TJ&theme=border-control$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tajikistan")
    expect(page.locator("tr[data-need]")).to_have_count(4)
    expect(page.locator("tr[data-recommendation]")).to_have_count(2)
    expect(page.locator("tr[data-project]")).to_have_count(3)
    assert_accessible(page)
    screenshot(page, "gaps-cell")
    page.get_by_role("link", name=world.projects["p6"]["title"]).click()
    expect(page).to_have_url(re.compile(rf"/projects/{world.projects['p6']['id']}$"))


def test_the_heat_map_in_russian_and_the_map_layer(
    signed_in_page: Callable[..., Page],
    world: World,  # noqa: F811
    screenshot: Shot,
) -> None:
    page = signed_in_page("viewer", viewport={"width": 1440, "height": 900})
    visit(page, "/gaps")
    page.get_by_role("button", name="Русский").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Пробелы и дублирование")
    cell = page.locator('tr[data-country="TJ"] td[data-column="border-control"]')
    expect(cell).to_contain_text("▲ Пробел 3")
    expect(cell).to_contain_text("Н 4 · П 3 · Д 2 · Р 1")
    assert_accessible(page)
    screenshot(page, "gaps-heat-map-ru")
    cell.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Открытые потребности")).to_be_visible()
    screenshot(page, "gaps-cell-ru")

    visit(page, "/map?measure=gaps")
    expect(page.locator("#map[data-ready=true]")).to_be_attached()
    coloured = page.evaluate(
        """() => [...document.querySelectorAll('#map a[data-code]')].map((a) => a.dataset.code)"""
    )
    assert sorted(coloured) == ["AF", "TJ"]
    screenshot(page, "gaps-map-ru")
    page.locator('#map a[data-code="TJ"]').click()
    expect(page).to_have_url(re.compile(r"/gaps\?country=TJ$"))
    expect(page.locator('tr[data-country="TJ"]')).to_have_count(1)


def test_the_heat_map_scrolls_in_its_box_on_a_phone(
    signed_in_page: Callable[..., Page],
    world: World,  # noqa: F811
    screenshot: Shot,
) -> None:
    """At 390 px the page itself never scrolls sideways: the table scrolls in its box, with
    the countries kept at its left and its caption kept on the screen."""
    page = signed_in_page("viewer", viewport={"width": 390, "height": 844})
    visit(page, "/gaps")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".gap-scroll")
    assert box.evaluate("(e) => e.scrollWidth > e.clientWidth")
    caption = page.locator("#gap-title").bounding_box()
    assert caption and caption["x"] + caption["width"] <= 390
    box.evaluate("(e) => { e.scrollLeft = e.scrollWidth; }")
    expect(box).not_to_have_js_property("scrollLeft", 0)
    left = box.bounding_box()
    country = page.locator('tr[data-country="TJ"] th').bounding_box()
    assert left and country and abs(country["x"] - left["x"]) < 4, (left, country)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "gaps-heat-map-phone")
