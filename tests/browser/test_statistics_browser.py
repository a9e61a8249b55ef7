"""The statistics page in Chromium: the chart drawn from the API's answer, its table, its PNG
and SVG downloads, Russian legends, a matrix cell that opens its projects; axe on each."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import assert_accessible, visit
from tests.conftest import Account

Register = Callable[..., dict[str, Any]]
Shot = Callable[[Page, str], Path]
WIDE = {"width": 1366, "height": 900}
FCDO = "Foreign, Commonwealth & Development Office"
INL = "Bureau of International Narcotics and Law Enforcement Affairs"
SVG = "{http://www.w3.org/2000/svg}"


def _seed(register: Register) -> None:
    register(title="Border posts")  # TJ, border-control, gb-fcdo, USD 1,250,000
    register(
        title="Joint patrols",
        countries=["TJ", "AF"],
        themes=["border-control", "forensics"],
        budget={"amount": "300000.00", "currency": "USD"},
    )
    register(
        title="Treatment centres",
        countries=["AF", "KG"],
        themes=["demand-reduction"],
        donors=["us-inl"],
        budget={"amount": "500.50", "currency": "EUR"},
        start_date="2024-01-01",
        status="closed",
    )
    register(title="Precursor labs", countries=["KZ"], donors=["us-inl", "gb-fcdo"])


def _drawn(page: Page, path: str) -> None:
    visit(page, path)
    expect(page.locator("figure.chart-figure[data-drawn=true]")).to_have_count(1)
    assert_accessible(page)  # once more, with the chart drawn


def _chart_texts(page: Page) -> list[str]:
    return page.locator("#chart-chart svg text").evaluate_all(
        "(texts) => texts.map((t) => t.textContent)"
    )


def _table(page: Page) -> list[list[str]]:
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in page.locator("#chart-table tbody tr").all()
    ]


def test_two_dimensions_draw_a_chart_whose_table_is_the_apis(
    signed_in_page: Callable[..., Page],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
    screenshot: Shot,
) -> None:
    _seed(register)
    page = signed_in_page("viewer", viewport=WIDE)
    _drawn(page, "/statistics?by=donor&then_by=country")
    svg = page.locator("#chart-chart svg")
    expect(svg).to_have_count(1)
    box = svg.bounding_box()
    assert box and box["width"] > 600 and box["height"] > 300
    # One bar per donor and country with projects (filled rectangles drawn as paths).
    bars = page.locator("#chart-chart svg path[fill]:not([fill=none])").count()
    assert bars >= 6
    texts = _chart_texts(page)
    assert "Projects by donor and by country" in texts
    for name in ("Tajikistan", "Afghanistan", "Kyrgyzstan", "Kazakhstan"):
        assert name in texts, (name, texts)  # the legend
    api = client.get("/api/v1/stats/projects?by=donor,country", headers=coordinator.headers).json
    expected = sorted(
        [r["donor"]["name"], r["country"]["name"], str(r["projects"])] for r in api["rows"]
    )
    assert sorted(row[:3] for row in _table(page)) == expected
    screenshot(page, "statistics-stacked-en")


def test_png_and_svg_downloads_are_images_with_the_title(
    signed_in_page: Callable[..., Page], register: Register, tmp_path: Path
) -> None:
    _seed(register)
    page = signed_in_page("viewer", viewport=WIDE)
    _drawn(page, "/statistics?by=country&measure=budget&chart_currency=USD")
    with page.expect_download() as png:
        page.get_by_role("button", name="Download PNG").click()
    assert png.value.suggested_filename.endswith(".png")
    data = Path(png.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 1000 and height > 500  # drawn at twice the size on screen
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "statistics-download.png").write_bytes(data)  # to look at
    with page.expect_download() as svg:
        page.get_by_role("button", name="Download SVG").click()
    assert svg.value.suggested_filename.endswith(".svg")
    root = ET.fromstring(Path(svg.value.path()).read_bytes())
    assert root.tag == f"{SVG}svg"
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "Budget in USD by country" in texts
    assert any("As of " in t for t in texts)
    assert any(t.startswith("Budgets in USD: 3 of 4 projects counted. Left out:") for t in texts), (
        texts
    )


def test_the_russian_page_has_russian_legends(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    _seed(register)
    page = signed_in_page("viewer", viewport=WIDE)
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    _drawn(page, "/statistics?by=theme&then_by=country&measure=projects")
    texts = _chart_texts(page)
    assert "Проекты по темам и по странам" in texts
    for name in ("Таджикистан", "Афганистан", "Киргизия", "Казахстан"):
        assert name in texts, (name, texts)
    assert "Tajikistan" not in texts
    assert "Проекты" in texts  # the axis
    expect(page.get_by_role("button", name="Скачать PNG")).to_be_visible()
    screenshot(page, "statistics-stacked-ru")
    _drawn(page, "/statistics?chart=matrix&by=donor&then_by=country&measure=budget")
    screenshot(page, "statistics-matrix-ru")


def test_a_matrix_cell_opens_its_projects(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    _seed(register)
    page = signed_in_page("viewer", viewport=WIDE)
    _drawn(page, "/statistics?chart=matrix&by=donor&then_by=country&status=implementation")
    screenshot(page, "statistics-matrix-en")
    point = page.evaluate(
        """([donor, country]) => {
            const element = document.getElementById("chart-chart");
            const chart = echarts.getInstanceByDom(element);
            const option = chart.getOption();
            const x = option.xAxis[0].data.indexOf(country);
            const y = option.yAxis[0].data.indexOf(donor);
            return chart.convertToPixel({seriesIndex: 0}, [x, y]);
        }""",
        [FCDO, "Afghanistan"],
    )
    box = page.locator("#chart-chart").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    expect(page).to_have_url(re.compile(r"/projects\?"))
    url = page.url
    assert "status=implementation" in url and "donor=gb-fcdo" in url and "country=AF" in url
    expect(page.locator("table.projects tbody th[scope=row]")).to_have_text(["Joint patrols"])
    assert_accessible(page)


def test_a_phone_sized_window_needs_no_sideways_scrolling(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    _seed(register)
    page = signed_in_page("viewer", viewport={"width": 390, "height": 800})
    _drawn(page, "/statistics?by=donor&then_by=country")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "statistics-phone")
    assert overflow <= 0, f"the page is {overflow}px wider than the window"


def test_the_timeline_draws_projects_running_and_budget(
    signed_in_page: Callable[..., Page],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
    screenshot: Shot,
) -> None:
    _seed(register)
    register(title="Long programme", start_date="2019-05-01", end_date="2027-12-31")
    page = signed_in_page("viewer", viewport=WIDE)
    page.get_by_role("link", name="Statistics").click()
    page.get_by_label("Timeline per year").check()
    page.get_by_label("Group by", exact=True).select_option("")
    page.get_by_role("button", name="Draw the chart").first.click()
    expect(page.locator("figure.chart-figure[data-drawn=true]")).to_have_count(1)
    assert_accessible(page)
    texts = _chart_texts(page)
    assert "Projects running and budget in USD per year" in texts
    api = client.get("/api/v1/stats/timeline", headers=coordinator.headers).json
    for year in api["years"]:
        assert str(year) in texts  # the axis
    assert [row[:2] for row in _table(page)] == [
        [str(r["year"]), str(r["active"])] for r in api["rows"]
    ]
    screenshot(page, "statistics-timeline-en")
    page.get_by_label("Group by", exact=True).select_option("theme")
    page.get_by_role("button", name="Draw the chart").first.click()
    expect(page.locator("figure.chart-figure[data-drawn=true]")).to_have_count(1)
    screenshot(page, "statistics-timeline-theme-en")
