"""The recommendation pages: the list with its filters and pages, one recommendation with its
texts, state, history and follow-up (linked projects with their budgets, suggestions to
decide on, progress notes), the state and follow-up forms, the registration and edit forms;
who may do what; bad input; in English and Russian."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from lxml import html

from adam.coverage.models import CoverageLink
from adam.pact.models import Recommendation
from adam.session import new_session
from tests.conftest import Account
from tests.pact.helpers import counts, create_event, create_pcg, create_rec
from tests.portal.helpers import post_form

NEW = "/recommendations/new"
BORDER = "Strengthen the border liaison offices on the Tajik-Afghan border."
BORDER_RU = "Укрепить пункты пограничной связи на таджикско-афганской границе."


def _tree(client: FlaskClient, url: str, status: int = 200) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return html.fromstring(response.get_data(as_text=True))


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _listed(client: FlaskClient, url: str) -> list[str]:
    return [_text(a) for a in _tree(client, url).xpath("//tr[@data-recommendation]/th/a")]


def _errors(response: Any, name: str) -> str:
    tree = html.fromstring(response.get_data(as_text=True))
    found = tree.xpath(f'//ul[@id="{name}-errors"]')
    assert found, f"no errors beside {name}: {response.get_data(as_text=True)[:3000]}"
    return _text(found[0])


def _version(app: Flask, rec_id: int) -> int:
    with new_session(app) as session:
        return session.scalars(sa.select(Recommendation.version).filter_by(id=rec_id)).one()


def _endorse(client: FlaskClient, coordinator: Account, rec_id: int, pcg_id: int) -> None:
    answer = client.post(
        f"/api/v1/recommendations/{rec_id}/state",
        json={"state": "endorsed", "endorsed_by": pcg_id},
        headers=coordinator.headers,
    )
    assert answer.status_code == 200, answer.json


@pytest.fixture()
def event(client: FlaskClient, coordinator: Account) -> dict[str, Any]:
    return create_event(client, coordinator, pillar="regional_initiatives")


@pytest.fixture()
def pcg(client: FlaskClient, coordinator: Account) -> dict[str, Any]:
    return create_pcg(client, coordinator)


@pytest.fixture()
def project(register: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A TJ border project (FCDO, UNODC, 1,250,000 USD) that the border recommendation is
    suggested."""
    return register()


@pytest.fixture()
def border(
    client: FlaskClient, coordinator: Account, event: dict[str, Any], project: dict[str, Any]
) -> dict[str, Any]:
    """An illustrative recommendation in both languages, with one suggested project."""
    return create_rec(
        client,
        coordinator,
        event["id"],
        text_en=BORDER,
        text_ru=BORDER_RU,
        illustrative=True,
        themes=["border-control"],
        routes=["northern"],
        addressees=["governments", "donors"],
    )


# --- The list ---


def test_the_menu_links_to_the_recommendations(browser_of: Callable[..., FlaskClient]) -> None:
    for role in ("viewer", "donor", "focal_point", "coordinator"):
        tree = _tree(browser_of(role), "/projects")
        assert tree.xpath('//nav//a[@href="/recommendations"]'), role


