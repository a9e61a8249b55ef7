"""The portal in a real browser: sign-in, sign-out, the language switch, the password form,
error pages; axe-core and the console watch run on every page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import ConsoleGuard, assert_accessible, visit
from tests.conftest import Account
from tests.portal.helpers import PASSWORD

ROLES = ["admin", "coordinator", "focal_point", "donor", "viewer"]
Shot = Callable[[Page, str], Path]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_sees_the_projects(
    signed_in_page: Callable[..., Page], screenshot: Shot, role: str
) -> None:
    page = signed_in_page(role)
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("link", name=page.account.email)).to_be_visible()  # type: ignore[attr-defined]
    screenshot(page, f"projects-{role}")


def test_a_stranger_is_sent_to_sign_in_and_back_to_the_page_asked_for(
    page: Page, person: Callable[..., Account], screenshot: Shot
) -> None:
    account = person("coordinator")
    visit(page, "/account/password")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/account/password$"))
    screenshot(page, "sign-in")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/account/password$"))
    assert_accessible(page)


def test_a_phone_sized_window_needs_no_sideways_scrolling(
    signed_in_page: Callable[..., Page], screenshot: Shot
) -> None:
    page = signed_in_page("coordinator", viewport={"width": 360, "height": 740})
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "projects-phone")
    assert overflow <= 0, f"the page is {overflow}px wider than the window"


def test_a_wrong_password_shows_the_message(
    page: Page, person: Callable[..., Account], screenshot: Shot
) -> None:
    account = person("viewer")
    visit(page, "/sign-in")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    expect(page.get_by_label("E-mail")).to_have_value(account.email)
    expect(page.get_by_label("Password")).to_be_empty()
    assert_accessible(page)
    screenshot(page, "sign-in-refused")


def test_the_language_switch_to_russian_and_back(
    signed_in_page: Callable[..., Page], screenshot: Shot
) -> None:
    page = signed_in_page("coordinator")
    page.get_by_role("button", name="Русский").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Проекты")
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name="Русский")).to_have_attribute("aria-current", "true")
    assert_accessible(page)
    screenshot(page, "projects-ru")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_sign_in_page_in_russian(page: Page, screenshot: Shot) -> None:
    visit(page, "/sign-in")
    page.get_by_role("button", name="Русский").click()
    expect(page.get_by_role("button", name="Войти", exact=True)).to_be_visible()
    expect(page.get_by_label("Пароль")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "sign-in-ru")


def test_sign_out_ends_the_session(signed_in_page: Callable[..., Page], screenshot: Shot) -> None:
    page = signed_in_page("viewer")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert_accessible(page)
    screenshot(page, "signed-out")
    # Back to a page: the browser is a stranger again.
    visit(page, "/projects")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/projects$"))


def test_signing_in_with_the_keyboard_only(page: Page, person: Callable[..., Account]) -> None:
    account = person("donor")
    visit(page, "/sign-in")
    email = page.get_by_label("E-mail")
    for _ in range(10):  # the skip link, the brand, the language buttons, then the e-mail
        page.keyboard.press("Tab")
        if email.evaluate("element => element === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/projects$"))
    assert_accessible(page)


def test_the_skip_link_shows_on_focus_and_leads_to_the_content(page: Page) -> None:
    visit(page, "/sign-in")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_changing_the_password(signed_in_page: Callable[..., Page], screenshot: Shot) -> None:
    page = signed_in_page("focal_point")
    page.get_by_role("link", name=page.account.email).click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page)
    screenshot(page, "password")
    # Two different new passwords: the form comes back with the error beside the field.
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (at least 10 characters)").fill("a brand new passphrase")
    page.get_by_label("New password again").fill("another passphrase")
    page.get_by_role("button", name="Change the password").click()
    again = page.get_by_label("New password again")
    expect(again).to_have_accessible_description(re.compile("differ"))
    assert_accessible(page)
    screenshot(page, "password-refused")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (at least 10 characters)").fill("a brand new passphrase")
    again.fill("a brand new passphrase")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
    assert_accessible(page)


def test_an_expired_form_gives_an_error_page(
    signed_in_page: Callable[..., Page], screenshot: Shot
) -> None:
    page = signed_in_page("viewer")
    # As if the form had sat open past its token's life: its token no longer matches.
    page.locator("form:has(button:text('Sign out')) input[name=csrf_token]").evaluate(
        "input => { input.value = 'expired'; }"
    )
    with page.expect_response(re.compile(r"/sign-out$")) as answer:
        page.get_by_role("button", name="Sign out").click()
    assert answer.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("The form had expired.")
    expect(page.get_by_role("link", name="Back to the start page")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "error-expired-form")


def test_a_page_that_does_not_exist(signed_in_page: Callable[..., Page], screenshot: Shot) -> None:
    page = signed_in_page("viewer")
    visit(page, "/no-such-page", status=404)
    screenshot(page, "error-404")


def test_the_console_watch_catches_a_csp_violation(chromium: Browser, live_server: str) -> None:
    """The harness itself: an inline script is refused by the policy, and that is reported."""
    context = chromium.new_context(base_url=live_server)
    guard = ConsoleGuard(live_server)
    guard.watch(context)
    page = context.new_page()
    try:
        page.goto("/sign-in")
        assert not guard.problems, guard.problems
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }""")
        page.wait_for_function("true")  # one more round trip: the console event has arrived
        assert page.evaluate("window.injected === undefined")
        assert any("Content Security Policy" in p for p in guard.problems), guard.problems
    finally:
        context.close()
