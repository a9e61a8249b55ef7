"""The Paris Pact event pages: the list with its filters and pages, one event with its
recommendations and documents, the upload and download of documents, the registration and
edit forms; who may do what; in English and Russian."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html
from sqlalchemy import func, select

from adam.demo.pact import load_demo_pact
from adam.documents.models import Document
from adam.pact.models import Event
from adam.session import new_session
from tests.conftest import Account
from tests.pact.helpers import counts, create_event, create_pcg, create_rec
from tests.portal.helpers import csrf_token, post_form

NEW = "/events/new"


def _tree(client: FlaskClient, url: str, status: int = 200) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return html.fromstring(response.get_data(as_text=True))


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _listed(client: FlaskClient, url: str) -> list[str]:
    return [_text(a) for a in _tree(client, url).xpath("//tr[@data-event]/th/a")]


def _field(tree: html.HtmlElement, name: str) -> str:
    (found,) = tree.xpath(f'//dd[@data-field="{name}"]')
    return _text(found)


def _errors(tree: html.HtmlElement, name: str) -> list[str]:
    return [_text(li) for li in tree.xpath(f'//ul[@id="{name}-errors"]/li')]


def form_of(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "expert_working_group",
        "number": "",
        "title": "",
        "pillar": "precursors",
        "place": "Sofia",
        "host": "Bulgaria",
        "start_date": "2023-06-13",
        "date_precision": "day",
        "end_date": "2023-06-14",
        "countries": ["BG", "TR"],
        "routes": ["balkan"],
        "participants_countries": "34",
        "participants_organizations": "10",
        "participants_people": "140",
        "focus": "Trafficking in precursor chemicals",
        "outcome": "",
        "source": "",
    }
    data.update(overrides)
    return data


def _demo(app: Flask) -> dict[str, int]:
    """Load the demo Paris Pact; the ids of the events the tests read, by a short name."""
    with new_session(app) as session:
        load_demo_pact(session)
        session.commit()
        ids = {
            f"{e.kind.value}-{e.start_date.year}-{e.number or e.place}": e.id
            for e in session.scalars(select(Event))
        }
    return ids


def _documents(app: Flask) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(Document)) or 0


def upload(
    browser: FlaskClient,
    event_id: int,
    data: bytes,
    filename: str,
    *,
    title: str = "Agenda",
    category: str = "RPT",
    language: str = "en",
) -> Any:
    page = f"/events/{event_id}"
    return browser.post(
        f"{page}/documents",
        data={
            "csrf_token": csrf_token(browser, page),
            "file": (io.BytesIO(data), filename),
            "title": title,
            "category": category,
            "language": language,
        },
        content_type="multipart/form-data",
    )


@pytest.fixture()
def sofia(client: FlaskClient, coordinator: Account) -> dict[str, Any]:
    return create_event(client, coordinator)


# --- The list ---


def test_the_menu_links_to_the_events(browser_of: Callable[..., FlaskClient]) -> None:
    for role in ("viewer", "donor", "focal_point", "coordinator"):
        assert _tree(browser_of(role), "/projects").xpath('//nav//a[@href="/events"]'), role


def test_the_list_filters_and_pages(
    browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    create_event(client, coordinator)  # EWG, Sofia, 2023-06, precursors, BG TR, balkan
    create_pcg(client, coordinator)  # PCG 17, Vienna, 2023-12
    create_event(
        client,
        coordinator,
        kind="expert_round_table",
        number=8,
        place="Tashkent",
        pillar="regional_initiatives",
        start_date="2006-05-10",
        end_date=None,
        countries=["UZ", "TJ"],
        routes=["northern"],
    )
    browser = browser_of("donor")
    sofia = "Expert working group, Sofia"
    pcg = "Policy Consultative Group 17, Vienna"
    tashkent = "Expert round table 8, Tashkent"
    assert _listed(browser, "/events") == [pcg, sofia, tashkent]  # the latest first
    assert _listed(browser, "/events?kind=policy_consultative_group") == [pcg]
    assert _listed(browser, "/events?pillar=precursors") == [sofia]
    assert _listed(browser, "/events?route=northern") == [tashkent]
    assert _listed(browser, "/events?country=TJ") == [tashkent]
    assert _listed(browser, "/events?year=2023") == [pcg, sofia]
    assert _listed(browser, "/events?year=2023&kind=expert_working_group&route=balkan") == [sofia]
    assert _listed(browser, "/events?per_page=20&year=1999") == []
    # The chosen filters stay chosen.
    tree = _tree(browser, "/events?kind=expert_round_table")
    assert tree.xpath('//select[@id="kind"]/option[@selected]/@value') == ["expert_round_table"]
    # Dates as the sources give them.
    row = tree.xpath("//tr[@data-event]")[0]
    assert "May 10, 2006" in _text(row)


def test_the_list_pages_and_refuses_bad_filters(
    browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    for year in (2001, 2002, 2003):
        create_event(client, coordinator, place=f"Place {year}", start_date=f"{year}-03-01")
    browser = browser_of("viewer")
    # Any page size the API takes works, not only those the form offers.
    first = _tree(browser, "/events?per_page=2")
    assert len(first.xpath("//tr[@data-event]")) == 2
    assert first.xpath('//a[@rel="next"]') and not first.xpath('//a[@rel="prev"]')
    assert _listed(browser, "/events?per_page=2&page=2") == ["Expert working group, Place 2001"]
    for bad, said in (
        ("year=nineteen", "Year: Give a year from 1900 to 2200."),
        ("year=1492", "Year: Give a year from 1900 to 2200."),
        ("kind=banquet", "Kind of event: Choose a kind of event from the list."),
        ("country=XX", "Country: "),
    ):
        tree = _tree(browser, f"/events?{bad}", status=422)
        assert _text(tree.xpath('//div[@class="errors"]//li')[0]).startswith(said), bad
        assert not tree.xpath("//tr[@data-event]")


# --- One event ---


def test_the_page_shows_a_demo_event_and_its_recommendations(
    app: Flask, browser_of: Callable[..., FlaskClient]
) -> None:
    ids = _demo(app)
    browser = browser_of("viewer")
    # The first round table: the sources give only its month.
    first = _tree(browser, f"/events/{ids['expert_round_table-2003-1']}")
    assert _text(first.xpath("//h1")[0]) == "Expert round table 1, Brussels"
    dates = _field(first, "dates")
    assert dates.startswith("September 2003") and "1" not in dates.replace("2003", "")
    assert _field(first, "focus") == "Balkan route"
    assert _field(first, "routes") == "Balkan route"

    pcg = _tree(browser, f"/events/{ids['policy_consultative_group-2023-17']}")
    assert _text(pcg.xpath("//h1")[0]) == "Policy Consultative Group 17, Vienna"
    assert _field(pcg, "dates") == "December 11, 2023 – December 12, 2023"
    participants = _field(pcg, "participants")
    assert "Countries: 32" in participants and "Organisations: 9" in participants
    assert "Participants: 100" in participants
    assert _field(pcg, "outcome").startswith("Endorsed the operational priority")
    assert _field(pcg, "source") != "—"
    endorsed = pcg.xpath('//section[h2[@id="endorsed-heading"]]//tr[@data-recommendation]')
    assert len(endorsed) == 22
    for row in endorsed:
        (link,) = row.xpath("./th/a")
        assert link.get("href") == f"/recommendations/{row.get('data-recommendation')}"
        assert _text(row.xpath('./td[@data-field="state"]')[0]) == "Endorsed"
        assert _text(row.xpath('./td[@data-field="follow_up"]')[0]) == "Not started"
    assert "illustrative" in _text(endorsed[0])
    # The eighth round table (Dushanbe, 2006) recommended actions, on the public record and
    # still proposed.
    page = _tree(browser, f"/events/{ids['expert_round_table-2006-8']}")
    agreed = page.xpath('//section[h2[@id="agreed-heading"]]//tr[@data-recommendation]')
    assert agreed
    codes = [_text(row.xpath("./th/a")[0]) for row in agreed]
    assert all(code.startswith("ERT-2006-8/") for code in codes)
    assert {_text(row.xpath('./td[@data-field="state"]')[0]) for row in agreed} == {"Proposed"}
    assert not page.xpath('//h2[@id="endorsed-heading"]')


def test_the_page_splits_agreed_from_endorsed(
    browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    ewg = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    rec = create_rec(client, coordinator, ewg["id"])
    response = client.post(
        f"/api/v1/recommendations/{rec['id']}/state",
        json={"state": "endorsed", "endorsed_by": pcg["id"]},
        headers=coordinator.headers,
    )
    assert response.status_code == 200, response.json
    browser = browser_of("donor")
    ewg_page = _tree(browser, f"/events/{ewg['id']}")
    (row,) = ewg_page.xpath('//section[h2[@id="agreed-heading"]]//tr[@data-recommendation]')
    assert _text(row.xpath("./th/a")[0]) == rec["code"]
    assert _text(row.xpath('./td[@data-field="state"]')[0]) == "Endorsed"
    pcg_page = _tree(browser, f"/events/{pcg['id']}")
    assert not pcg_page.xpath('//section[h2[@id="agreed-heading"]]//tr')
    assert "No recommendation of this event is recorded." in _text(pcg_page)
    (row,) = pcg_page.xpath('//section[h2[@id="endorsed-heading"]]//tr[@data-recommendation]')
    assert row.get("data-recommendation") == str(rec["id"])
    assert _tree(browser, "/events/999999", status=404) is not None


# --- Documents ---


def test_a_document_uploaded_from_the_page_is_downloaded_by_a_donor(
    app: Flask, browser_of: Callable[..., FlaskClient], sofia: dict[str, Any]
) -> None:
    coordinator = browser_of("coordinator")
    data = b"Agenda of the expert working group\n"
    kept = upload(coordinator, sofia["id"], data, "agenda.txt", title="Agenda of the meeting")
    assert kept.status_code == 303, kept.get_data(as_text=True)[:2000]
    assert kept.headers["Location"] == f"/events/{sofia['id']}"
    page = coordinator.get(kept.headers["Location"]).get_data(as_text=True)
    assert "“Agenda of the meeting” is kept with the event." in page

    donor = browser_of("donor")
    text = donor.get(f"/events/{sofia['id']}").get_data(as_text=True)
    link = re.search(r'href="(/events/\d+/documents/(\d+)/content)" download>agenda.txt<', text)
    assert link, text
    assert 'id="upload"' not in text and "/withdraw" not in text  # no staff forms for donors
    download = donor.get(link.group(1), buffered=True)
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment")

    # Withdrawn by the coordinator: gone for the donor, kept in the database.
    withdraw = f"/events/{sofia['id']}/documents/{link.group(2)}/withdraw"
    done = post_form(coordinator, withdraw, {}, token_from=f"/events/{sofia['id']}")
    assert done.status_code == 303
    assert "agenda.txt" not in donor.get(f"/events/{sofia['id']}").get_data(as_text=True)
    assert donor.get(link.group(1)).status_code == 404
    assert _documents(app) == 1


def test_refused_uploads_are_explained_and_keep_nothing(
    app: Flask, browser_of: Callable[..., FlaskClient], sofia: dict[str, Any]
) -> None:
    coordinator = browser_of("coordinator")
    untitled = upload(coordinator, sofia["id"], b"x", "a.txt", title="")
    assert untitled.status_code == 422
    assert _errors(html.fromstring(untitled.get_data(as_text=True)), "title")
    unknown = upload(coordinator, sofia["id"], b"x", "a.txt", category="Z99")
    assert unknown.status_code == 422
    assert _errors(html.fromstring(unknown.get_data(as_text=True)), "category") == [
        "Choose a category from the list."
    ]
    empty = upload(coordinator, sofia["id"], b"", "empty.txt")
    assert empty.status_code in (413, 415, 422)
    assert _errors(html.fromstring(empty.get_data(as_text=True)), "file")
    assert _documents(app) == 0


# --- Who may write ---


def test_a_donor_may_not_register_edit_or_upload(
    app: Flask, browser_of: Callable[..., FlaskClient], sofia: dict[str, Any]
) -> None:
    donor = browser_of("donor")
    before = counts(app)
    page = f"/events/{sofia['id']}"
    tree = _tree(donor, page)
    assert not tree.xpath(f'//a[@href="{page}/edit"]')
    assert not _tree(donor, "/events").xpath(f'//a[@href="{NEW}"]')
    assert donor.get(NEW).status_code == 403
    assert donor.get(f"{page}/edit").status_code == 403
    assert post_form(donor, NEW, form_of(), token_from="/events").status_code == 403
    edited = post_form(donor, f"{page}/edit", form_of(place="Varna"), token_from=page)
    assert edited.status_code == 403
    assert upload(donor, sofia["id"], b"notes", "notes.txt").status_code == 403
    assert post_form(donor, f"{page}/withdraw", {}, token_from=page).status_code == 403
    assert post_form(donor, f"{page}/documents/1/withdraw", {}, token_from=page).status_code == 403
    assert counts(app) == before
    assert _documents(app) == 0


def test_a_coordinator_withdraws_an_event_no_recommendation_names(
    app: Flask, browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    named = create_event(client, coordinator, place="Ankara")
    create_rec(client, coordinator, named["id"])
    unnamed = create_event(client, coordinator, place="Samarkand")
    browser = browser_of("coordinator")
    page = f"/events/{named['id']}"
    refused = post_form(browser, f"{page}/withdraw", {"expected_version": "1"}, token_from=page)
    assert refused.status_code == 303
    text = browser.get(page).get_data(as_text=True)
    assert "is named by 1 recommendations that are not withdrawn" in text
    page = f"/events/{unnamed['id']}"
    assert upload(browser, unnamed["id"], b"report", "report.txt").status_code == 303
    done = post_form(
        browser,
        f"{page}/withdraw",
        {"expected_version": "1", "note": "Registered twice."},
        token_from=page,
    )
    assert done.status_code == 303
    assert "The event is withdrawn." in browser.get(page).get_data(as_text=True)
    (withdrawn,) = _tree(browser, page).xpath('//ol[@class="history"]/li[@data-action="withdraw"]')
    assert "Registered twice." in _text(withdrawn)
    donor = browser_of("donor")
    assert _listed(donor, "/events") == ["Expert working group, Ankara"]
    assert donor.get(page).status_code == 404  # withdrawn: for staff only now
    assert browser.get(f"{page}/edit").status_code == 409
    with new_session(app) as session:
        event = session.get(Event, unnamed["id"])
        assert event is not None and event.withdrawn_at is not None


# --- The forms ---


def test_a_coordinator_registers_and_edits_an_event(
    app: Flask, browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    browser = browser_of("coordinator")
    assert _tree(browser, "/events").xpath(f'//a[@href="{NEW}"]')
    form = _tree(browser, NEW)
    assert form.xpath('//select[@name="kind"]') and form.xpath('//input[@name="csrf_token"]')
    made = post_form(browser, NEW, form_of())
    assert made.status_code == 303, made.get_data(as_text=True)[:3000]
    event_id = int(made.headers["Location"].rsplit("/", 1)[1])
    stored = client.get(f"/api/v1/events/{event_id}", headers=coordinator.headers).json
    assert stored["place"] == "Sofia" and stored["pillar"] == "precursors"
    assert [c["code"] for c in stored["countries"]] == ["BG", "TR"]
    assert stored["routes"] == ["balkan"]
    assert stored["participants"] == {"countries": 34, "organizations": 10, "people": 140}
    assert stored["version"] == 1

    edit = f"/events/{event_id}/edit"
    tree = _tree(browser, edit)
    assert tree.xpath('//input[@name="version"]/@value') == ["1"]
    assert tree.xpath('//input[@name="place"]/@value') == ["Sofia"]
    assert sorted(tree.xpath('//select[@name="countries"]//option[@selected]/@value')) == [
        "BG",
        "TR",
    ]
    saved = post_form(
        browser,
        edit,
        form_of(
            place="Varna",
            date_precision="month",
            start_date="2023-06-01",
            end_date="",
            version="1",
        ),
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    stored = client.get(f"/api/v1/events/{event_id}", headers=coordinator.headers).json
    assert stored["place"] == "Varna" and stored["version"] == 2
    assert stored["date_precision"] == "month" and stored["end_date"] is None
    page = _tree(browser, f"/events/{event_id}")
    assert _field(page, "dates").startswith("June 2023")

    # A form read at version 1 is refused now: someone changed the event since.
    stale = post_form(browser, edit, form_of(place="Burgas", version="1"))
    assert stale.status_code == 409
    assert "changed since you read it" in stale.get_data(as_text=True)
    assert client.get(f"/api/v1/events/{event_id}", headers=coordinator.headers).json["place"] == (
        "Varna"
    )


def test_bad_input_shows_errors_beside_the_fields_and_writes_nothing(
    app: Flask, browser_of: Callable[..., FlaskClient], sofia: dict[str, Any]
) -> None:
    browser = browser_of("coordinator")
    before = counts(app)
    refused = post_form(
        browser,
        NEW,
        form_of(
            kind="banquet",
            number="first",
            pillar="poetry",
            start_date="2023-13-40",
            participants_people="-3",
            countries=["BG", "XX"],
        ),
    )
    assert refused.status_code == 422
    tree = html.fromstring(refused.get_data(as_text=True))
    assert _errors(tree, "kind") == ["Choose a kind of event from the list."]
    assert _errors(tree, "number") == ["Give a whole number from 1 to 10000."]
    assert _errors(tree, "pillar") == ["Choose a pillar from the list."]
    assert _errors(tree, "start_date") == ["Not a valid date."]
    assert _errors(tree, "participants.people") == ["Give a whole number from 0 to 100000."]
    assert _errors(tree, "countries") == ["Choose countries from the list."]
    # What was typed stays in the form.
    assert tree.xpath('//input[@name="number"]/@value') == ["first"]
    missing = html.fromstring(
        post_form(browser, NEW, form_of(kind="", start_date="")).get_data(as_text=True)
    )
    assert _errors(missing, "kind") and _errors(missing, "start_date")
    backwards = post_form(browser, NEW, form_of(end_date="2023-06-01"))
    assert backwards.status_code == 422
    assert _errors(html.fromstring(backwards.get_data(as_text=True)), "end_date") == [
        "The end date is before the start date."
    ]
    assert counts(app) == before

    edit = f"/events/{sofia['id']}/edit"
    bad_edit = post_form(browser, edit, form_of(place="x" * 201, version="1"))
    assert bad_edit.status_code == 422
    assert _errors(html.fromstring(bad_edit.get_data(as_text=True)), "place") == [
        "Longer than maximum length 200."
    ]
    assert counts(app) == before
    with new_session(app) as session:
        event = session.get(Event, sofia["id"])
        assert event is not None and event.place == "Sofia" and event.version == 1


# --- Languages ---


def test_the_pages_speak_russian(
    app: Flask, browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    ewg = create_event(client, coordinator)
    pcg = create_pcg(client, coordinator)
    rec = create_rec(client, coordinator, ewg["id"])
    client.post(
        f"/api/v1/recommendations/{rec['id']}/state",
        json={"state": "endorsed", "endorsed_by": pcg["id"]},
        headers=coordinator.headers,
    )
    browser = browser_of("coordinator")
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    listing = _tree(browser, "/events")
    assert listing.get("lang") == "ru"
    assert _text(listing.xpath("//h1")[0]) == "Мероприятия Парижского пакта"
    assert listing.xpath('//nav//a[@href="/events"]/text()') == ["Парижский пакт"]
    pcg_name = "Консультативная группа по вопросам политики 17, Vienna"
    assert _listed(browser, "/events")[0] == pcg_name
    page = _tree(browser, f"/events/{ewg['id']}")
    assert _field(page, "kind") == "Экспертная рабочая группа"
    assert _field(page, "routes") == "Балканский маршрут"
    assert "Участников: 140" in _field(page, "participants")
    assert "Рекомендации, согласованные на этом мероприятии" in _text(page)
    (row,) = page.xpath("//tr[@data-recommendation]")
    assert "Одобрена" in _text(row) and "Не начата" in _text(row)
    assert "Добавить повестку, презентацию или отчёт" in _text(page)
    refused_filter = _tree(browser, "/events?kind=banquet", status=422)
    assert _text(refused_filter.xpath('//div[@class="errors"]//li')[0]) == (
        "Вид мероприятия: Выберите вид мероприятия из списка."
    )
    form = _tree(browser, NEW)
    assert _text(form.xpath("//h1")[0]) == "Зарегистрировать мероприятие"
    refused = post_form(browser, NEW, form_of(kind="", number="x"))
    tree = html.fromstring(refused.get_data(as_text=True))
    assert _errors(tree, "kind") == ["Выберите вид мероприятия из списка."]
    assert _errors(tree, "number") == ["Укажите целое число от 1 до 10000."]


def test_the_forms_countries_come_with_the_pact_regions_first(
    browser_of: Callable[..., FlaskClient],
) -> None:
    """Among some 250 countries the form's list opens on the Paris Pact's own, with a hint
    that several may be chosen; the rest follow in a second group."""
    browser = browser_of("coordinator")
    tree = _tree(browser, "/events/new")
    (select_,) = tree.xpath('//select[@name="countries"]')
    assert select_.get("multiple") is not None
    assert select_.get("aria-describedby") == "countries-hint"
    assert "Ctrl" in tree.xpath('string(//*[@id="countries-hint"])')
    groups = select_.xpath("optgroup")
    assert [g.get("label") for g in groups] == [
        "Countries of the Paris Pact's regions",
        "Other countries",
    ]
    ours = groups[0].xpath("option/@value")
    assert {"AF", "TJ", "KZ", "RU", "TR", "RS"} <= set(ours)
    assert "US" not in ours and "US" in groups[1].xpath("option/@value")
    names = groups[0].xpath("option/text()")
    assert names == sorted(names)
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    russian = _tree(browser, "/events/new")
    labels = russian.xpath('//select[@name="countries"]/optgroup/@label')
    assert labels == ["Страны регионов Парижского пакта", "Другие страны"]


def test_the_page_shows_the_history_newest_first_in_russian(
    client: FlaskClient,
    coordinator: Account,
    browser_of: Callable[..., FlaskClient],
) -> None:
    event = create_event(client, coordinator)
    url = f"/api/v1/events/{event['id']}"
    client.patch(
        url, json={"host": "Bulgaria"}, headers={**coordinator.headers, "If-Match": event["_etag"]}
    )
    client.post(url + "/withdraw", json={"note": "Entered twice."}, headers=coordinator.headers)
    browser = browser_of("coordinator")
    page = _tree(browser, f"/events/{event['id']}")
    entries = page.xpath('//ol[@class="history"]/li')
    assert [li.get("data-action") for li in entries] == ["withdraw", "update", "create"]
    assert "Event withdrawn" in _text(entries[0]) and "Entered twice." in _text(entries[0])
    assert "Host: — → Bulgaria" in _text(entries[1])
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    russian = _tree(browser, f"/events/{event['id']}")
    assert _text(russian.xpath('//h2[@id="history-heading"]')[0]) == "История"
    withdrawn, updated, created = russian.xpath('//ol[@class="history"]/li')
    assert "Мероприятие отозвано" in _text(withdrawn)
    assert "Отозвано (хранится, но не в списках): Нет → Да" in _text(withdrawn)
    assert "Мероприятие изменено" in _text(updated)
    assert "Принимающая сторона: — → Bulgaria" in _text(updated)
    assert "Мероприятие зарегистрировано" in _text(created)