def test_the_list_filters_and_pages(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    event: dict[str, Any],
    pcg: dict[str, Any],
) -> None:
    first = create_rec(client, coordinator, event["id"], text_en=BORDER, themes=["border-control"])
    second = create_rec(
        client,
        coordinator,
        event["id"],
        text_en="Trace the proceeds of opiate trafficking through hawala networks.",
        pillar="financial_flows",
        countries=["AF"],
        themes=["precursor-control"],
    )
    third = create_rec(client, coordinator, event["id"], text_en="Share precursor seizure data.")
    _endorse(client, coordinator, third["id"], pcg["id"])
    moved = client.post(
        f"/api/v1/recommendations/{third['id']}/follow-up",
        json={"status": "under_way", "note": "A first meeting was held."},
        headers=coordinator.headers,
    )
    assert moved.status_code == 200, moved.json
    codes = [first["code"], second["code"], third["code"]]
    browser = browser_of("viewer")
    assert _listed(browser, "/recommendations") == sorted(codes)
    assert _listed(browser, "/recommendations?state=endorsed") == [third["code"]]
    assert _listed(browser, "/recommendations?pillar=financial_flows") == [second["code"]]
    assert _listed(browser, "/recommendations?theme=border-control&country=") == [first["code"]]
    assert _listed(browser, "/recommendations?country=AF") == [second["code"]]
    assert _listed(browser, "/recommendations?follow_up=under_way") == [third["code"]]
    assert _listed(browser, "/recommendations?q=hawala") == [second["code"]]
    tree = _tree(browser, "/recommendations?per_page=2&page=2")
    assert [_text(a) for a in tree.xpath("//tr[@data-recommendation]/th/a")] == sorted(codes)[2:]
    assert "Page 2 of 2" in _text(tree.xpath('//nav[@class="pager"]')[0])
    assert "Recommendations found: 3" in _text(tree)
    row = _text(
        _tree(browser, "/recommendations?state=endorsed").xpath("//tr[@data-recommendation]")[0]
    )
    assert "Endorsed" in row and "Under way" in row and "Share precursor seizure data." in row
    chosen = _tree(browser, "/recommendations?pillar=precursors&state=endorsed")
    assert chosen.xpath('//select[@id="pillar"]/option[@value="precursors"][@selected]')
    assert chosen.xpath('//input[@id="state-endorsed"][@checked]')
    # A viewer registers nothing.
    assert not _tree(browser, "/recommendations").xpath(f'//a[@href="{NEW}"]')
    assert _tree(browser_of("coordinator"), "/recommendations").xpath(f'//a[@href="{NEW}"]')


def test_bad_filters_are_named_not_a_500(browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("viewer")
    for bad in (
        "/recommendations?country=ZZ",
        "/recommendations?pillar=nowhere",
        "/recommendations?follow_up=done",
        "/recommendations?page=0",
    ):
        tree = _tree(browser, bad, 422)
        assert tree.xpath('//div[@class="errors"]//li'), bad


def test_a_stranger_is_sent_to_sign_in(client: FlaskClient) -> None:
    for url in ("/recommendations", "/recommendations/1", NEW, "/pact/follow-up"):
        response = client.get(url)
        assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]


# --- One recommendation ---


def test_the_page_shows_the_texts_fields_state_and_history(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    event: dict[str, Any],
    pcg: dict[str, Any],
) -> None:
    _endorse(client, coordinator, border["id"], pcg["id"])
    url = f"/recommendations/{border['id']}"
    tree = _tree(browser_of("viewer"), url)
    assert border["code"] in _text(tree.xpath("//h1")[0])
    assert tree.xpath('//p[@data-illustrative="true"]')
    assert "Illustrative stand-in text" in _text(tree.xpath('//p[@data-illustrative="true"]')[0])
    # The reader's language first, the other below.
    assert [s.get("lang") for s in tree.xpath('//section[@class="text"]')] == ["en", "ru"]
    assert BORDER in _text(tree.xpath('//section[@lang="en"]')[0])
    assert BORDER_RU in _text(tree.xpath('//section[@lang="ru"]')[0])
    fields = {
        dd.get("data-field"): _text(dd)
        for dd in tree.xpath('//dl[@class="fields"]/dd[@data-field]')
    }
    assert fields["code"] == border["code"]
    assert fields["state"].startswith("Endorsed — endorsed by Policy Consultative Group 17")
    assert fields["pillar"] == "Regional initiatives"
    assert fields["themes"] == "Border control and management"
    assert fields["countries"] == "Tajikistan"
    assert fields["routes"] == "Northern route"
    assert fields["addressees"] == "Governments, Donors"
    assert fields["follow_up"] == "Not started"
    assert fields["event"].startswith("Expert working group, Sofia")
    assert tree.xpath(f'//dd[@data-field="event"]/a[@href="/events/{event["id"]}"]')
    assert tree.xpath(f'//dd[@data-field="state"]/a[@href="/events/{pcg["id"]}"]')
    history = tree.xpath('//ol[@class="history"]/li')
    assert [li.get("data-action") for li in history] == ["state", "create"]
    assert "State: Proposed → Endorsed" in _text(history[0])
    # A viewer decides nothing, edits nothing, moves nothing, notes nothing.
    assert not tree.xpath("//form[contains(@action, '/links/')]")
    assert not tree.xpath('//a[contains(@href, "/edit")]')
    assert not tree.xpath("//form[contains(@action, '/state')]")
    assert not tree.xpath("//form[contains(@action, '/follow-up')]")
    assert not tree.xpath("//form[contains(@action, '/notes')]")


