"""Browser fixtures: the app served on a free port, driven by a real Chromium (Playwright).

- ``live_server``: the base URL of the test's ``app`` (so both backends run), served by
  werkzeug in a thread and shut down at teardown.
- ``open_page()``: a new browser context and page on the live server. Every page is watched:
  a console error, an uncaught exception, a Content-Security-Policy violation or a failed
  sub-resource (script, style, image) fails the test at teardown.
- ``page``: the first such page; ``signed_in_page(role, viewport=None, **scope)``: a page
  signed in through the real form as a new person (``page.account`` is the Account).
- ``screenshot(page, name)``: a full-page PNG under bench/out/screenshots/ (git-ignored).
- ``helpers.assert_accessible(page)``: axe-core on the page; ``helpers.visit(page, path)``
  opens a page, checks its status and runs axe.

Debian's Chromium at /usr/bin/chromium is used (Playwright's own download is not needed;
``ADAM_TEST_CHROMIUM`` names another executable); without it the browser tests are skipped,
except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.helpers import ConsoleGuard, assert_accessible, sign_in_through_form
from tests.conftest import Account
from tests.portal.conftest import person  # noqa: F401  (the fixture, used by signed_in_page)

CHROMIUM = Path(os.environ.get("ADAM_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "bench" / "out" / "screenshots"
TIMEOUT_MS = 10_000  # Playwright's waits (auto-waiting and expect) give up after this


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One Chromium for the browser tests (package scope: no event loop outlives them)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required under CI and {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture()
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server"
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture()
def open_page(chromium: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """Open a fresh context and page (each its own cookies) on the live server; keyword
    arguments go to ``new_context`` (``viewport=``, ``locale=``...)."""
    opened: list[tuple[BrowserContext, ConsoleGuard]] = []

    def make(**options: Any) -> Page:
        options.setdefault("locale", "en-GB")
        context = chromium.new_context(base_url=live_server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        guard = ConsoleGuard(live_server)
        guard.watch(context)
        opened.append((context, guard))
        return context.new_page()

    yield make
    problems: list[str] = []
    for context, guard in opened:
        problems += guard.problems
        context.close()
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture()
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()


@pytest.fixture()
def signed_in_page(
    open_page: Callable[..., Page],
    person: Callable[..., Account],  # noqa: F811
) -> Callable[..., Page]:
    """A new page signed in through the sign-in form as a new person of ``role``."""

    def make(role: str, viewport: dict[str, int] | None = None, **scope: str) -> Page:
        account = person(role, **scope)
        new = open_page(**({"viewport": viewport} if viewport else {}))
        sign_in_through_form(new, account.email)
        assert_accessible(new)
        new.account = account  # type: ignore[attr-defined]
        return new

    return make


@pytest.fixture()
def screenshot() -> Callable[[Page, str], Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
