"""Registering and editing projects with the portal's forms, and the live duplicate warnings."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from adam.duplicates.models import DuplicateAlert
from adam.projects.models import Project
from adam.session import new_session
from tests.conftest import Account
from tests.portal.helpers import csrf_token, post_form

NEW = "/projects/new"
WARNINGS = "/projects/form/duplicates"


def form_of(**overrides: Any) -> dict[str, Any]:
    """The registration form filled as tests.conftest.project_body is."""
    data: dict[str, Any] = {
        "title": "Border liaison offices on the Tajik-Afghan border",
        "description": "Equipment and training for three border liaison offices.",
        "language": "en",
        "countries": ["TJ"],
        "themes": ["border-control"],
        "donors": ["gb-fcdo", ""],
        "implementers": ["unodc", ""],
        "status": "implementation",
        "start_date": "2025-03-01",
        "end_date": "2026-06-30",
        "budget_amount": "1250000.00",
        "budget_currency": "USD",
        "iati_identifier": "",
        "contact_name": "",
        "contact_email": "",
    }
    data.update(overrides)
    return data


def _counts(app: Flask) -> tuple[int, int]:
    with new_session(app) as session:
        projects = session.scalar(sa.select(sa.func.count(Project.id)))
        alerts = session.scalar(sa.select(sa.func.count(DuplicateAlert.id)))
        return projects or 0, alerts or 0


HIDDEN = re.compile(r'<input type="hidden" name="(version|original|project_id)" value="([^"]*)"')


def _hidden(client: FlaskClient, project_id: int) -> dict[str, str]:
    """The hidden fields of the edit form: the version and values it was read at."""
    page = client.get(f"/projects/{project_id}/edit")
    assert page.status_code == 200, page.get_data(as_text=True)
    return {k: html.unescape(v) for k, v in HIDDEN.findall(page.get_data(as_text=True))}


def test_the_form_registers_a_project_the_api_then_finds(
    browser_of: Callable[..., FlaskClient],
    orgs: dict[str, str],
    coordinator: Account,
    client: FlaskClient,
) -> None:
    browser = browser_of("coordinator")
    page = browser.get(NEW)
    assert page.status_code == 200
    response = post_form(browser, NEW, form_of(title="Precursor control in Dushanbe"))
    assert response.status_code == 303, response.get_data(as_text=True)
    found = client.get("/api/v1/projects?q=precursor", headers=coordinator.headers).json
    assert found["total"] == 1
    project = found["items"][0]
    assert response.headers["Location"] == f"/projects/{project['id']}"
    assert [d["code"] for d in project["donors"]] == ["gb-fcdo"]
    assert project["budget"] == {"amount": "1250000.00", "currency": "USD"}
    followed = browser.get("/projects").get_data(as_text=True)
    assert f"Project {project['code']} is registered." in followed


def test_validation_errors_show_beside_their_fields_with_what_was_typed_kept(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str], app: Flask
) -> None:
    browser = browser_of("coordinator")
    before = _counts(app)
    typed = form_of(
        title="Kept title",
        countries=[],
        budget_amount="12.345",
        end_date="2024-01-01",
        contact_email="not-an-address",
    )
    response = post_form(browser, NEW, typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<ul class="field-errors" id="countries-errors"><li>Name 1 to 60 beneficiary' in page
    assert 'id="budget.amount-errors"><li>Use at most two decimal places.' in page
    # The amount's hint stays read with its error, and says how to write it.
    assert 'aria-describedby="budget_amount-hint budget.amount-errors" aria-invalid="true"' in page
    assert "no spaces: 480000.00" in page
    assert 'id="end_date-errors"><li>The end date is before the start date.' in page
    assert 'id="contact.email-errors"><li>Not a valid email address.' in page
    assert 'value="Kept title"' in page and 'value="12.345"' in page
    assert 'value="not-an-address"' in page
    assert 'value="gb-fcdo"' in page and 'value="border-control" checked' in page
    assert _counts(app) == before


def test_an_unknown_organisation_code_is_named_beside_the_donors(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str], app: Flask
) -> None:
    browser = browser_of("coordinator")
    response = post_form(browser, NEW, form_of(donors=["gb-fcdo", "no-such-org"]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="donors-errors"><li>' in page and "no-such-org" in page
    assert 'value="no-such-org"' in page
    assert _counts(app) == (0, 0)


def test_markup_in_a_typed_title_is_escaped_when_the_form_comes_back(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    browser = browser_of("coordinator")
    title = '"><script>alert(1)</script>'
    response = post_form(browser, NEW, form_of(title=title, status=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_live_warning_lists_a_near_duplicate_and_writes_nothing(
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
    app: Flask,
) -> None:
    existing = register()
    browser = browser_of("coordinator")
    token = csrf_token(browser, NEW)
    before = _counts(app)
    typed = form_of(title="Border liaison offices on the Tajik Afghan border")
    response = browser.post(WARNINGS, data=typed, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="/projects/{existing["id"]}"' in page and existing["code"] in page
    assert "title" in page  # a reason's field
    assert _counts(app) == before
    # Before the status and themes are chosen, the warning speaks already.
    early = form_of(title="Border liaison offices on the Tajik Afghan border", status="")
    del early["themes"]
    page = browser.post(WARNINGS, data=early, headers={"X-CSRFToken": token})
    assert existing["code"] in page.get_data(as_text=True)
    # Incomplete (no country) or invalid (a bad date): the region stays silent.
    for broken in (form_of(countries=[]), form_of(start_date="yesterday"), {"title": "x"}):
        response = browser.post(WARNINGS, data=broken, headers={"X-CSRFToken": token})
        assert response.status_code == 200 and response.get_data(as_text=True) == ""
    assert _counts(app) == before


def test_an_edit_sends_what_changed_and_redirects(
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
    client: FlaskClient,
    coordinator: Account,
) -> None:
    project = register()
    browser = browser_of("coordinator")
    url = f"/projects/{project['id']}/edit"
    page = browser.get(url).get_data(as_text=True)
    assert f'value="{project["title"]}"' in page and 'value="1250000.00"' in page
    hidden = _hidden(browser, project["id"])
    response = post_form(browser, url, {**form_of(status="closed"), **hidden})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/projects/{project['id']}"
    stored = client.get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers).json
    assert stored["status"] == "closed" and stored["version"] == 2
    history = client.get(
        f"/api/v1/projects/{project['id']}/history", headers=coordinator.headers
    ).json
    assert set(history[-1]["changes"]) == {"status"}


def test_a_stale_edit_is_caught_and_shows_both_values(
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
    client: FlaskClient,
    coordinator: Account,
) -> None:
    project = register()
    browser = browser_of("coordinator")
    url = f"/projects/{project['id']}/edit"
    hidden = _hidden(browser, project["id"])
    patched = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"title": "Their new title", "status": "closed"},
        headers={**coordinator.headers, "If-Match": project["_etag"]},
    )
    assert patched.status_code == 200
    response = post_form(browser, url, {**form_of(title="My new title"), **hidden})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "<td>Their new title</td><td>My new title</td>" in page
    assert 'value="My new title"' in page  # the form keeps what was typed
    assert '<option value="closed" selected>' in page  # and takes their other change
    assert 'name="version" value="2"' in page
    assert "Keep mine and save" in page
    stored = client.get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers).json
    assert stored["title"] == "Their new title"
    # Keep mine: the form as shown, sent again.
    kept = post_form(
        browser,
        url,
        {**form_of(title="My new title", status="closed"), **_hidden_of(page)},
    )
    assert kept.status_code == 303, kept.get_data(as_text=True)
    stored = client.get(f"/api/v1/projects/{project['id']}", headers=coordinator.headers).json
    assert stored["title"] == "My new title" and stored["status"] == "closed"


def _hidden_of(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in HIDDEN.findall(page)}


def test_a_focal_point_of_another_country_may_not_register_or_edit(
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
    app: Flask,
) -> None:
    project = register()
    browser = browser_of("focal_point", country="AF")
    assert browser.get(f"/projects/{project['id']}/edit").status_code == 403
    before = _counts(app)
    response = post_form(browser, NEW, form_of(title="Somewhere else"))
    assert response.status_code == 403
    assert _counts(app) == before
    viewer = browser_of("viewer")
    assert post_form(viewer, NEW, form_of()).status_code == 403


def test_the_organisation_finder_offers_matching_codes(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    browser = browser_of("focal_point")
    response = browser.get("/projects/form/organizations?donors=narcotics")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<option value="us-inl">' in page and "gb-fcdo" not in page
    assert browser.get("/projects/form/organizations?donors=").get_data(as_text=True).strip() == ""


def test_the_form_speaks_russian(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    browser = browser_of("coordinator")
    post_form(browser, "/language", {"language": "ru", "next": NEW}, token_from=NEW)
    page = browser.get(NEW).get_data(as_text=True)
    assert "Зарегистрировать проект" in page
    assert "Таджикистан" in page  # country names in the reader's language
    response = post_form(browser, NEW, form_of(countries=[]))
    assert "Укажите от 1 до 60 стран-получателей." in response.get_data(as_text=True)


def test_the_saved_message_counts_the_alerts_raised(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]], app: Flask
) -> None:
    register()
    browser = browser_of("coordinator")
    response = post_form(browser, NEW, form_of())
    assert response.status_code == 303
    page = browser.get("/projects").get_data(as_text=True)
    assert _counts(app) == (2, 1)
    assert re.search(r"Project TJ-\d{4}-\d+ is registered\. Duplicate alerts raised: 1\.", page)


def test_an_iati_identifier_in_use_is_named_beside_its_field(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    existing = register(iati_identifier="GB-GOV-1-300123")
    browser = browser_of("coordinator")
    response = post_form(
        browser, NEW, form_of(title="Another project", iati_identifier="GB-GOV-1-300123")
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f'id="iati_identifier-errors"><li>Already used by {existing["code"]}.' in page
    assert 'value="Another project"' in page


def test_add_another_gives_one_more_organisation_field_and_saves_nothing(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str], app: Flask
) -> None:
    browser = browser_of("coordinator")
    response = post_form(browser, NEW, {**form_of(donors=["gb-fcdo"]), "add": "donors"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="donors-1" name="donors" type="text" value="gb-fcdo"' in page
    assert 'id="donors-3"' in page and 'id="donors-4"' not in page
    assert _counts(app) == (0, 0)


def test_the_live_warning_on_an_edit_leaves_out_the_project_itself(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    project = register(iati_identifier="GB-GOV-1-300123")
    browser = browser_of("coordinator")
    token = csrf_token(browser, NEW)
    typed = form_of(iati_identifier="GB-GOV-1-300123")
    headers = {"X-CSRFToken": token}
    assert project["code"] not in browser.post(WARNINGS, data=typed, headers=headers).get_data(
        as_text=True
    )  # registering it again would clash on the identifier: no warning, no error
    editing = {**typed, "project_id": str(project["id"])}
    response = browser.post(WARNINGS, data=editing, headers=headers)
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    other = register(title="Border liaison offices on the Tajik-Afghan frontier")
    page = browser.post(WARNINGS, data=editing, headers=headers).get_data(as_text=True)
    assert other["code"] in page and f'href="/projects/{project["id"]}"' not in page


def test_markup_in_a_stored_title_is_escaped_in_the_warning(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    register(title="Border liaison offices <b>on</b> the Tajik-Afghan border")
    browser = browser_of("coordinator")
    token = csrf_token(browser, NEW)
    page = browser.post(WARNINGS, data=form_of(), headers={"X-CSRFToken": token}).get_data(
        as_text=True
    )
    assert "&lt;b&gt;on&lt;/b&gt;" in page and "<b>on</b>" not in page


def test_an_edit_of_a_text_area_with_browser_line_breaks_changes_nothing_else(
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
    client: FlaskClient,
    coordinator: Account,
) -> None:
    project = register(description="First line.\nSecond line.")
    browser = browser_of("coordinator")
    url = f"/projects/{project['id']}/edit"
    typed = form_of(description="First line.\r\nSecond line.", title="Renamed")
    tampered = {**_hidden(browser, project["id"]), "original": '{"budget": {"amount": "x"}}'}
    response = post_form(browser, url, {**typed, **tampered})
    assert response.status_code == 303, response.get_data(as_text=True)
    history = client.get(
        f"/api/v1/projects/{project['id']}/history", headers=coordinator.headers
    ).json
    changed = history[-1]["changes"]
    assert "description" not in changed and changed["title"]["new"] == "Renamed"


def test_an_unknown_code_is_named_in_russian_on_a_russian_form(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    browser = browser_of("coordinator")
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = post_form(browser, NEW, form_of(donors=["no-such-org", ""], countries=["XX"]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Неизвестный код страны: XX." in page