def test_an_unknown_recommendation_is_a_404_page(browser_of: Callable[..., FlaskClient]) -> None:
    tree = _tree(browser_of("viewer"), "/recommendations/999999", 404)
    assert "No recommendation with id 999999." in _text(tree)


def test_confirming_a_suggestion_shows_the_project_with_its_budget(
    browser_of: Callable[..., FlaskClient],
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    project: dict[str, Any],
    register: Callable[..., dict[str, Any]],
) -> None:
    url = f"/recommendations/{border['id']}"
    browser = browser_of("coordinator")
    tree = _tree(browser, url)
    (suggested,) = tree.xpath('//li[@data-state="suggested"]')
    assert project["code"] in _text(suggested) and "Shared words" in _text(suggested)
    assert "No project is confirmed as serving this recommendation yet." in _text(tree)
    link_id = suggested.get("data-link")
    confirmed = post_form(browser, f"{url}/links/{link_id}/confirm", {})
    assert confirmed.status_code == 303, confirmed.get_data(as_text=True)[:3000]
    # A second project, linked by hand, in another currency.
    other = register(
        title="Scanners for the Panji Poyon crossing",
        budget={"amount": "300000.50", "currency": "EUR"},
        start_date="2024-01-01",
        end_date="2027-12-31",
    )
    made = client.post(
        "/api/v1/links",
        json={"project_id": other["id"], "recommendation_id": border["id"]},
        headers=coordinator.headers,
    )
    assert made.status_code == 201, made.json
    tree = _tree(browser, url)
    assert "is confirmed as serving this recommendation" in _text(tree)
    rows = {
        tr.get("data-project"): _text(tr)
        for tr in tree.xpath('//table[@class="linked-projects"]/tbody/tr')
    }
    first = rows[str(project["id"])]
    assert project["code"] in first and "Foreign, Commonwealth & Development Office" in first
    assert "$1,250,000.00" in first and "Mar 1, 2025" in first and "Jun 30, 2026" in first
    assert "€300,000.50" in rows[str(other["id"])]
    sums = {tr.get("data-sum"): _text(tr) for tr in tree.xpath("//tfoot/tr")}
    assert sums == {"EUR": "Total in EUR €300,000.50", "USD": "Total in USD $1,250,000.00"}
    assert not tree.xpath('//li[@data-state="suggested"]')
    # Withdrawing the link takes the project off the follow-up.
    withdraw = post_form(browser, f"{url}/links/{link_id}/reject", {"note": "Ended."})
    assert withdraw.status_code == 303
    tree = _tree(browser, url)
    assert str(project["id"]) not in [
        tr.get("data-project") for tr in tree.xpath('//table[@class="linked-projects"]/tbody/tr')
    ]
    assert "Note: Ended." in _text(tree.xpath('//li[@data-state="rejected"]')[0])
    wrong = post_form(
        browser, f"/recommendations/999999/links/{link_id}/confirm", {}, token_from=url
    )
    assert wrong.status_code == 404
    with new_session(app) as session:
        states = sorted(str(s) for s in session.scalars(sa.select(CoverageLink.state)))
    assert states == ["confirmed", "rejected"]


def _reasons(tree: html.HtmlElement) -> list[str]:
    return [
        _text(li) for li in tree.xpath('//li[@data-state="suggested"]//ul[@class="reasons"]/li')
    ]


