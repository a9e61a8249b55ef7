"""The need pages: the list with its filters and pages, one need with its links and history,
the form with its live suggestions, the verdicts on suggestions and the state changes; who
may do what; in English and Russian."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from lxml import html

from adam.coverage.models import CoverageLink
from adam.session import new_session
from tests.conftest import Account
from tests.needs.helpers import counts, create
from tests.portal.helpers import post_form

NEW = "/needs/new"
LIVE = "/needs/form/suggestions"
# A need that the default tests.conftest.project_body() project serves.
BORDER = {
    "title": "Equip and train the border liaison offices on the Afghan border",
    "description": "The border liaison offices lack equipment and trained staff.",
    "themes": ["border-control"],
    "country": "TJ",
    "start_date": "2025-01-01",
    "end_date": "2027-12-31",
}


def form_of(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "country": "TJ",
        "title": BORDER["title"],
        "description": BORDER["description"],
        "location": "Khatlon",
        "themes": ["border-control"],
        "priority": "high",
        "cost_amount": "450000.00",
        "cost_currency": "USD",
        "start_date": BORDER["start_date"],
        "end_date": BORDER["end_date"],
        "recommendation_id": "",
    }
    data.update(overrides)
    return data


def _tree(client: FlaskClient, url: str, status: int = 200) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return html.fromstring(response.get_data(as_text=True))


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _listed(client: FlaskClient, url: str) -> list[str]:
    return [_text(a) for a in _tree(client, url).xpath("//tr[@data-need]/th/a")]


def _links(app: Flask) -> list[tuple[int, int, str]]:
    with new_session(app) as session:
        rows = session.execute(
            sa.select(CoverageLink.need_id, CoverageLink.project_id, CoverageLink.state)
        )
        return [(n or 0, p, str(s)) for n, p, s in rows]


@pytest.fixture()
def project(register: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A TJ border project (FCDO, UNODC) that the BORDER need is suggested."""
    return register()


@pytest.fixture()
def border_need(
    client: FlaskClient, coordinator: Account, project: dict[str, Any]
) -> dict[str, Any]:
    return create(client, coordinator, **BORDER)


# --- The list ---


def test_the_menu_links_to_the_needs(browser_of: Callable[..., FlaskClient]) -> None:
    for role in ("viewer", "donor", "focal_point", "coordinator"):
        assert _tree(browser_of(role), "/projects").xpath('//nav//a[@href="/needs"]'), role


def test_the_list_filters_and_pages(
    browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    create(client, coordinator, title="Dogs for the Khatlon posts", priority="high")
    create(
        client,
        coordinator,
        title="Precursor laboratory for Kabul",
        country="AF",
        themes=["precursor-control"],
        priority="low",
    )
    met = create(client, coordinator, title="Scanners for Dushanbe airport", priority="medium")
    response = client.post(
        f"/api/v1/needs/{met['id']}/state", json={"state": "met"}, headers=coordinator.headers
    )
    assert response.status_code == 200, response.json
    browser = browser_of("viewer")
    # Without a state chosen, the met need is listed (all but withdrawn); newest first.
    assert _listed(browser, "/needs") == [
        "Scanners for Dushanbe airport",
        "Precursor laboratory for Kabul",
        "Dogs for the Khatlon posts",
    ]
    assert _listed(browser, "/needs?country=AF") == ["Precursor laboratory for Kabul"]
    assert _listed(browser, "/needs?priority=high") == ["Dogs for the Khatlon posts"]
    assert _listed(browser, "/needs?theme=precursor-control&country=") == [
        "Precursor laboratory for Kabul"
    ]
    assert _listed(browser, "/needs?state=met") == ["Scanners for Dushanbe airport"]
    assert _listed(browser, "/needs?state=open&country=TJ") == ["Dogs for the Khatlon posts"]
    assert _listed(browser, "/needs?q=dushanbe") == ["Scanners for Dushanbe airport"]
    tree = _tree(browser, "/needs?per_page=2&page=2")
    assert [_text(a) for a in tree.xpath("//tr[@data-need]/th/a")] == ["Dogs for the Khatlon posts"]
    assert "Page 2 of 2" in _text(tree.xpath('//nav[@class="pager"]')[0])
    assert tree.xpath('//nav[@class="pager"]//a[@rel="prev"]')
    assert "Needs found: 3" in _text(tree)
    chosen = _tree(browser, "/needs?country=AF&state=met")
    assert chosen.xpath('//select[@id="country"]/option[@value="AF"][@selected]')
    assert chosen.xpath('//input[@id="state-met"][@checked]')


def test_bad_filters_are_named_not_a_500(browser_of: Callable[..., FlaskClient]) -> None:
    browser = browser_of("viewer")
    for bad in ("/needs?country=ZZ", "/needs?priority=urgent", "/needs?page=0"):
        tree = _tree(browser, bad, 422)
        assert tree.xpath('//div[@class="errors"]//li'), bad


def test_a_stranger_is_sent_to_sign_in(client: FlaskClient) -> None:
    for url in ("/needs", "/needs/1", NEW):
        response = client.get(url)
        assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]


