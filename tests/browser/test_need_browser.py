"""The need form in a real browser: a focal point types a need, the projects that likely
address it appear while typing (htmx, nothing saved), and saving keeps them as suggestions
on the need's page, where they can be confirmed; axe-core and the console watch run."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import assert_accessible, visit

Shot = Callable[[Page, str], Path]
TITLE = "Equip and train the border liaison offices on the Afghan border"


def _below(button: Locator, field: Locator) -> None:
    """The button starts under the field (a form's fields and its button in one column)."""
    over, under = field.bounding_box(), button.bounding_box()
    assert over and under and under["y"] >= over["y"] + over["height"], (over, under)


def test_typing_a_need_shows_the_likely_projects_live(
    signed_in_page: Callable[..., Page],
    register: Callable[..., dict[str, Any]],
    screenshot: Shot,
) -> None:
    project = register()  # a TJ border project of the FCDO and UNODC
    page = signed_in_page("focal_point", viewport={"width": 1280, "height": 900})  # of TJ
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Needs").click()
    expect(page).to_have_url(re.compile(r"/needs$"))
    page.get_by_role("link", name="Register a need").click()
    expect(page).to_have_url(re.compile(r"/needs/new$"))
    assert_accessible(page)
    suggestions = page.locator("#need-suggestions")
    expect(suggestions).to_be_empty()

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("The border offices lack equipment and trained staff.")
    page.get_by_label("Border control").check()
    # The answer comes while typing, before anything is saved.
    found = suggestions.locator(f'li[data-project="{project["id"]}"]')
    expect(found).to_be_visible()
    expect(found.get_by_role("link")).to_have_attribute("href", f"/projects/{project['id']}")
    expect(found).to_contain_text("Shared words")
    expect(suggestions).to_contain_text("Nothing is saved yet.")
    assert_accessible(page)
    screenshot(page, "need-form-live-suggestions")

    # A form's button stands under its last field, not beside it.
    _below(page.get_by_role("button", name="Register the need"), page.locator("#recommendation_id"))
    page.get_by_label("Start date").fill("2025-01-01")
    page.get_by_label("End date").fill("2027-12-31")
    page.get_by_role("button", name="Register the need").click()
    expect(page).to_have_url(re.compile(r"/needs/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Projects that likely address it: 1.")
    suggested = page.locator('li[data-state="suggested"]')
    expect(suggested).to_contain_text(project["code"])
    suggested.get_by_role("button", name="Confirm").click()
    expect(page.locator('li[data-state="confirmed"]')).to_contain_text(project["code"])
    _below(page.get_by_role("button", name="Change the state"), page.locator("textarea#note"))
    assert_accessible(page)
    visit(page, "/needs?country=TJ")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