def test_the_reasons_of_a_suggestion_are_said_in_the_reader_s_language(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    event: dict[str, Any],
) -> None:
    browser = browser_of("coordinator")
    url = f"/recommendations/{border['id']}"
    assert _reasons(_tree(browser, url)) == [
        "Shared words: Tajik, border, BLO, Afghan",
        "Similar titles: “Strengthen the border liaison offices on the Tajik-Afghan border.”"
        " and “Border liaison offices on the Tajik-Afghan border”",
        "Same theme: Border control and management",
        "Periods overlap: March 2025 – June 2026",
        "Same country: Tajikistan",
    ]
    anywhere = create_rec(
        client,
        coordinator,
        event["id"],
        text_en="Train the staff of border liaison offices",
        countries=[],
        themes=["border-control"],
    )
    assert "Any country: the recommendation names none" in _reasons(
        _tree(browser, f"/recommendations/{anywhere['id']}")
    )
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    russian = _reasons(_tree(browser, url))
    assert russian[0] == "Общие слова: Tajik, border, BLO, Afghan"
    assert russian[1].startswith("Похожие названия: «Strengthen the border")
    assert russian[2:] == [
        "Та же тема: Пограничный контроль и управление границами",
        "Сроки пересекаются: март 2025 – июнь 2026",
        "Та же страна: Таджикистан",
    ]
    assert "Любая страна: рекомендация не называет стран" in _reasons(
        _tree(browser, f"/recommendations/{anywhere['id']}")
    )


def test_a_donor_is_refused_the_state_the_follow_up_and_the_forms(
    browser_of: Callable[..., FlaskClient],
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    pcg: dict[str, Any],
) -> None:
    _endorse(client, coordinator, border["id"], pcg["id"])
    donor = browser_of("donor", org="us-inl")  # funds no project here
    url = f"/recommendations/{border['id']}"
    tree = _tree(donor, url)
    for form in ("/state", "/follow-up", "/notes", "/links/"):
        assert not tree.xpath(f"//form[contains(@action, '{form}')]"), form
    assert not tree.xpath('//a[contains(@href, "/edit")]')
    before = counts(app), _version(app, border["id"])
    assert _tree(donor, NEW, 403) is not None
    assert _tree(donor, f"{url}/edit", 403) is not None
    for path, form in (
        (NEW, {"event_id": str(border["event"]["id"]), "text_en": "Mine."}),
        (f"{url}/edit", {"text_en": "Mine.", "version": "2"}),
        (f"{url}/state", {"state": "withdrawn"}),
        (f"{url}/follow-up", {"status": "implemented", "follow_up_note": "Done."}),
        (f"{url}/follow-up", {"status": "implemented"}),  # 403 before the missing note
        (f"{url}/notes", {"noted_on": "2024-01-10", "text": "Donor news."}),
    ):
        assert post_form(donor, path, form, token_from=url).status_code == 403, path
    assert (counts(app), _version(app, border["id"])) == before


def test_a_focal_point_adds_a_dated_progress_note(
    browser_of: Callable[..., FlaskClient], app: Flask, border: dict[str, Any]
) -> None:
    focal = browser_of("focal_point")
    url = f"/recommendations/{border['id']}"
    tree = _tree(focal, url)
    assert tree.xpath("//form[contains(@action, '/notes')]")
    assert not tree.xpath("//form[contains(@action, '/state')]")
    assert "No progress note yet." in _text(tree)
    before = counts(app)
    empty = post_form(focal, f"{url}/notes", {"noted_on": "", "text": " "})
    assert empty.status_code == 422
    assert _errors(empty, "noted_on") and _errors(empty, "text")
    future = post_form(focal, f"{url}/notes", {"noted_on": "2999-01-01", "text": "Soon."})
    assert future.status_code == 422
    assert "not of the future" in _errors(future, "noted_on")
    assert 'value="Soon."' not in future.get_data(as_text=True)  # a text area keeps it inside
    assert "Soon." in _text(
        html.fromstring(future.get_data(as_text=True)).xpath('//textarea[@id="text"]')[0]
    )
    assert counts(app) == before
    added = post_form(
        focal, f"{url}/notes", {"noted_on": "2024-05-14", "text": "Two offices equipped."}
    )
    assert added.status_code == 303, added.get_data(as_text=True)[:3000]
    tree = _tree(focal, url)
    (note,) = tree.xpath('//ol[@class="notes"]/li')
    assert "May 14, 2024" in _text(note) and "Two offices equipped." in _text(note)
    assert "The progress note is added." in _text(tree)
    # A donor may not.
    refused = post_form(
        browser_of("donor"), f"{url}/notes", {"noted_on": "2024-05-14", "text": "x"}, token_from=url
    )
    assert refused.status_code == 403


