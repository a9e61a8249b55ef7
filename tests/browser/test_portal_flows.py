"""Whole tasks in a real browser (issue 14): register with a live duplicate warning, resolve an
alert, upload a picture, a stale edit caught, the project page in Russian, the register form
with the keyboard only. axe-core and the console watch run on every page visited."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import assert_accessible, visit
from tests.conftest import Account

Shot = Callable[[Page, str], Path]
Register = Callable[..., dict[str, Any]]
TITLE = "Border liaison offices on the Tajik-Afghan border"
PROJECT_PAGE = re.compile(r"/projects/\d+$")
DOCS_VIEWPORT = {"width": 1280, "height": 800}


def _docs_shot(page: Page, name: str) -> None:
    """What the window shows at 1280x800, for README.md (copied by hand to docs/screenshots/)."""
    page.set_viewport_size(DOCS_VIEWPORT)
    page.screenshot(path=str(SCREENSHOTS / f"docs-{name}.png"))


def _fill_register_form(page: Page, title: str) -> None:
    """The registration form's required fields, filled as a person would (the mouse)."""
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Beneficiary countries").select_option("TJ")
    page.get_by_label("Border control").check()
    page.get_by_label("Status").select_option("implementation")
    page.get_by_label("Implementer 1").fill("unodc")
    page.get_by_label("Donor 1").fill("gb-fcdo")
    # The type-to-find lists answer (the person sees the names offered).
    expect(page.locator("#donors-options option[value=gb-fcdo]")).to_be_attached()
    expect(page.locator("#implementers-options option[value=unodc]")).to_be_attached()


def test_registering_shows_a_duplicate_warning_before_saving(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    existing = register()
    page = signed_in_page("focal_point")
    visit(page, "/projects/new")
    # What the matcher weighs besides the title: the description and the period.
    description = page.get_by_label("Description", exact=True)
    description.fill("Equipment and training for three border offices.")
    page.get_by_label("Start date").fill("2025-03-01")
    page.get_by_label("End date").fill("2026-06-30")
    _fill_register_form(page, TITLE.replace("border", "frontier"))
    warnings = page.locator("#duplicate-warnings")
    link = warnings.get_by_role("link", name=re.compile(existing["code"]))
    expect(link).to_have_attribute("href", f"/projects/{existing['id']}")
    expect(warnings).to_contain_text("Nothing is saved yet.")
    expect(warnings.get_by_role("cell", name="Period", exact=True)).to_be_visible()  # named
    assert_accessible(page)
    screenshot(page, "form-duplicate-warning")
    page.get_by_role("button", name="Register the project").click()
    expect(page).to_have_url(PROJECT_PAGE)
    expect(page.get_by_role("status")).to_contain_text("is registered")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE.replace("border", "frontier"))
    assert_accessible(page)


