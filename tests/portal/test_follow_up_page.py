"""The follow-up report page for a PCG meeting: per pillar each endorsed recommendation with
its status, linked projects, donors, budgets and latest note; its print style sheet; its
Excel and PDF downloads (the API's files, with the sign-in cookie); in English and Russian."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import html
from openpyxl import load_workbook

from tests.conftest import Account
from tests.pact.helpers import create_event, create_pcg, create_rec, pdf_text

PAGE = "/pact/follow-up"


def _tree(client: FlaskClient, url: str, status: int = 200) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return html.fromstring(response.get_data(as_text=True))


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture()
def meeting(
    client: FlaskClient, coordinator: Account, register: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """Two PCG meetings; one recommendation endorsed by each (different pillars), one only
    proposed; the first served by two confirmed projects (USD, EUR), with two notes."""
    event = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    later_pcg = create_pcg(client, coordinator, number=18, start_date="2024-12-10", end_date=None)
    rec = create_rec(client, coordinator, event["id"])
    other = create_rec(
        client,
        coordinator,
        event["id"],
        text_en="Trace the proceeds of trafficking.",
        pillar="financial_flows",
    )
    proposed = create_rec(client, coordinator, event["id"], text_en="Only proposed.")
    for r, p in ((rec, pcg), (other, later_pcg)):
        answer = client.post(
            f"/api/v1/recommendations/{r['id']}/state",
            json={"state": "endorsed", "endorsed_by": p["id"]},
            headers=coordinator.headers,
        )
        assert answer.status_code == 200, answer.json
    usd = register(title="Precursor control at border posts")
    eur = register(
        title="Backtracking investigations training",
        budget={"amount": "300000.50", "currency": "EUR"},
        start_date="2024-01-01",
        end_date="2027-12-31",
    )
    for project in (usd, eur):
        made = client.post(
            "/api/v1/links",
            json={"project_id": project["id"], "recommendation_id": rec["id"]},
            headers=coordinator.headers,
        )
        assert made.status_code == 201, made.json
    for day, text in (("2024-03-01", "An older note."), ("2024-06-01", "Two trainings held.")):
        noted = client.post(
            f"/api/v1/recommendations/{rec['id']}/notes",
            json={"noted_on": day, "text": text},
            headers=coordinator.headers,
        )
        assert noted.status_code == 201, noted.json
    moved = client.post(
        f"/api/v1/recommendations/{rec['id']}/follow-up",
        json={"status": "under_way", "note": "Trainings began."},
        headers=coordinator.headers,
    )
    assert moved.status_code == 200, moved.json
    return {
        "event": event,
        "pcg": pcg,
        "later_pcg": later_pcg,
        "rec": rec,
        "other": other,
        "proposed": proposed,
        "usd": usd,
        "eur": eur,
    }


def test_the_report_lists_per_pillar_the_endorsed_recommendations(
    browser_of: Callable[..., FlaskClient], meeting: dict[str, Any]
) -> None:
    browser = browser_of("donor")
    tree = _tree(browser, PAGE)
    assert tree.xpath('//nav//a[@href="/recommendations"]')  # the page is in the portal
    sections = tree.xpath('//section[@class="pillar"]')
    assert [s.get("data-pillar") for s in sections] == [
        "regional_initiatives",
        "financial_flows",
        "precursors",
        "drug_abuse_and_dependence",
    ]
    rows = {tr.get("data-recommendation"): tr for tr in tree.xpath("//tr[@data-recommendation]")}
    assert set(rows) == {str(meeting["rec"]["id"]), str(meeting["other"]["id"])}
    row = rows[str(meeting["rec"]["id"])]
    assert row.xpath("ancestor::section/@data-pillar") == ["precursors"]
    shown = _text(row)
    assert meeting["rec"]["code"] in shown and "Strengthen backtracking investigations" in shown
    assert _text(row.xpath('td[@data-field="follow_up"]')[0]) == "Under way"
    projects = [_text(li) for li in row.xpath(".//li[@data-project]")]
    assert projects[0].startswith(f"{meeting['eur']['code']}: Backtracking investigations training")
    assert "Foreign, Commonwealth & Development Office" in projects[0]
    assert "€300,000.50" in projects[0] and "Jan 1, 2024" in projects[0]
    assert "$1,250,000.00" in projects[1]
    sums = {span.get("data-sum"): _text(span) for span in row.xpath(".//span[@data-sum]")}
    assert sums == {"EUR": "€300,000.50", "USD": "$1,250,000.00"}
    assert "Jun 1, 2024: Two trainings held." in shown and "older" not in shown
    assert "Endorsed by Policy Consultative Group 17" in shown
    other = _text(rows[str(meeting["other"]["id"])])
    assert "None" in other and "Not started" in other
    assert "No endorsed recommendation in this pillar." in _text(sections[0])


def test_the_report_is_chosen_by_pcg_meeting_and_pillar(
    browser_of: Callable[..., FlaskClient], meeting: dict[str, Any]
) -> None:
    browser = browser_of("viewer")
    tree = _tree(browser, PAGE)
    options = tree.xpath('//select[@id="event"]/option/@value')
    # Only PCG meetings, the latest first; not the expert meeting.
    assert options == ["", str(meeting["later_pcg"]["id"]), str(meeting["pcg"]["id"])]
    url = f"{PAGE}?event={meeting['pcg']['id']}"
    one = _tree(browser, url)
    assert one.xpath(f'//select[@id="event"]/option[@value="{meeting["pcg"]["id"]}"][@selected]')
    assert "Policy Consultative Group 17" in _text(one.xpath("//h1")[0])
    listed = one.xpath("//tr[@data-recommendation]/@data-recommendation")
    assert listed == [str(meeting["rec"]["id"])]
    pillar = _tree(browser, f"{PAGE}?pillar=financial_flows")
    assert pillar.xpath('//section[@class="pillar"]/@data-pillar') == ["financial_flows"]
    assert pillar.xpath("//tr[@data-recommendation]/@data-recommendation") == [
        str(meeting["other"]["id"])
    ]
    excel = one.xpath('//a[@data-download="xlsx"]/@href')
    assert excel == [f"/pact/follow-up.xlsx?event={meeting['pcg']['id']}"]
    pdf = one.xpath('//a[@data-download="pdf"]/@href')
    assert pdf == [f"/pact/follow-up.pdf?event={meeting['pcg']['id']}"]


def test_a_bad_choice_is_named_not_a_500(
    browser_of: Callable[..., FlaskClient], meeting: dict[str, Any]
) -> None:
    browser = browser_of("viewer")
    for bad in (
        f"{PAGE}?event={meeting['event']['id']}",  # an expert meeting, not a PCG
        f"{PAGE}?event=999999",
        f"{PAGE}?pillar=nowhere",
        f"{PAGE}?event=abc",
    ):
        tree = _tree(browser, bad, 422)
        assert tree.xpath('//div[@class="errors"]//li'), bad
    expert = _tree(browser, f"{PAGE}?event={meeting['event']['id']}", 422)
    assert "is not a meeting of the Policy Consultative Group" in _text(expert)
    for download in ("xlsx", "pdf"):
        refused = browser.get(f"/pact/follow-up.{download}?event={meeting['event']['id']}")
        assert refused.status_code == 422, download
        assert "is not a meeting of the Policy Consultative Group" in refused.get_data(as_text=True)
    assert browser.get("/pact/follow-up.pdf?pillar=nowhere").status_code == 422


def test_the_excel_download_is_the_api_s_workbook(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    meeting: dict[str, Any],
) -> None:
    browser = browser_of("viewer")
    response = browser.get(f"/pact/follow-up.xlsx?event={meeting['pcg']['id']}")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "pact-follow-up-" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["Code"] == meeting["rec"]["code"] and row["Follow-up status"] == "Under way"
    assert Decimal(str(row["Budget, USD"])) == Decimal("1250000.00")
    assert Decimal(str(row["Budget, EUR"])) == Decimal("300000.50")
    assert row["Latest progress note"] == "Two trainings held."
    api = client.get(
        f"/api/v1/pact/follow-up?event={meeting['pcg']['id']}&format=xlsx",
        headers=coordinator.headers,
    )
    api_rows = list(load_workbook(io.BytesIO(api.data)).active.iter_rows(values_only=True))
    assert api_rows == rows


def test_the_print_style_sheet_is_served_and_linked(
    browser_of: Callable[..., FlaskClient], meeting: dict[str, Any]
) -> None:
    browser = browser_of("viewer")
    tree = _tree(browser, PAGE)
    (href,) = tree.xpath('//link[@rel="stylesheet"][contains(@href, "follow_up.css")]/@href')
    sheet = browser.get(href)
    assert sheet.status_code == 200 and sheet.mimetype == "text/css"
    css = sheet.get_data(as_text=True)
    sheet.close()  # a file sent from disk stays open until the response is closed
    assert "@media print" in css
    printed = css[css.index("@media print") :]
    for rule in ("header.top", "border: 1px solid", "break-before: page"):
        assert rule in printed, rule
    # What print hides is marked on the page.
    assert tree.xpath('//form[contains(@class, "screen-only")]')


def test_the_report_speaks_russian(
    browser_of: Callable[..., FlaskClient], meeting: dict[str, Any]
) -> None:
    browser = browser_of("viewer")
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    tree = _tree(browser, PAGE)
    assert tree.get("lang") == "ru"
    assert _text(tree.xpath("//h1")[0]) == "Отчёт о выполнении"
    text = _text(tree)
    for shown in (
        "Прекурсоры",
        "Выполняется",
        "Последняя заметка о ходе работы",
        "Одобрена: Консультативная группа по вопросам политики 17",
    ):
        assert shown in text, shown


def test_the_excel_download_speaks_russian(
    browser_of: Callable[..., FlaskClient], meeting: dict[str, Any]
) -> None:
    browser = browser_of("viewer")
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    response = browser.get(f"/pact/follow-up.xlsx?event={meeting['pcg']['id']}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.active.title == "Отчёт о выполнении"
    rows = list(book.active.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["Направление", "Код", "Текст на английском"]
    assert "Бюджет, USD" in header and "Статус выполнения" in header
    row = dict(zip(header, rows[1], strict=True))
    assert row["Направление"] == "Прекурсоры" and row["Статус выполнения"] == "Выполняется"
    assert row["Где одобрена"] == "Консультативная группа по вопросам политики 17"
    assert row["Код"] == meeting["rec"]["code"]


def test_the_pdf_link_gives_the_api_s_pdf(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    meeting: dict[str, Any],
) -> None:
    browser = browser_of("viewer")
    tree = _tree(browser, f"{PAGE}?event={meeting['pcg']['id']}")
    (href,) = tree.xpath('//a[@data-download="pdf"]/@href')
    response = browser.get(href)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert "pact-follow-up-" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    text = pdf_text(response.data)
    for shown in (
        "Follow-up report: Policy Consultative Group 17, Vienna, Dec 11, 2023",
        meeting["rec"]["code"],
        "Follow-up status: Under way",
        "Latest progress note: Jun 1, 2024: Two trainings held.",
        "$1,250,000.00",
    ):
        assert shown in text, shown
    assert meeting["other"]["code"] not in text and "older" not in text
    api = client.get(
        f"/api/v1/pact/follow-up?event={meeting['pcg']['id']}&format=pdf",
        headers=coordinator.headers,
    )
    assert pdf_text(api.data) == text


def test_the_pdf_download_speaks_russian(
    browser_of: Callable[..., FlaskClient], meeting: dict[str, Any]
) -> None:
    browser = browser_of("viewer")
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    response = browser.get(f"/pact/follow-up.pdf?event={meeting['pcg']['id']}")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert text.startswith("Отчёт о выполнении: Консультативная группа по вопросам политики 17")
    for shown in ("Прекурсоры", "Статус выполнения: Выполняется", "Страница 1 из 1"):
        assert shown in text, shown