def test_bad_state_and_follow_up_forms_show_the_error_and_write_nothing(
    browser_of: Callable[..., FlaskClient],
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    event: dict[str, Any],
    pcg: dict[str, Any],
) -> None:
    browser = browser_of("coordinator")
    url = f"/recommendations/{border['id']}"
    tree = _tree(browser, url)
    assert tree.xpath(f'//select[@id="endorsed_by"]/option[@value="{pcg["id"]}"]')
    # Only PCG meetings endorse: the expert meeting is not offered.
    assert not tree.xpath(f'//select[@id="endorsed_by"]/option[@value="{event["id"]}"]')
    # A proposed recommendation is not followed up yet: no form.
    assert not tree.xpath("//form[contains(@action, '/follow-up')]")
    before = counts(app), _version(app, border["id"])
    no_pcg = post_form(browser, f"{url}/state", {"state": "endorsed", "expected_version": "1"})
    assert no_pcg.status_code == 422
    assert "Name the PCG event that endorsed it" in _errors(no_pcg, "endorsed_by")
    not_pcg = post_form(
        browser, f"{url}/state", {"state": "endorsed", "endorsed_by": str(event["id"])}
    )
    assert not_pcg.status_code == 422
    assert "not a meeting of the Policy Consultative Group" in _errors(not_pcg, "endorsed_by")
    unknown = post_form(browser, f"{url}/state", {"state": "finished"})
    assert unknown.status_code == 422
    assert "Choose a state from the list." in _errors(unknown, "state")
    not_allowed = post_form(browser, f"{url}/state", {"state": "superseded"})
    assert not_allowed.status_code == 422
    assert "Name the recommendation that replaces it" in _errors(not_allowed, "superseded_by")
    assert (counts(app), _version(app, border["id"])) == before

    endorsed = post_form(
        browser,
        f"{url}/state",
        {
            "state": "endorsed",
            "endorsed_by": str(pcg["id"]),
            "state_note": "PCG 17.",
            "expected_version": "1",
        },
    )
    assert endorsed.status_code == 303, endorsed.get_data(as_text=True)[:3000]
    tree = _tree(browser, url)
    assert "The recommendation is now: Endorsed." in _text(tree)
    assert "PCG 17." in _text(tree.xpath('//li[@data-action="state"]')[0])
    assert tree.xpath("//form[contains(@action, '/follow-up')]")
    before = counts(app), _version(app, border["id"])
    no_note = post_form(browser, f"{url}/follow-up", {"status": "under_way", "follow_up_note": " "})
    assert no_note.status_code == 422
    assert "Say in a note why the status changes." in _errors(no_note, "follow_up_note")
    same = post_form(browser, f"{url}/follow-up", {"status": "not_started", "follow_up_note": "x"})
    assert same.status_code == 409
    assert "is not_started already" in _errors(same, "status")
    bad = post_form(browser, f"{url}/follow-up", {"status": "done", "follow_up_note": "x"})
    assert bad.status_code == 422 and "Choose a status from the list." in _errors(bad, "status")
    assert (counts(app), _version(app, border["id"])) == before
    version = str(_version(app, border["id"]))
    moved = post_form(
        browser,
        f"{url}/follow-up",
        {"status": "under_way", "follow_up_note": "Training began.", "expected_version": version},
    )
    assert moved.status_code == 303
    tree = _tree(browser, url)
    assert _text(tree.xpath('//dd[@data-field="follow_up"]')[0]) == "Under way"
    entry = _text(tree.xpath('//li[@data-action="follow_up"]')[0])
    assert "Follow-up status: Not started → Under way" in entry and "Training began." in entry
    # A form read before that change is stale: the conflict message, nothing written.
    before = counts(app), _version(app, border["id"])
    stale = post_form(
        browser,
        f"{url}/follow-up",
        {"status": "implemented", "follow_up_note": "Done.", "expected_version": version},
    )
    assert stale.status_code == 409
    assert "changed since you read it" in _errors(stale, "status")
    stale_state = post_form(
        browser, f"{url}/state", {"state": "withdrawn", "expected_version": version}
    )
    assert stale_state.status_code == 409
    assert "changed since you read it" in _errors(stale_state, "state")
    assert (counts(app), _version(app, border["id"])) == before


# --- The forms ---