# --- One need ---


def test_the_need_page_shows_its_fields_links_and_history(
    browser_of: Callable[..., FlaskClient],
    border_need: dict[str, Any],
    project: dict[str, Any],
) -> None:
    tree = _tree(browser_of("viewer"), f"/needs/{border_need['id']}")
    assert _text(tree.xpath("//h1")[0]) == BORDER["title"]
    fields = _text(tree.xpath('//dl[@class="fields"]')[0])
    for shown in ("Open", "Tajikistan", "Border control", "High priority", "$450,000.00"):
        assert shown in fields, shown
    suggested = tree.xpath('//li[@data-state="suggested"]')
    assert len(suggested) == 1
    assert project["code"] in _text(suggested[0])
    reasons = [_text(li) for li in suggested[0].xpath('.//ul[@class="reasons"]/li')]
    assert reasons == [
        "Shared words: equipment, border, BLO, Afghan",
        "Similar titles: “Equip and train the border liaison offices on the Afghan border”"
        " and “Border liaison offices on the Tajik-Afghan border”",
        "Same theme: Border control and management",
        "Periods overlap: March 2025 – June 2026",
        "Same country: Tajikistan",
    ]
    assert tree.xpath('//ol[@class="history"]/li[@data-action="create"]')
    # A viewer decides nothing, edits nothing, moves nothing.
    assert not tree.xpath("//form[contains(@action, '/links/')]")
    assert not tree.xpath('//a[contains(@href, "/edit")]')
    assert not tree.xpath('//form[contains(@action, "/state")]')


def test_reasons_stored_as_english_details_alone_are_said_in_the_reader_s_language(
    browser_of: Callable[..., FlaskClient], app: Flask, border_need: dict[str, Any]
) -> None:
    legacy = [
        {"field": "words", "score": 80.0, "detail": "shared words: border, post (+2)"},
        {"field": "themes", "score": 100.0, "detail": "same theme: border-control, forensics"},
        {"field": "pillar", "score": 100.0, "detail": "same pillar: precursors"},
        {"field": "countries", "score": 100.0, "detail": "same country: TJ"},
        {"field": "dates", "score": 100.0, "detail": "periods overlap 2027-03..2027-03"},
        {"field": "dates", "score": 0.0, "detail": "periods disjoint: 2020-01..2021-06 / ?.."},
        {"field": "countries", "score": 100.0, "detail": "any country"},
        {"field": "decision", "note": "Checked with the donor."},
    ]
    with new_session(app) as session:
        session.execute(sa.update(CoverageLink).values(reasons=legacy))
        session.commit()
    browser = browser_of("coordinator")
    url = f"/needs/{border_need['id']}"
    tree = _tree(browser, url)
    assert [_text(li) for li in tree.xpath('//li[@data-state="suggested"]//ul/li')] == [
        "Shared words: border, post (and 2 more)",
        "Same themes: Border control and management, Forensic and scientific capacity",
        "Same pillar: Precursors",
        "Same country: Tajikistan",
        "Periods overlap: March 2027",
        "Periods do not overlap: January 2020 – June 2021; the project: ? – …",
        "Any country: the recommendation names none",
        "Note: Checked with the donor.",
    ]
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    tree = _tree(browser, url)
    assert [_text(li) for li in tree.xpath('//li[@data-state="suggested"]//ul/li')][:6] == [
        "Общие слова: border, post (и ещё 2)",
        "Те же темы: Пограничный контроль и управление границами,"
        " Судебно-экспертный и научный потенциал",
        "То же направление: Прекурсоры",
        "Та же страна: Таджикистан",
        "Сроки пересекаются: март 2027",
        "Сроки не пересекаются: январь 2020 – июнь 2021; у проекта: ? – …",
    ]


def test_an_unknown_need_is_a_404_page(browser_of: Callable[..., FlaskClient]) -> None:
    tree = _tree(browser_of("viewer"), "/needs/999999", 404)
    assert "No need with id 999999." in _text(tree)


