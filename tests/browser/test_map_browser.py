"""The map in a real browser: it colours exactly the countries with projects under the
filters, a click opens a country's projects, Kosovo is drawn, the PNG and SVG downloads are
valid images, the Russian page speaks Russian; axe-core and the console watch run on it."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, visit
from tests.duplicates.conftest import TWIN_TITLE

Shot = Callable[[Page, str], Path]
NEUTRAL = "#e4e7eb"  # map.js: a country without projects
SVG = "{http://www.w3.org/2000/svg}"

# Countries drawn from the points of Natural Earth's ISO numeric ids (AF, TJ, QA, BH) and by
# name (XK); Kazakhstan's project is under another theme, so it stays neutral.
SPECS = [
    {"countries": ["TJ", "AF"], "themes": ["border-control"]},
    {"countries": ["XK"], "themes": ["border-control"]},
    {"countries": ["QA", "BH"], "themes": ["border-control", "financial-flows"]},
    {"countries": ["KZ"], "themes": ["demand-reduction"]},
]


@pytest.fixture()
def projects(register: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    return [register(title=f"Map project {n}", **spec) for n, spec in enumerate(SPECS)]


def _drawn(page: Page) -> None:
    expect(page.locator("#map[data-ready=true]")).to_be_attached()


def _coloured(page: Page) -> set[str]:
    return set(
        page.evaluate(
            """(neutral) => [...document.querySelectorAll('#map path[data-code]')]
                .filter((p) => p.getAttribute('fill') !== neutral)
                .map((p) => p.dataset.code)""",
            NEUTRAL,
        )
    )


def test_the_map_colours_exactly_the_countries_with_projects_of_a_theme(
    signed_in_page: Callable[..., Page], projects: list[dict[str, Any]], screenshot: Shot
) -> None:
    page = signed_in_page("viewer", viewport={"width": 1366, "height": 900})
    visit(page, "/map?theme=border-control")
    _drawn(page)
    expected = {
        c["code"]
        for p in projects
        if any(t["slug"] == "border-control" for t in p["themes"])
        for c in p["countries"]
    }
    assert expected == {"TJ", "AF", "XK", "QA", "BH"}
    assert _coloured(page) == expected
    drawn = page.locator('#map path[data-code="XK"]')
    expect(drawn).to_have_count(1)
    assert len(drawn.get_attribute("d") or "") > 20
    assert page.locator("#map path[data-code]").count() > 200  # the rest of the world too
    assert_accessible(page)
    screenshot(page, "map-theme")

    # Keyboard: a country with projects is a link, and focus shows its figures.
    page.locator('#map a[data-code="AF"]').focus()
    tooltip = page.locator("#map-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Afghanistan")
    expect(tooltip).to_contain_text("Projects: 1")
    screenshot(page, "map-focus")

    # A click on a country opens its projects, with the map's filters.
    page.locator('#map a[data-code="AF"]').click()
    expect(page).to_have_url(re.compile(r"/projects\?theme=border-control&country=AF$"))
    expect(page.get_by_role("link", name="Map project 0")).to_be_visible()
    expect(page.get_by_role("link", name="Map project 1")).to_have_count(0)


def test_the_whole_world_and_the_downloads(
    signed_in_page: Callable[..., Page],
    projects: list[dict[str, Any]],
    screenshot: Shot,
    tmp_path: Path,
) -> None:
    page = signed_in_page("coordinator", viewport={"width": 1366, "height": 900})
    visit(page, "/map")
    _drawn(page)
    assert _coloured(page) == {"TJ", "AF", "XK", "QA", "BH", "KZ"}
    before = page.locator('#map path[data-code="US"]').bounding_box()
    page.get_by_role("button", name="Show the whole world").click()
    expect(page.get_by_role("button", name="Show the routes region")).to_have_attribute(
        "aria-pressed", "true"
    )
    after = page.locator('#map path[data-code="US"]').bounding_box()
    assert before != after
    screenshot(page, "map-world")

    with page.expect_download() as png:
        page.get_by_role("button", name="Download the map as PNG").click()
    png_path = tmp_path / png.value.suggested_filename
    png.value.save_as(png_path)
    assert png_path.suffix == ".png"
    image = Image.open(io.BytesIO(png_path.read_bytes()))
    assert image.format == "PNG"
    assert image.size == (1920, 1168)
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 8  # drawn, not blank

    with page.expect_download() as svg:
        page.get_by_role("button", name="Download the map as SVG").click()
    svg_path = tmp_path / svg.value.suggested_filename
    svg.value.save_as(svg_path)
    assert svg_path.suffix == ".svg"
    root = etree.fromstring(svg_path.read_bytes())
    assert root.tag == f"{SVG}svg"
    codes = {p.get("data-code") for p in root.iter(f"{SVG}path") if p.get("data-code")}
    assert {"TJ", "AF", "XK", "QA", "BH", "KZ"} <= codes
    text = " ".join(t.xpath("string()") for t in root.iter(f"{SVG}text"))
    assert "Projects by country — all projects —" in text
    assert "No projects" in text  # the legend
    assert not list(root.iter(f"{SVG}a"))  # a file has no links


def test_the_russian_map_has_a_russian_legend(
    signed_in_page: Callable[..., Page], projects: list[dict[str, Any]], screenshot: Shot
) -> None:
    page = signed_in_page("focal_point", viewport={"width": 1366, "height": 900})
    visit(page, "/map?theme=border-control")
    page.get_by_role("button", name="Русский").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Карта проектов")
    _drawn(page)
    legend = page.locator("#map .legend")
    expect(legend).to_contain_text("Проекты")
    expect(legend).to_contain_text("Нет проектов")
    assert _coloured(page) == {"TJ", "AF", "XK", "QA", "BH"}
    assert_accessible(page)
    screenshot(page, "map-ru")
    page.locator('#map a[data-code="XK"]').focus()
    expect(page.locator("#map-tooltip")).to_contain_text("Косово")


def test_the_country_page(
    signed_in_page: Callable[..., Page],
    projects: list[dict[str, Any]],
    register: Callable[..., dict[str, Any]],
    make_user: Callable[..., Any],
    screenshot: Shot,
) -> None:
    register(title=TWIN_TITLE, start_date="2024-01-01", end_date="2027-12-31")
    register(
        title="Precursor control at Dushanbe airport",
        themes=["precursor-control"],
        donors=["us-inl"],
        budget={"amount": "480000.00", "currency": "EUR"},
        start_date="2023-02-01",
        end_date=None,
    )
    make_user("focal_point", country="TJ", email="focal.tj@example.org")
    page = signed_in_page("coordinator", viewport={"width": 1366, "height": 900})
    visit(page, "/map")
    page.get_by_role("link", name="Tajikistan", exact=True).click()
    expect(page).to_have_url(re.compile(r"/countries/TJ$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tajikistan")
    expect(page.get_by_role("heading", name="Projects per year")).to_be_visible()
    expect(page.get_by_role("link", name="focal.tj@example.org")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "country-page")
    page.get_by_role("button", name="Русский").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Таджикистан")
    assert_accessible(page)
    screenshot(page, "country-page-ru")


def test_the_legend_classes_rise_with_the_figures(
    signed_in_page: Callable[..., Page],
    register: Callable[..., dict[str, Any]],
    screenshot: Shot,
) -> None:
    counts = {"AF": 8, "IR": 5, "PK": 4, "TJ": 3, "UZ": 2, "KZ": 1, "RU": 1, "RS": 6}
    for code, count in counts.items():
        for n in range(count):
            register(countries=[code], title=f"Programme {n} of {code}", themes=["research"])
    page = signed_in_page("viewer", viewport={"width": 1366, "height": 900})
    visit(page, "/map")
    _drawn(page)
    swatches = page.evaluate(
        """() => [...document.querySelectorAll('#map .legend rect[fill]')]
            .slice(1).map((r) => r.getAttribute('fill'))"""
    )
    labels = page.locator("#map .legend text").all_text_contents()
    assert labels[0] == "Projects" and labels[-1] == "No projects"
    assert len(swatches) == 6  # five classes, then "no projects"
    fills = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#map path[data-code]')]
            .map((p) => [p.dataset.code, p.getAttribute('fill')]))"""
    )
    rank = {fill: i for i, fill in enumerate(swatches[:-1])}
    ranked = sorted(counts, key=counts.get)
    for low, high in itertools.pairwise(ranked):
        assert rank[fills[low]] <= rank[fills[high]], (low, high)
    assert rank[fills["KZ"]] == 0 and rank[fills["AF"]] == 4
    screenshot(page, "map-classes")