def test_the_form_registers_a_recommendation_with_its_suggestions(
    browser_of: Callable[..., FlaskClient],
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    event: dict[str, Any],
    project: dict[str, Any],
) -> None:
    browser = browser_of("coordinator")
    tree = _tree(browser, NEW)
    assert tree.xpath(f'//select[@id="event_id"]/option[@value="{event["id"]}"]')
    before = counts(app)
    bad = post_form(browser, NEW, {"event_id": "", "text_en": "", "code": "no spaces allowed"})
    assert bad.status_code == 422
    assert _errors(bad, "event_id") and _errors(bad, "code")
    no_text = post_form(browser, NEW, {"event_id": str(event["id"]), "themes": ["border-control"]})
    assert no_text.status_code == 422
    assert "Give the recommendation's text" in _errors(no_text, "text_en")
    assert html.fromstring(no_text.get_data(as_text=True)).xpath(
        '//input[@id="theme-border-control"][@checked]'
    )
    unknown = post_form(browser, NEW, {"event_id": "424242", "text_en": "x"})
    assert unknown.status_code == 422 and "No event with id 424242." in _errors(unknown, "event_id")
    assert counts(app) == before
    typed = {
        "event_id": str(event["id"]),
        "text_en": BORDER,
        "text_ru": BORDER_RU,
        "illustrative": "on",
        "themes": ["border-control"],
        "countries": ["TJ", "AF"],
        "routes": ["northern"],
        "addressees": ["governments"],
        "note": "Typed from the report.",
    }
    saved = post_form(browser, NEW, typed)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    found = client.get("/api/v1/recommendations", headers=coordinator.headers).json
    assert found["total"] == 1
    rec = found["items"][0]
    assert saved.headers["Location"] == f"/recommendations/{rec['id']}"
    assert rec["code"] == "EWG-2023-SOFIA/1" and rec["illustrative"] is True
    assert rec["pillar"] == "regional_initiatives"  # the event's
    assert [c["code"] for c in rec["countries"]] == ["AF", "TJ"]
    assert rec["routes"] == ["northern"] and rec["addressees"] == ["governments"]
    page = browser.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The recommendation is registered. Projects that likely serve it: 1." in page
    history = client.get(
        f"/api/v1/recommendations/{rec['id']}/history", headers=coordinator.headers
    ).json
    assert history[0]["note"] == "Typed from the report."
    taken = post_form(browser, NEW, {**typed, "code": rec["code"]})
    assert taken.status_code == 409 and "exists already" in _errors(taken, "code")


def test_the_edit_form_saves_what_changed_and_a_stale_one_is_refused(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
) -> None:
    browser = browser_of("coordinator")
    url = f"/recommendations/{border['id']}/edit"
    tree = _tree(browser, url)
    assert tree.xpath('//input[@id="theme-border-control"][@checked]')
    assert tree.xpath('//input[@id="illustrative"][@checked]')
    assert tree.xpath('//select[@id="countries"]/option[@value="TJ"][@selected]')
    assert tree.xpath('//input[@name="version"][@value="1"]')
    typed = {
        "code": border["code"],
        "event_id": str(border["event"]["id"]),
        "text_en": BORDER,
        "text_ru": BORDER_RU,
        "illustrative": "on",
        "pillar": "regional_initiatives",
        "themes": ["border-control"],
        "countries": ["TJ"],
        "routes": ["northern", "balkan"],
        "addressees": ["governments", "donors"],
        "version": "1",
    }
    saved = post_form(browser, url, typed)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    history = client.get(
        f"/api/v1/recommendations/{border['id']}/history", headers=coordinator.headers
    ).json
    assert history[-1]["changes"] == {
        "routes": {"old": ["northern"], "new": ["northern", "balkan"]}
    }
    stale = post_form(browser, url, {**typed, "text_en": "Another wording."})
    assert stale.status_code == 409
    assert "changed since you read it" in stale.get_data(as_text=True)
    cleared = post_form(browser, url, {**typed, "text_en": "", "text_ru": "", "version": "2"})
    assert cleared.status_code == 422
    assert "Give the recommendation's text" in _errors(cleared, "text_en")


# --- Languages, the gap cell, the need form ---