def test_a_donor_sees_no_edit_button_and_is_refused_every_write(
    browser_of: Callable[..., FlaskClient], app: Flask, border_need: dict[str, Any]
) -> None:
    # A donor that funds no project here.
    donor = browser_of("donor", org="us-inl")
    url = f"/needs/{border_need['id']}"
    tree = _tree(donor, url)
    assert not tree.xpath('//a[contains(@href, "/edit")]')
    assert not tree.xpath('//form[contains(@action, "/state")]')
    assert not tree.xpath("//form[contains(@action, '/links/')]")
    before = counts(app), _links(app)
    assert _tree(donor, NEW, 403) is not None
    assert post_form(donor, NEW, form_of(), token_from=url).status_code == 403
    assert post_form(donor, f"{url}/edit", form_of(), token_from=url).status_code == 403
    state = post_form(donor, f"{url}/state", {"state": "met"}, token_from=url)
    assert state.status_code == 403
    assert [n for n in _links(app) if n[0] == border_need["id"]]
    with new_session(app) as session:
        link_id = session.scalar(sa.select(CoverageLink.id))
    verdict = post_form(donor, f"{url}/links/{link_id}/confirm", {}, token_from=url)
    assert verdict.status_code == 403
    assert (counts(app), _links(app)) == before


# --- The form ---


def test_a_focal_point_of_tj_writes_for_tj_only(
    browser_of: Callable[..., FlaskClient], app: Flask
) -> None:
    focal = browser_of("focal_point")  # of TJ
    tree = _tree(focal, NEW)
    assert [o.get("value") for o in tree.xpath('//select[@id="country"]/option')] == ["TJ"]
    refused = _tree(focal, f"{NEW}?country=AF", 403)
    assert "not of AF" in _text(refused)
    response = post_form(focal, NEW, form_of(country="AF"), token_from=NEW)
    assert response.status_code == 403
    assert counts(app) == (0, 0)


def test_the_form_registers_a_need_and_stores_its_suggestions(
    browser_of: Callable[..., FlaskClient],
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    project: dict[str, Any],
) -> None:
    focal = browser_of("focal_point")
    response = post_form(focal, NEW, form_of())
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    found = client.get("/api/v1/needs?country=TJ", headers=coordinator.headers).json
    assert found["total"] == 1
    need = found["items"][0]
    assert response.headers["Location"] == f"/needs/{need['id']}"
    assert need["estimated_cost"] == {"amount": "450000.00", "currency": "USD"}
    assert need["location"] == "Khatlon" and need["priority"] == "high"
    assert _links(app) == [(need["id"], project["id"], "suggested")]
    page = focal.get(response.headers["Location"]).get_data(as_text=True)
    assert "The need is registered. Projects that likely address it: 1." in page


def test_form_errors_show_beside_their_fields_and_nothing_is_written(
    browser_of: Callable[..., FlaskClient], app: Flask
) -> None:
    browser = browser_of("coordinator")
    typed = form_of(
        title="",
        themes=[],
        cost_currency="",
        end_date="2024-01-01",
        recommendation_id="abc",
        location="Kept place",
    )
    response = post_form(browser, NEW, typed)
    assert response.status_code == 422
    tree = html.fromstring(response.get_data(as_text=True))

    def errors(name: str) -> str:
        return _text(tree.xpath(f'//ul[@id="{name}-errors"]')[0])

    assert "Give a title of 1 to 500 characters." in errors("title")
    assert "Name 1 to 20 themes." in errors("themes")
    assert "Give the currency of the estimated cost." in errors("estimated_cost.currency")
    assert "The end date is before the start date." in errors("end_date")
    assert errors("recommendation_id")
    assert tree.xpath('//input[@id="location"][@value="Kept place"]')
    assert counts(app) == (0, 0)
    unknown = post_form(browser, NEW, form_of(recommendation_id="424242"))
    assert unknown.status_code == 422
    assert "No recommendation with id 424242." in unknown.get_data(as_text=True)
    assert counts(app) == (0, 0)


