"""The portal's forms and filters name the known codes nearest to an unknown one."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.portal.helpers import post_form
from tests.portal.test_project_forms import NEW, form_of


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_registration_form_suggests_in_russian(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    browser = browser_of("coordinator")
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    # The codes the form checks itself, then those it looks up (once the others are right).
    response = post_form(browser, NEW, form_of(countries=["TX"], budget_currency="USX"))
    assert response.status_code == 422
    page = _text(response)
    assert "Неизвестный код страны: TX. Возможно, вы имели в виду TJ, TM или TR?" in page
    assert "Неизвестный код валюты: USX. Возможно, вы имели в виду USD, UGX или USN?" in page
    response = post_form(browser, NEW, form_of(donors=["gb-fcd", ""]))
    assert response.status_code == 422
    assert "Неизвестная организация: gb-fcd. Возможно, вы имели в виду gb-fcdo?" in _text(response)


def test_the_registration_form_suggests_in_english(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    browser = browser_of("coordinator")
    response = post_form(browser, NEW, form_of(countries=["XYZZY"]))
    assert response.status_code == 422
    page = _text(response)
    assert "Unknown country code: XYZZY." in page
    assert "XYZZY. Did you mean" not in page
    response = post_form(browser, NEW, form_of(implementers=["undoc", ""]))
    assert response.status_code == 422
    assert "Unknown organization: undoc. Did you mean unodc?" in _text(response)


def test_the_search_filters_suggest(
    browser_of: Callable[..., FlaskClient], orgs: dict[str, str]
) -> None:
    browser = browser_of("viewer")
    response = browser.get("/projects?country=TX&donor=us-inll")
    assert response.status_code == 422
    page = _text(response)
    assert "Unknown country code: TX. Did you mean TJ, TM or TR?" in page
    assert "Unknown organization: us-inll. Did you mean us-inl?" in page
    russian = browser.get("/projects?theme=reserch", headers={"Accept-Language": "ru"})
    assert russian.status_code == 422
    assert "Неизвестная тема: reserch. Возможно, вы имели в виду research?" in _text(russian)


def test_the_statistics_currency_suggests(browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("viewer")
    response = browser.get("/statistics?by=country&measure=budget&chart_currency=EURO")
    assert response.status_code == 422
    assert "Unknown currency code: EURO. Did you mean EUR?" in _text(response)


def test_a_country_page_not_found_suggests(browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("viewer")
    response = browser.get("/countries/TJK")
    assert response.status_code == 404
    assert "No country with code TJK. Did you mean TJ?" in _text(response)
    russian = browser.get("/countries/TX", headers={"Accept-Language": "ru"})
    assert russian.status_code == 404
    assert "Нет страны с кодом TX. Возможно, вы имели в виду TJ, TM или TR?" in _text(russian)
    garbage = browser.get("/countries/QWERTY")
    assert garbage.status_code == 404
    assert "No country with code QWERTY." in _text(garbage)
