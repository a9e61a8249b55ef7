"""The country page shows the country's indicators: a table per indicator, years as columns,
with its chart's data, unit and source, in English and Russian."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient
from lxml import html

from tests.conftest import Account
from tests.portal.conftest import browser_of, person

__all__ = ["browser_of", "person"]  # the portal's fixtures, used here too


def _put(client: FlaskClient, account: Account, indicator: str, year: int, value: str) -> None:
    answer = client.put(
        f"/api/v1/countries/TJ/indicators/{indicator}/{year}",
        json={"value": value, "source": "DCA annual report"},
        headers=account.headers,
    )
    assert answer.status_code == 201, answer.json


def test_the_country_page_shows_each_indicator_by_year(
    client: FlaskClient, coordinator: Account, browser_of: Callable[..., FlaskClient]
) -> None:
    for year, value in ((2020, "1250.5"), (2021, "980"), (2022, "1100")):
        _put(client, coordinator, "seizures_heroin", year, value)
    _put(client, coordinator, "seizures_precursors_liquid", 2021, "300")
    browser = browser_of("viewer")
    page = browser.get("/countries/TJ")
    assert page.status_code == 200
    tree = html.fromstring(page.get_data(as_text=True))
    table = tree.xpath('//table[@id="indicator-seizures_heroin-table"]')[0]
    assert [th.text_content() for th in table.xpath(".//thead//th")] == [
        "Year",
        "2020",
        "2021",
        "2022",
    ]
    assert [td.text_content() for td in table.xpath(".//tbody//td")] == ["1,250.5", "980", "1,100"]
    figure = tree.xpath('//figure[@id="indicator-seizures_heroin"]')[0]
    assert figure.xpath("string(figcaption)") == "Heroin seizures (kg)"
    assert "DCA annual report" in figure.text_content()
    data = json.loads(tree.xpath('//script[@id="indicator-seizures_heroin-data"]')[0].text)
    assert data["years"] == ["2020", "2021", "2022"]
    assert data["values"] == [1250.5, 980, 1100]
    liquid = tree.xpath('//figure[@id="indicator-seizures_precursors_liquid"]')[0]
    assert "(litres)" in liquid.xpath("string(figcaption)")
    assert tree.xpath('//script[contains(@src, "indicators.js")]')
    script = browser.get("/static/portal/indicators.js")
    assert script.status_code == 200
    assert b"echarts.init" in script.get_data()
    script.close()


def test_the_section_in_russian_and_when_empty(
    client: FlaskClient, coordinator: Account, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("focal_point")
    empty = browser.get("/countries/TJ").get_data(as_text=True)
    assert "No indicator figures are recorded for this country." in empty
    _put(client, coordinator, "people_in_treatment", 2021, "6500")
    russian = browser.get("/countries/TJ", headers={"Accept-Language": "ru"})
    tree = html.fromstring(russian.get_data(as_text=True))
    assert tree.xpath('//html[@lang="ru"]')
    title = tree.xpath('//figure[@id="indicator-people_in_treatment"]/figcaption')[0]
    assert title.text_content() == "Лица, проходящие лечение от наркозависимости (человек)"
    assert "Показатели по наркотикам и прекурсорам" in russian.get_data(as_text=True)
