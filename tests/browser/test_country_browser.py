"""The country page in Chromium: its three charts (by theme, by donor, per year) drawn from the
API's answers, with their tables once each, their downloads and links; Russian legends and axes
on the Russian page; axe-core and the console watch on each."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, visit
from tests.conftest import Account

Register = Callable[..., dict[str, Any]]
Shot = Callable[[Page, str], Path]
WIDE = {"width": 1366, "height": 900}
CHARTS = ("theme-chart", "donor-chart", "timeline-chart")
FCDO = "Foreign, Commonwealth & Development Office"
INL = "Bureau of International Narcotics and Law Enforcement Affairs"


def _seed(register: Register) -> None:
    register(title="Border posts", start_date="2021-03-01", end_date="2023-12-31")
    register(
        title="Joint patrols",
        countries=["TJ", "AF"],
        themes=["border-control", "law-enforcement"],
        donors=["gb-fcdo", "us-inl"],
        budget={"amount": "300000.00", "currency": "USD"},
        start_date="2022-01-01",
        end_date="2026-06-30",
    )
    register(
        title="Treatment centres",
        themes=["demand-reduction"],
        donors=["us-inl"],
        budget={"amount": "500.50", "currency": "EUR"},
        start_date="2024-01-01",
        end_date=None,
    )
    register(title="Elsewhere", countries=["KZ"], donors=["us-inl"], themes=["research"])


def _drawn(page: Page, path: str) -> None:
    visit(page, path)
    expect(page.locator("figure.chart-figure[data-drawn=true]")).to_have_count(len(CHARTS))
    assert_accessible(page)  # with the charts drawn


def _texts(page: Page, figure_id: str) -> list[str]:
    return page.locator(f"#{figure_id}-chart svg text").evaluate_all(
        "(texts) => texts.map((t) => t.textContent)"
    )


def _words(texts: list[str]) -> str:
    """The chart's texts as one line (long labels wrap over several text elements)."""
    return " ".join(" ".join(texts).split())


def _bars(page: Page, figure_id: str) -> int:
    """Filled shapes of the chart with an area (bars: ECharts draws them as paths)."""
    return page.locator(f"#{figure_id}-chart svg path[fill]:not([fill=none])").evaluate_all(
        """(paths) => paths.filter((p) => {
            const box = p.getBBox();
            return box.width > 2 && box.height > 2;
        }).length"""
    )


def test_the_country_page_draws_its_three_charts(
    signed_in_page: Callable[..., Page],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
    screenshot: Shot,
) -> None:
    _seed(register)
    page = signed_in_page("viewer", viewport=WIDE)
    _drawn(page, "/countries/TJ")
    for figure_id in CHARTS:
        box = page.locator(f"#{figure_id}-chart svg").bounding_box()
        assert box and box["width"] > 400 and box["height"] > 300, figure_id
    # A bar per theme and per donor; the timeline's bars of projects running, one per year.
    assert _bars(page, "theme-chart") >= 3
    assert _bars(page, "donor-chart") >= 2
    api = client.get("/api/v1/stats/timeline?country=TJ", headers=coordinator.headers).json
    assert _bars(page, "timeline-chart") >= len(api["rows"])
    themes = _texts(page, "theme-chart")
    assert "Projects by theme" in themes
    for name in ("Border control and management", "Drug demand reduction"):
        assert name in _words(themes), (name, themes)
    donors = _texts(page, "donor-chart")
    assert "Projects by donor" in donors
    assert FCDO in _words(donors) and INL in _words(donors), donors
    years = _texts(page, "timeline-chart")
    assert "Projects running and budget in USD per year" in years
    for year in api["years"]:
        assert str(year) in years  # the axis
    # The tables under the charts are the API's, once each.
    rows = page.locator("#donor-chart-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table", has_text=FCDO)).to_have_count(1)
    stats = client.get(
        "/api/v1/stats/projects?by=donor&country=TJ", headers=coordinator.headers
    ).json
    shown = {
        row.locator("th").inner_text(): row.locator("td").first.inner_text() for row in rows.all()
    }
    assert shown == {r["donor"]["name"]: str(r["projects"]) for r in stats["rows"]}
    screenshot(page, "country-charts-en")
    # The PNG of a chart, and the link that draws it on the statistics page.
    with page.expect_download() as png:
        page.locator("#donor-chart").get_by_role("button", name="Download PNG").click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.locator("#theme-chart").get_by_role("link", name="Link to this chart").click()
    expect(page).to_have_url(re.compile(r"/statistics\?by=theme&country=TJ$"))
    expect(page.locator("figure.chart-figure[data-drawn=true]")).to_have_count(1)
    assert "Projects by theme" in _texts(page, "chart")


def _overlapping_texts(page: Page, figure_id: str) -> list[list[str]]:
    """Pairs of the chart's texts whose boxes cover each other (by more than a pixel each way)."""
    return page.locator(f"#{figure_id}-chart svg text").evaluate_all(
        """(texts) => {
            const boxes = texts.filter((t) => t.textContent.trim())
                .map((t) => [t.textContent, t.getBoundingClientRect()]);
            const found = [];
            boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
                const x = Math.min(p.right, q.right) - Math.max(p.left, q.left);
                const y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
                if (x > 1 && y > 1) found.push([a, b]);
            }));
            return found;
        }"""
    )


def test_the_russian_country_page_has_russian_legends_and_axes(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    _seed(register)
    # Theme names that wrap over three and four lines beside their bars in Russian, the four-line
    # one first (most projects) and next to another name of several lines.
    for title in ("Liaison officers", "Joint investigations"):
        register(title=title, themes=["regional-cooperation", "financial-flows"])
    register(title="Information exchange", themes=["regional-cooperation"])
    # Eight themes in all: the chart is no taller than its rows need.
    register(title="Laboratories", themes=["forensics", "precursor-control", "research"])
    page = signed_in_page("viewer", viewport=WIDE)
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    _drawn(page, "/countries/TJ")
    themes = _texts(page, "theme-chart")
    assert "Проекты по темам" in themes
    assert "Проекты" in themes  # the axis
    assert "Пограничный контроль и управление границами" in _words(themes), themes
    assert "Border control" not in _words(themes), themes
    assert "Проекты по донорам" in _texts(page, "donor-chart")
    years = _texts(page, "timeline-chart")
    assert "Действующие проекты и бюджет в USD по годам" in years
    assert "Действующие проекты" in years  # the legend
    assert _bars(page, "theme-chart") >= 3
    assert "оперативной информацией" in _words(themes), themes
    for figure_id in CHARTS:
        assert _overlapping_texts(page, figure_id) == [], figure_id
    expect(page.locator("#theme-chart").get_by_role("button", name="Скачать PNG")).to_be_visible()
    screenshot(page, "country-charts-ru")