def test_resolving_an_alert_side_by_side(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    first = register()
    second = register(title=TITLE + " (phase 2)")
    page = signed_in_page("coordinator")
    visit(page, "/alerts")
    screenshot(page, "alerts-inbox")
    row = page.get_by_role("row").filter(has_text=second["code"])
    row.get_by_role("link", name=re.compile(r"^#\d+$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Alert \d+"))
    for project in (first, second):
        expect(page.get_by_role("link", name=project["code"], exact=True)).to_be_visible()
    expect(page.locator(".side-by-side mark").first).to_be_visible()
    expect(page.locator(".side-by-side section").first.locator("mark")).to_contain_text(
        ["Border", "liaison"]
    )
    assert_accessible(page)
    screenshot(page, "alert-side-by-side")
    _docs_shot(page, "alert-side-by-side")
    page.get_by_label("Note").fill("Phase 2 is a separate grant <b>of</b> the FCDO.")
    page.get_by_role("button", name="Resolve as “Not a duplicate”").click()
    expect(page.get_by_role("status")).to_contain_text("resolved as “Not a duplicate”")
    fields = page.locator("dl.fields").first
    expect(fields).to_contain_text("Resolved: Not a duplicate")
    expect(fields).to_contain_text("Phase 2 is a separate grant <b>of</b> the FCDO.")
    assert_accessible(page)


def _png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploading_a_picture_shows_its_thumbnail(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    project = register()
    page = signed_in_page("coordinator")
    visit(page, f"/projects/{project['id']}")
    expect(page.get_by_text("No pictures yet.")).to_be_visible()
    page.locator("input[type=file]").set_input_files(
        {"name": "office.png", "mimeType": "image/png", "buffer": _png()}
    )
    page.get_by_label("Title", exact=True).fill("The new office")
    page.get_by_label("Category").select_option("A12")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("“The new office” is kept")
    thumbnail = page.locator(".gallery img").first
    expect(thumbnail).to_have_attribute("alt", "The new office")
    thumbnail.scroll_into_view_if_needed()  # loading="lazy"
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    assert_accessible(page)
    screenshot(page, "project-page")


def test_a_stale_edit_is_caught_and_mine_can_be_kept(
    signed_in_page: Callable[..., Page],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
    screenshot: Shot,
) -> None:
    project = register()
    page = signed_in_page("coordinator")
    visit(page, f"/projects/{project['id']}/edit")
    # Meanwhile, someone else changes the status through the API.
    response = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"status": "closed"},
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert response.status_code == 200, response.json
    page.get_by_label("Title", exact=True).fill("Border liaison offices, renamed")
    page.get_by_role("button", name="Save the changes").click()
    conflict = page.get_by_role("alert")
    expect(conflict).to_contain_text("Someone changed this project while you were editing it.")
    expect(conflict.get_by_role("row", name=re.compile("^Title"))).to_contain_text(
        "Border liaison offices, renamed"
    )
    expect(conflict).to_contain_text(
        "Also changed meanwhile, and shown below as stored now: Status"
    )
    expect(page.get_by_label("Status")).to_have_value("closed")
    assert_accessible(page)
    screenshot(page, "form-edit-conflict")
    page.get_by_role("button", name="Keep mine and save").click()
    expect(page).to_have_url(PROJECT_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Border liaison offices, renamed")
    stored = client.get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers).json
    assert (stored["title"], stored["status"]) == ("Border liaison offices, renamed", "closed")


def test_the_project_page_in_russian(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    project = register()
    page = signed_in_page("viewer")
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    visit(page, f"/projects/{project['id']}")
    fields = page.locator("dl.fields")
    expect(fields).to_contain_text("Таджикистан")
    expect(fields.locator("dt").first).to_have_text("Код")
    expect(page.get_by_role("heading", name="История")).to_be_visible()
    screenshot(page, "project-page-ru")


def _tab_to(page: Page, target: Any, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def test_the_register_form_with_the_keyboard_only(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("coordinator")
    visit(page, "/projects/new")
    title = page.get_by_label("Title", exact=True)
    _tab_to(page, title)
    page.keyboard.type("Precursor control laboratory in Dushanbe")
    countries = page.get_by_label("Beneficiary countries")
    _tab_to(page, countries)
    page.keyboard.type("Tajik")  # a list box selects the option typed
    expect(countries).to_have_value("TJ")
    theme = page.get_by_label("Border control")
    _tab_to(page, theme)
    page.keyboard.press("Space")
    expect(theme).to_be_checked()
    donor = page.get_by_label("Donor 1")
    _tab_to(page, donor)
    page.keyboard.type("gb-fcdo")
    expect(page.locator("#donors-options option[value=gb-fcdo]")).to_be_attached()
    implementer = page.get_by_label("Implementer 1")
    _tab_to(page, implementer)
    page.keyboard.type("unodc")
    expect(page.locator("#implementers-options option[value=unodc]")).to_be_attached()
    status = page.get_by_label("Status")
    _tab_to(page, status)
    page.keyboard.type("Implem")
    expect(status).to_have_value("implementation")
    _tab_to(page, page.get_by_label("Start date"))
    page.keyboard.press("Enter")  # Enter in a field sends the form
    expect(page).to_have_url(PROJECT_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Precursor control laboratory in Dushanbe"
    )
    assert_accessible(page)


def _three_projects(register: Register) -> dict[str, dict[str, Any]]:
    return {
        "tj-border": register(title="Border posts in Khatlon", countries=["TJ"]),
        "tj-precursors": register(
            title="Precursor laboratory in Dushanbe",
            description="A laboratory for the analysis of seized chemicals.",
            countries=["TJ"],
            themes=["precursor-control"],
        ),
        "af-border": register(title="Border posts in Badakhshan", countries=["AF"]),
    }


def test_searching_with_two_facets_and_opening_a_project(
    signed_in_page: Callable[..., Page], register: Register, screenshot: Shot
) -> None:
    projects = _three_projects(register)
    page = signed_in_page("viewer")
    results = page.get_by_role("heading", name=re.compile("^Projects found"))
    expect(results).to_have_text("Projects found: 3")
    page.get_by_role("group", name="Country").get_by_label(re.compile("^Tajikistan")).check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_text("Projects found: 2")
    assert_accessible(page)
    _docs_shot(page, "search")
    theme = page.get_by_role("group", name="Theme").get_by_label(re.compile("^Border control"))
    expect(theme).to_have_accessible_name(re.compile(r"\(1\)$"))  # counted within Tajikistan
    theme.check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_text("Projects found: 1")
    expect(page).to_have_url(re.compile(r"country=TJ.*theme=border-control"))
    assert_accessible(page)
    screenshot(page, "search-two-facets")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    wanted = projects["tj-border"]
    page.get_by_role("link", name=wanted["title"]).click()
    expect(page).to_have_url(re.compile(rf"/projects/{wanted['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(wanted["title"])
    assert_accessible(page)


def test_downloading_the_csv_of_a_search(
    signed_in_page: Callable[..., Page], register: Register
) -> None:
    projects = _three_projects(register)
    page = signed_in_page("viewer")
    visit(page, "/projects?country=TJ&sort=title")
    with page.expect_download() as started:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = started.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["title"] for r in rows] == sorted(
        projects[key]["title"] for key in ("tj-border", "tj-precursors")
    )
    assert {r["code"] for r in rows} == {
        projects[key]["code"] for key in ("tj-border", "tj-precursors")
    }


def test_the_admin_users_page(
    signed_in_page: Callable[..., Page], person: Callable[..., Account], screenshot: Shot
) -> None:
    others = [person(role) for role in ("focal_point", "donor", "viewer")]
    page = signed_in_page("admin")
    visit(page, "/admin/users")
    for account in others:
        expect(page.get_by_role("link", name=account.email)).to_be_visible()
    screenshot(page, "admin-users")