def test_the_edit_form_saves_what_changed_and_a_stale_one_is_refused(
    browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    need = create(client, coordinator, title="Dogs for the Khatlon posts")
    focal = browser_of("focal_point")
    url = f"/needs/{need['id']}/edit"
    tree = _tree(focal, url)
    assert tree.xpath('//input[@id="title"][@value="Dogs for the Khatlon posts"]')
    assert tree.xpath('//input[@id="theme-border-control"][@checked]')
    assert tree.xpath('//input[@name="version"][@value="1"]')
    typed = form_of(
        title="Dogs for the Khatlon posts",
        description="Twelve trained dogs with handlers and kennels.",
        priority="medium",
        start_date="2027-01-01",
        end_date="2028-12-31",
        version="1",
    )
    saved = post_form(focal, url, typed)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    after = client.get(f"/api/v1/needs/{need['id']}/history", headers=coordinator.headers).json
    assert after[-1]["changes"] == {"priority": {"old": "high", "new": "medium"}}
    stale = post_form(focal, url, {**typed, "priority": "low"})
    assert stale.status_code == 409
    assert "changed since you read it" in stale.get_data(as_text=True)


def test_live_suggestions_show_the_likely_projects_and_store_nothing(
    browser_of: Callable[..., FlaskClient], app: Flask, project: dict[str, Any]
) -> None:
    focal = browser_of("focal_point")
    response = post_form(focal, LIVE, form_of(themes=[], priority=""), token_from=NEW)
    assert response.status_code == 200
    tree = html.fromstring(response.get_data(as_text=True))
    (item,) = tree.xpath("//li[@data-project]")
    assert item.get("data-project") == str(project["id"])
    assert project["code"] in _text(item) and "Shared words" in _text(item)
    assert counts(app) == (0, 0) and _links(app) == []
    # A need no project serves is said to be so: the search ran.
    unserved = form_of(title="Mobile kennels for sniffer dogs", description="", themes=[])
    empty = html.fromstring(post_form(focal, LIVE, unserved, token_from=NEW).get_data(as_text=True))
    assert empty.get("data-suggestions") == "0"
    assert _text(empty) == "No registered project seems to serve this need yet."
    for nothing in (form_of(title=""), form_of(country=""), form_of(end_date="nope")):
        quiet = post_form(focal, LIVE, nothing, token_from=NEW)
        assert quiet.status_code == 200 and quiet.get_data(as_text=True) == ""
    # Another country's focal point hears nothing of a need they may not write.
    assert post_form(focal, LIVE, form_of(country="AF"), token_from=NEW).get_data() == b""
    assert client_posts_need_csrf(browser_of) == 400


def client_posts_need_csrf(browser_of: Callable[..., FlaskClient]) -> int:
    """The live answer is a form post like any other: without its token it is refused."""
    return browser_of("coordinator").post(LIVE, data=form_of()).status_code


# --- Verdicts and states ---


def test_confirm_and_reject_from_the_page(
    browser_of: Callable[..., FlaskClient],
    app: Flask,
    register: Callable[..., dict[str, Any]],
    client: FlaskClient,
    coordinator: Account,
) -> None:
    first = register()
    second = register(title="Border liaison offices: equipment and training for Tajikistan")
    need = create(client, coordinator, **BORDER)
    url = f"/needs/{need['id']}"
    with new_session(app) as session:
        ids = dict(
            session.execute(
                sa.select(CoverageLink.project_id, CoverageLink.id).where(
                    CoverageLink.need_id == need["id"]
                )
            ).all()
        )
    assert set(ids) == {first["id"], second["id"]}
    # A focal point of another country may not decide on TJ's need.
    other = browser_of("focal_point", country="AF")
    assert not _tree(other, url).xpath("//form[contains(@action, '/links/')]")
    refused = post_form(other, f"{url}/links/{ids[first['id']]}/confirm", {}, token_from=url)
    assert refused.status_code == 403
    # The FCDO funds both projects, which work in TJ: its donors may decide.
    donor = browser_of("donor")
    assert len(_tree(donor, url).xpath("//form[contains(@action, '/links/')]")) == 2
    confirmed = post_form(donor, f"{url}/links/{ids[first['id']]}/confirm", {}, token_from=url)
    assert confirmed.status_code == 303
    focal = browser_of("focal_point")
    rejected = post_form(
        focal, f"{url}/links/{ids[second['id']]}/reject", {"note": "Ended."}, token_from=url
    )
    assert rejected.status_code == 303
    assert sorted(s for _, _, s in _links(app)) == ["confirmed", "rejected"]
    tree = _tree(focal, url)
    assert first["code"] in _text(tree.xpath('//li[@data-state="confirmed"]')[0])
    assert "Note: Ended." in _text(tree.xpath('//li[@data-state="rejected"]')[0])
    assert "is rejected" in _text(tree)
    # Twice: the page says it is decided already, nothing breaks.
    again = post_form(focal, f"{url}/links/{ids[second['id']]}/reject", {}, token_from=url)
    assert again.status_code == 303
    assert "already rejected" in focal.get(url).get_data(as_text=True)
    wrong = post_form(focal, f"/needs/999999/links/{ids[first['id']]}/reject", {}, token_from=url)
    assert wrong.status_code == 404


def test_the_need_s_writers_change_its_state_with_a_note(
    browser_of: Callable[..., FlaskClient], client: FlaskClient, coordinator: Account
) -> None:
    need = create(client, coordinator)
    focal = browser_of("focal_point")
    url = f"/needs/{need['id']}"
    tree = _tree(focal, url)
    options = tree.xpath('//select[@id="state"]/option/@value')
    assert options == ["open", "partly_met", "met", "withdrawn"]
    bad = post_form(focal, f"{url}/state", {"state": "finished"})
    assert bad.status_code == 422
    assert "Choose a state from the list." in bad.get_data(as_text=True)
    typed = {"state": "partly_met", "note": "Dogs came.", "expected_version": "1"}
    moved = post_form(focal, f"{url}/state", typed)
    assert moved.status_code == 303
    tree = _tree(focal, url)
    assert _text(tree.xpath('//dd[@data-field="state"]')[0]) == "Partly met"
    entry = _text(tree.xpath('//li[@data-action="state"]')[0])
    assert "State: Open → Partly met" in entry and "Dogs came." in entry
    stale = post_form(focal, f"{url}/state", {"state": "met", "expected_version": "1"})
    assert stale.status_code == 409
    withdrawn = post_form(focal, f"{url}/state", {"state": "withdrawn"})
    assert withdrawn.status_code == 303
    assert not _tree(focal, url).xpath('//a[contains(@href, "/edit")]')
    assert focal.get(f"{url}/edit").status_code == 409


# --- Languages and the gap cell ---


def test_the_pages_speak_russian(
    browser_of: Callable[..., FlaskClient], border_need: dict[str, Any]
) -> None:
    browser = browser_of("coordinator")
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    tree = _tree(browser, "/needs")
    assert tree.get("lang") == "ru"
    assert _text(tree.xpath("//h1")[0]) == "Потребности"
    assert "Высокий приоритет" in _text(tree.xpath("//tr[@data-need]")[0])
    page = _tree(browser, f"/needs/{border_need['id']}")
    assert "Проекты, которые, вероятно, служат ей" in _text(page)
    reasons = [_text(li) for li in page.xpath('//li[@data-state="suggested"]//ul/li')]
    assert reasons[0] == "Общие слова: equipment, border, BLO, Afghan"
    assert reasons[1].startswith("Похожие названия: «Equip and train")
    assert reasons[2:] == [
        "Та же тема: Пограничный контроль и управление границами",
        "Сроки пересекаются: март 2025 – июнь 2026",
        "Та же страна: Таджикистан",
    ]
    live = post_form(browser, LIVE, form_of(title="Кинологические вольеры", description=""))
    assert _text(html.fromstring(live.get_data(as_text=True))) == (
        "Пока ни один зарегистрированный проект, похоже, не служит этой потребности."
    )
    assert "Подтвердить" in _text(page) and "Изменить состояние" in _text(page)
    form = _tree(browser, NEW)
    assert _text(form.xpath("//h1")[0]) == "Зарегистрировать потребность"
    errors = post_form(browser, NEW, form_of(title=""))
    assert "Укажите название длиной от 1 до 500 символов." in errors.get_data(as_text=True)


def test_the_gap_cell_links_each_need_to_its_page(
    browser_of: Callable[..., FlaskClient], border_need: dict[str, Any]
) -> None:
    tree = _tree(browser_of("viewer"), "/gaps/cell?country=TJ&theme=border-control")
    (link,) = tree.xpath(f'//tr[@data-need="{border_need["id"]}"]//a')
    assert link.get("href") == f"/needs/{border_need['id']}"


def test_the_cost_amount_says_how_to_write_it(browser_of: Callable[..., FlaskClient]) -> None:
    """Digits and a point, which a Russian reader would not write unprompted ("450 000,00")."""
    browser = browser_of("coordinator")
    form = _tree(browser, "/needs/new")
    (amount,) = form.xpath('//input[@name="cost_amount"]')
    hint = form.xpath(f'//*[@id="{amount.get("aria-describedby")}"]')
    assert "480000.00" in _text(hint[0])
    with browser.session_transaction() as session:
        session["locale"] = "ru"
    russian = _tree(browser, "/needs/new")
    assert "без пробелов: 480000.00" in _text(russian.xpath('//*[@id="cost_amount-hint"]')[0])
