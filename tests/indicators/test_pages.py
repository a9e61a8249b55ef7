"""Entering a figure and importing a file of them from the portal's pages, by role, with
clear errors and nothing written when anything is wrong, in English and Russian."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from adam.indicators import catalogue
from adam.indicators.models import CountryIndicator, IndicatorHistory
from adam.session import new_session
from tests.indicators.test_imports import GOOD_CSV
from tests.portal.conftest import browser_of, person
from tests.portal.helpers import csrf_token

__all__ = ["browser_of", "person"]  # the portal's fixtures, used here too

ENTER = "/indicators/enter"
IMPORT = "/indicators/import"
TEMPLATE = "/indicators/import/template.csv"
RU = {"Accept-Language": "ru"}
GOOD = {
    "country": "TJ",
    "year": "2021",
    "indicator": "seizures_heroin",
    "value": "1250.5",
    "unit": "",
    "source": "DCA annual report",
    "note": "",
}


def _counts(app: Flask) -> tuple[int, int]:
    with new_session(app) as session:
        figures = session.scalar(select(func.count()).select_from(CountryIndicator)) or 0
        history = session.scalar(select(func.count()).select_from(IndicatorHistory)) or 0
    return int(figures), int(history)


def _enter(browser: FlaskClient, headers: dict[str, str] | None = None, **fields: str) -> Any:
    token = csrf_token(browser, ENTER)
    return browser.post(ENTER, data={"csrf_token": token, **GOOD, **fields}, headers=headers or {})


def _upload(
    browser: FlaskClient, content: bytes, filename: str = "sheet.csv", **headers: str
) -> TestResponse:
    # Encoded in memory: the test client would spool a large body to a file it leaves open.
    token = csrf_token(browser, IMPORT)
    fields = {"csrf_token": token, "file": FileStorage(io.BytesIO(content), filename)}
    boundary, body = encode_multipart(fields)
    return browser.post(
        IMPORT,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )


def _field_errors(page: TestResponse, name: str) -> list[str]:
    tree = html.fromstring(page.get_data(as_text=True))
    return [li.text_content() for li in tree.xpath(f'//ul[@id="{name}-errors"]/li')]


def test_a_focal_point_enters_a_figure_of_their_country(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("focal_point")
    form = browser.get(f"{ENTER}?country=TJ")
    assert form.status_code == 200
    tree = html.fromstring(form.get_data(as_text=True))
    # A focal point is offered their own country only; every indicator shows its unit.
    assert tree.xpath('//select[@id="country"]/option/@value') == ["TJ"]
    assert "Heroin seizures (kg)" in tree.xpath('//select[@id="indicator"]//text()')
    saved = _enter(browser, note="First report")
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith("/countries/TJ#indicators-title")
    country = browser.get("/countries/TJ").get_data(as_text=True)
    assert "Saved: Heroin seizures, Tajikistan, 2021: 1,250.5 kg." in country
    again = _enter(browser, value="1300")
    assert again.status_code == 303
    assert "Replaced: Heroin seizures" in browser.get("/countries/TJ").get_data(as_text=True)
    assert _counts(app) == (1, 2)
    with new_session(app) as session:
        notes = [h.note for h in session.scalars(select(IndicatorHistory).order_by("id"))]
    assert notes == ["First report", None]


def test_a_focal_point_of_tj_cannot_enter_for_af(
    app: Flask, browser_of: Callable[..., FlaskClient], client: FlaskClient
) -> None:
    browser = browser_of("focal_point")
    refused = _enter(browser, country="AF")
    assert refused.status_code == 403
    assert "Focal points may only enter the indicators of their country (TJ)." in (
        refused.get_data(as_text=True)
    )
    # Refused even when the rest is wrong too: the country is judged first.
    assert _enter(browser, country="AF", value="lots").status_code == 403
    assert _counts(app) == (0, 0)
    # The API says the same.
    api = client.put(
        "/api/v1/countries/AF/indicators/seizures_heroin/2021",
        json={"value": "5"},
        headers=browser.account.headers,  # type: ignore[attr-defined]
    )
    assert api.status_code == 403
    assert _counts(app) == (0, 0)


def test_a_coordinator_enters_for_any_country(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    options = html.fromstring(browser.get(ENTER).get_data(as_text=True)).xpath(
        '//select[@id="country"]/option/@value'
    )
    assert {"AF", "TJ", ""} <= set(options)
    assert _enter(browser, country="AF").status_code == 303
    assert _counts(app) == (1, 1)


@pytest.mark.parametrize("role", ["donor", "viewer"])
def test_donors_and_viewers_may_not_open_the_pages(
    browser_of: Callable[..., FlaskClient], role: str
) -> None:
    browser = browser_of(role)
    assert browser.get(ENTER).status_code == 403
    assert browser.get(IMPORT).status_code == 403
    page = browser.get("/countries/TJ").get_data(as_text=True)
    assert "/indicators/enter" not in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"value": "lots"}, "value", 'Not a number: give digits, e.g. "1250.5".'),
        ({"value": "1,900.5,3"}, "value", '"1,900.5,3" can be read in more than one way'),
        ({"value": "1,900"}, "value", "can be read in more than one way"),
        ({"value": "1 90"}, "value", "Not a number"),
        ({"value": "-4"}, "value", "A figure cannot be negative."),
        ({"value": ""}, "value", 'Give the figure, e.g. "1250.5".'),
        ({"indicator": "seizures_gold"}, "indicator", "Unknown indicator: seizures_gold."),
        ({"indicator": ""}, "indicator", "Choose an indicator of the list."),
        ({"year": "1989"}, "year", "The year must be from 1990 to"),
        ({"year": "3000"}, "year", "The year must be from 1990 to"),
        ({"year": "20x1"}, "year", "Give the year as four digits"),
        ({"country": "XX"}, "country", "Choose a country of the list."),
        ({"source": "x" * 301}, "source", "Longer than maximum length 300."),
        ({"note": "x" * 2001}, "note", "Longer than maximum length 2000."),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_writes_nothing(
    app: Flask,
    browser_of: Callable[..., FlaskClient],
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    browser = browser_of("coordinator")
    page = _enter(browser, **fields)
    assert page.status_code == 422
    assert any(message in m for m in _field_errors(page, field)), _field_errors(page, field)
    # What was typed is shown again.
    tree = html.fromstring(page.get_data(as_text=True))
    assert tree.xpath('//input[@id="source"]/@value') == [fields.get("source", GOOD["source"])]
    assert _counts(app) == (0, 0)


def test_a_form_without_its_csrf_token_is_refused(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    assert browser.post(ENTER, data=GOOD).status_code == 400
    assert _counts(app) == (0, 0)


def test_the_entry_page_in_russian(app: Flask, browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("focal_point")
    page = browser.get(ENTER, headers=RU).get_data(as_text=True)
    assert "Ввести значение показателя" in page
    assert "Изъятия героина (кг)" in page
    wrong = _enter(browser, headers=RU, value="lots", year="1989")
    assert wrong.status_code == 422
    assert _field_errors(wrong, "value") == ["Не число: укажите цифры, например «1250.5»."]
    assert _field_errors(wrong, "year")[0].startswith("Год должен быть от 1990 до")
    assert _enter(browser, headers=RU).status_code == 303
    # Babel groups Russian thousands with a no-break space.
    shown = browser.get("/countries/TJ", headers=RU).get_data(as_text=True).replace("\xa0", " ")
    assert "Сохранено: Изъятия героина, Таджикистан, 2021: 1 250,5 кг." in shown
    assert _counts(app) == (1, 1)


def test_the_country_page_links_the_pages_for_those_allowed(
    browser_of: Callable[..., FlaskClient],
) -> None:
    focal = browser_of("focal_point")
    own = html.fromstring(focal.get("/countries/TJ").get_data(as_text=True))
    assert own.xpath('//p[@id="indicator-actions"]/a/@href') == [
        "/indicators/enter?country=TJ",
        "/indicators/import",
    ]
    other = html.fromstring(focal.get("/countries/AF").get_data(as_text=True))
    assert other.xpath('//p[@id="indicator-actions"]') == []
    coordinator = browser_of("coordinator")
    assert html.fromstring(coordinator.get("/countries/AF").get_data(as_text=True)).xpath(
        '//p[@id="indicator-actions"]/a/@href'
    ) == ["/indicators/enter?country=AF", "/indicators/import"]


# --- Import ---


def _report(page: TestResponse) -> dict[int, tuple[str, str]]:
    tree = html.fromstring(page.get_data(as_text=True))
    return {
        int(tr.xpath("./th")[0].text_content()): (
            tr.xpath("./td")[0].text_content(),
            tr.xpath("./td")[4].text_content(),
        )
        for tr in tree.xpath('//table[@id="report-rows"]/tbody/tr')
    }


def test_a_good_file_is_imported_with_its_report(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    form = browser.get(IMPORT).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    page = _upload(browser, GOOD_CSV.encode())
    assert page.status_code == 200
    assert "The file was imported: 3 created, 0 updated, 0 unchanged." in page.get_data(
        as_text=True
    )
    assert _report(page) == {2: ("Created", ""), 3: ("Created", ""), 4: ("Created", "")}
    assert _counts(app) == (3, 3)


def test_one_wrong_row_writes_nothing_and_is_named_by_its_number(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    content = GOOD_CSV + "TJ,seizures_opium,2021,lots,DCA\nTJ,seizures_gold,1989,1,\n"
    page = _upload(browser, content.encode())
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "2 row(s) of the file have errors; nothing was written." in text
    report = _report(page)
    assert report[2] == ("Not written (other rows have errors)", "")
    assert report[5][0] == "Error"
    assert report[5][1].startswith('value: Not a number: give digits, e.g. "1250.5".')
    assert "indicator: Unknown indicator: seizures_gold." in report[6][1]
    assert "year: The year must be from 1990" in report[6][1]
    assert _counts(app) == (0, 0)


def test_a_focal_points_import_of_another_country_writes_nothing(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("focal_point")
    page = _upload(browser, GOOD_CSV.encode())
    assert page.status_code == 422
    assert (
        "Focal points may only enter the indicators of their country (TJ)." in (_report(page)[4][1])
    )
    assert _counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"", "sheet.csv", "The file is empty."),
        (b"country,indicator\nTJ,seizures_heroin\n", "sheet.csv", "missing: year, value"),
        (b"%PDF-1.4", "report.pdf", "Send a CSV file (.csv) or an Excel workbook (.xlsx)."),
        (b"PK\x03\x04garbage", "sheet.xlsx", "The Excel file cannot be read"),
    ],
)
def test_a_bad_file_is_refused_beside_the_file_field(
    app: Flask, browser_of: Callable[..., FlaskClient], content: bytes, filename: str, expected: str
) -> None:
    browser = browser_of("coordinator")
    page = _upload(browser, content, filename)
    assert page.status_code == 422
    assert any(expected in m for m in _field_errors(page, "file")), _field_errors(page, "file")
    assert _counts(app) == (0, 0)


def test_no_file_and_a_file_too_large(app: Flask, browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("coordinator")
    token = csrf_token(browser, IMPORT)
    none = browser.post(IMPORT, data={"csrf_token": token})
    assert none.status_code == 422
    assert _field_errors(none, "file") == ["Choose the CSV or Excel file to import."]
    large = _upload(browser, b"country,indicator,year,value\n" + b"x" * (3 * 1024 * 1024))
    assert large.status_code == 413
    assert "The file is larger than the 2 MB an import accepts." in large.get_data(as_text=True)
    assert _counts(app) == (0, 0)


def test_the_import_page_and_its_report_in_russian(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    assert "Импорт значений показателей" in browser.get(IMPORT, headers=RU).get_data(as_text=True)
    content = GOOD_CSV + "TJ,seizures_opium,2021,lots,DCA\n"
    page = _upload(browser, content.encode(), **RU)
    assert page.status_code == 422
    report = _report(page)
    assert report[5][0] == "Ошибка"
    # Each message names its column as the Russian header does.
    assert report[5][1].startswith("значение: Не число")
    assert report[2][0] == "Не записана (в других строках ошибки)"
    assert _counts(app) == (0, 0)


# --- What a focal point writes as they read it ---


def _rows(page: TestResponse, table: str) -> list[list[str]]:
    tree = html.fromstring(page.get_data(as_text=True))
    return [
        [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        for tr in tree.xpath(f'//table[@id="{table}"]/tbody/tr')
    ]


def test_the_import_page_lists_the_indicators_and_columns(
    browser_of: Callable[..., FlaskClient],
) -> None:
    browser = browser_of("focal_point")
    page = browser.get(IMPORT)
    indicators = _rows(page, "catalogue-list")
    assert [row[0] for row in indicators] == list(catalogue.CODES)
    assert indicators[0] == ["seizures_heroin", "Heroin seizures", "Изъятия героина", "kg"]
    assert ["precursors" in row[0] for row in indicators].count(True) == 2
    columns = _rows(page, "column-list")
    names = [row[0] for row in columns]
    assert names == ["country", "indicator", "year", "value", "source", "note"]
    assert "Required." in columns[3][2] and "Required." not in columns[4][2]
    russian = browser.get(IMPORT, headers=RU)
    assert _rows(russian, "catalogue-list")[0] == [
        "seizures_heroin",
        "Heroin seizures",
        "Изъятия героина",
        "кг",
    ]
    assert [row[:2] for row in _rows(russian, "column-list")][:2] == [
        ["страна", "country"],
        ["показатель", "indicator"],
    ]
    assert "/api/" not in page.get_data(as_text=True)


def test_the_template_is_a_file_the_import_takes(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("focal_point")
    link = html.fromstring(browser.get(IMPORT).get_data(as_text=True)).xpath(
        '//section[@id="columns"]//a/@href'
    )
    assert link == [TEMPLATE]
    template = browser.get(TEMPLATE)
    assert template.status_code == 200
    assert template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    text = template.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "country,indicator,year,value,source,note"
    russian = browser.get(TEMPLATE, headers=RU).get_data().decode("utf-8-sig")
    assert russian.splitlines()[0] == "страна,показатель,год,значение,источник,примечание"
    # Sent back as it is, the example row is imported (a focal point of TJ may).
    assert _upload(browser, russian.encode()).status_code == 200
    assert _counts(app) == (1, 1)
    assert browser_of("donor").get(TEMPLATE).status_code == 403


def test_indicators_and_countries_by_name_and_figures_as_russian_pages_show_them(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    content = (
        "страна,показатель,год,значение\n"
        'Таджикистан,Heroin seizures,2021,"455,5"\n'
        "tajikistan,ИЗЪЯТИЯ  ОПИЯ,2021,1 900\n"
        "TJ,people in drug treatment,2021,1\u00a0250\n"
    )
    page = _upload(browser, content.encode(), **RU)
    assert page.status_code == 200, _report(page)
    with new_session(app) as session:
        figures = session.scalars(select(CountryIndicator))
        stored = {(f.country_code, f.indicator): f.value for f in figures}
    assert stored == {
        ("TJ", "seizures_heroin"): Decimal("455.5"),
        ("TJ", "seizures_opium"): Decimal("1900"),
        ("TJ", "people_in_treatment"): Decimal("1250"),
    }


def test_a_wrong_row_shows_what_the_file_said_in_the_readers_language(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("coordinator")
    content = GOOD_CSV + 'Narnia,Gold seizures,20x1,"1,900.5,3",\n'
    page = _upload(browser, content.encode())
    assert page.status_code == 422
    row = next(r for r in _rows(page, "report-rows") if r[0] == "5")
    assert row[2:5] == ["Narnia", "Gold seizures", "20x1"]
    assert "Unknown indicator: Gold seizures." in row[5]
    assert "/api/" not in page.get_data(as_text=True)
    russian = _upload(browser, content.encode(), **RU)
    errors = html.fromstring(russian.get_data(as_text=True)).xpath(
        '//tr[@id="row-5"]//ul[@class="field-errors"]/li/text()'
    )
    assert [e.split(":")[0] for e in errors] == ["страна", "показатель", "год", "значение"]
    assert errors[1].startswith("показатель: Неизвестный показатель: Gold seizures.")
    assert "можно прочесть по-разному" in errors[3]
    assert _counts(app) == (0, 0)


def test_the_entry_form_shows_the_unit_and_takes_figures_as_pages_show_them(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    browser = browser_of("focal_point")
    tree = html.fromstring(browser.get(ENTER).get_data(as_text=True))
    assert tree.xpath('//*[@name="unit"]') == []
    assert tree.xpath('//option[@value="seizures_precursors_liquid"]/@data-unit') == ["litres"]
    # After a refusal the chosen indicator's unit is shown as text.
    wrong = _enter(browser, headers=RU, indicator="people_in_treatment", value="1,900.5,3")
    assert wrong.status_code == 422
    shown = html.fromstring(wrong.get_data(as_text=True)).xpath('//output[@id="unit"]/text()')
    assert shown == ["человек"]
    assert _field_errors(wrong, "value")[0].startswith("«1,900.5,3» можно прочесть по-разному")
    assert _enter(browser, value="1\u00a0250,5").status_code == 303
    assert _enter(browser, year="2022", value="455,5").status_code == 303
    with new_session(app) as session:
        values = sorted(f.value for f in session.scalars(select(CountryIndicator)))
    assert values == [Decimal("455.5"), Decimal("1250.5")]


def test_a_donor_is_told_who_may_enter_figures(browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("donor")
    entry = browser.get(ENTER).get_data(as_text=True)
    assert "Only coordinators, administrators and focal points may enter indicators." in entry
    assert "import" not in html.fromstring(entry).xpath("string(//main)")
    russian = browser.get(IMPORT, headers=RU)
    assert russian.status_code == 403
