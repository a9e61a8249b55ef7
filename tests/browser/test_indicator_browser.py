"""The indicator pages in Chromium: choosing an indicator shows its unit as text (the
catalogue fixes it; there is no unit to choose); the import page lists the catalogue; axe-core
and the console watch on each."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, visit


def test_choosing_an_indicator_shows_its_unit(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("coordinator")
    visit(page, "/indicators/enter")
    unit = page.locator("output#unit")
    expect(unit).to_have_text("the indicator's (shown beside its name)")
    page.select_option("#indicator", "seizures_precursors_liquid")
    expect(unit).to_have_text("litres")
    page.select_option("#indicator", "people_in_treatment")
    expect(unit).to_have_text("persons")
    page.select_option("#indicator", "")
    expect(unit).to_have_text("the indicator's (shown beside its name)")
    assert page.locator("[name=unit]").count() == 0
    assert_accessible(page)


def test_the_import_page_with_its_catalogue_is_accessible(
    signed_in_page: Callable[..., Page],
) -> None:
    page = signed_in_page("focal_point")
    visit(page, "/indicators/import")  # axe-core runs on it
    expect(page.locator("#catalogue-list tbody tr")).to_have_count(10)
    expect(page.locator("#indicator-seizures_heroin")).to_contain_text("Изъятия героина")


def test_the_import_pages_tables_have_room_on_a_wide_screen(
    signed_in_page: Callable[..., Page],
) -> None:
    """Not squeezed into the form's column: the catalogue's rows keep to three lines or fewer."""
    page = signed_in_page("focal_point", viewport={"width": 1366, "height": 900})
    visit(page, "/indicators/import")
    table = page.locator("#catalogue-list").bounding_box()
    assert table and table["width"] > 700, table
    row = page.locator("#indicator-seizures_precursors_liquid").bounding_box()
    assert row and row["height"] < 100, row  # five lines (some 120 px) in the narrow column