def test_the_pages_speak_russian(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    pcg: dict[str, Any],
) -> None:
    _endorse(client, coordinator, border["id"], pcg["id"])
    browser = browser_of("coordinator")
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    tree = _tree(browser, "/recommendations")
    assert tree.get("lang") == "ru"
    assert _text(tree.xpath("//h1")[0]) == "Рекомендации"
    assert "Одобрена" in _text(tree.xpath("//tr[@data-recommendation]")[0])
    page = _tree(browser, f"/recommendations/{border['id']}")
    # The Russian text comes first for a Russian reader.
    assert [s.get("lang") for s in page.xpath('//section[@class="text"]')] == ["ru", "en"]
    text = _text(page)
    for shown in ("Иллюстративный", "Северный маршрут", "Изменить статус выполнения", "История"):
        assert shown in text, shown
    no_note = post_form(
        browser, f"/recommendations/{border['id']}/follow-up", {"status": "under_way"}
    )
    assert "Укажите в примечании, почему меняется статус." in _errors(no_note, "follow_up_note")
    form = _tree(browser, NEW)
    assert _text(form.xpath("//h1")[0]) == "Зарегистрировать рекомендацию"


def test_the_gap_cell_links_each_recommendation_to_its_page(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    pcg: dict[str, Any],
) -> None:
    _endorse(client, coordinator, border["id"], pcg["id"])
    tree = _tree(browser_of("viewer"), "/gaps/cell?country=TJ&theme=border-control")
    (link,) = tree.xpath(f'//tr[@data-recommendation="{border["id"]}"]//a')
    assert link.get("href") == f"/recommendations/{border['id']}"


def test_the_need_form_chooses_among_proposed_and_endorsed_recommendations(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    event: dict[str, Any],
    border: dict[str, Any],
) -> None:
    withdrawn = create_rec(client, coordinator, event["id"], text_en="Withdrawn one.")
    gone = client.post(
        f"/api/v1/recommendations/{withdrawn['id']}/state",
        json={"state": "withdrawn"},
        headers=coordinator.headers,
    )
    assert gone.status_code == 200
    focal = browser_of("focal_point")
    tree = _tree(focal, "/needs/new")
    options = tree.xpath('//select[@id="recommendation_id"]/option')
    assert [o.get("value") for o in options] == ["", str(border["id"])]
    assert _text(options[1]).startswith(f"{border['code']}: Strengthen the border liaison")
    typed = {
        "country": "TJ",
        "title": "Radios for the border liaison offices",
        "themes": ["border-control"],
        "priority": "high",
        "recommendation_id": str(border["id"]),
    }
    saved = post_form(focal, "/needs/new", typed)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    need = _tree(focal, saved.headers["Location"])
    assert need.xpath(f'//a[@href="/recommendations/{border["id"]}"]')
    edit = _tree(focal, saved.headers["Location"] + "/edit")
    assert edit.xpath(
        f'//select[@id="recommendation_id"]/option[@value="{border["id"]}"][@selected]'
    )


def test_odd_input_on_the_page_s_forms_is_named_not_a_500(
    browser_of: Callable[..., FlaskClient],
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    border: dict[str, Any],
    event: dict[str, Any],
) -> None:
    browser = browser_of("coordinator")
    url = f"/recommendations/{border['id']}"
    before = counts(app), _version(app, border["id"])
    typed = post_form(browser, f"{url}/state", {"state": "endorsed", "endorsed_by": "abc"})
    assert typed.status_code == 422 and _errors(typed, "endorsed_by")
    day = post_form(browser, f"{url}/notes", {"noted_on": "14/05/2024", "text": "x"})
    assert day.status_code == 422 and _errors(day, "noted_on")
    assert (counts(app), _version(app, border["id"])) == before
    other = create_rec(client, coordinator, event["id"], text_en="The one in force.")
    replaced = post_form(
        browser, f"{url}/state", {"state": "superseded", "superseded_by": str(other["id"])}
    )
    assert replaced.status_code == 303
    # Superseded cannot be endorsed: the rule is named beside the state.
    back = post_form(browser, f"{url}/state", {"state": "proposed"})
    assert back.status_code == 409 and "cannot become proposed" in _errors(back, "state")
    gone = post_form(browser, f"{url}/state", {"state": "withdrawn"})
    assert gone.status_code == 303
    assert browser.get(f"{url}/edit").status_code == 409
    assert not _tree(browser, url).xpath("//form[contains(@action, '/notes')]")
