"""Driving the portal in Chromium: a watch on the console, axe-core, the sign-in form."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response, expect

from tests.portal.helpers import PASSWORD

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# Chromium logs every answer >= 400 as "Failed to load resource"; the page's own status is the
# test's to check, and failed sub-resources are reported from the responses instead.
FAILED_LOAD = "Failed to load resource:"
IGNORED_PATHS = ("/favicon.ico",)
ABORTED = "net::ERR_ABORTED"


class ConsoleGuard:
    """Collects what a healthy page never shows: console errors (a CSP violation is one),
    uncaught exceptions, and scripts, styles or images that failed to load."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.problems: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"uncaught: {error.error}"))
        context.on("response", self._response)
        context.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(FAILED_LOAD):
            where = message.location.get("url", "")
            self.problems.append(f"console error on {where}: {message.text}")

    def _response(self, response: Response) -> None:
        request = response.request
        if request.resource_type == "document" or response.status < 400:
            return
        if response.url.removeprefix(self.base_url).startswith(IGNORED_PATHS):
            return
        self.problems.append(f"{request.resource_type} {response.url}: HTTP {response.status}")

    def _request_failed(self, request: Request) -> None:
        # A background request still running when the page is left (a form sent while a live
        # warning was on its way) is cancelled by the browser: not a fault of the page.
        if request.resource_type in ("xhr", "fetch") and request.failure == ABORTED:
            return
        if request.resource_type != "document":
            self.problems.append(f"{request.resource_type} {request.url}: {request.failure}")


# What axe has already checked in this run: one page's markup, without what changes from one
# sign-in to the next (tokens, e-mail addresses), gives the same findings each time.
_CHECKED: set[str] = set()
_VARIABLE = re.compile(
    r'(name="csrf_token" value="[^"]*"|"X-CSRFToken": "[^"]*"|[\w.+-]+@[\w-]+(\.[\w-]+)+)'
)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page; fail on any violation of serious or critical impact.

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern, so the policy stays on for the test (an inline <script> tag would be
    refused, which is what the ConsoleGuard must go on catching)."""
    key = hashlib.sha256(_VARIABLE.sub("", page.content()).encode()).hexdigest()
    if key in _CHECKED:
        return
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (impacts) => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations
                .filter((v) => impacts.includes(v.impact))
                .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\\n` +
                    v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary}`)
                        .join("\\n"));
        }""",
        list(FAILING_IMPACTS),
    )
    assert not violations, f"axe on {page.url}:\n" + "\n".join(violations)
    _CHECKED.add(key)


def visit(page: Page, path: str, status: int = 200) -> Response:
    """Open ``path``, check its status and its accessibility."""
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path}: {response.status}"
    assert_accessible(page)
    return response


def sign_in_through_form(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the (English) sign-in form; wait for the projects page."""
    visit(page, "/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/projects$"))
