"""The duplicate alert inbox pages: who sees which alerts, filters, one alert side by side,
and verdicts one at a time or in bulk.

Two alerts, each on a pair of registrations of one activity: TJ (border liaison offices, the
default project) and KG (a forensic laboratory in Bishkek).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.duplicates.conftest import TWIN_TITLE, listed, stored_alerts
from tests.portal.helpers import csrf_token, post_form

KG = (
    {
        "title": "Forensic drug laboratory in Bishkek",
        "description": "Equipment and accreditation of the national forensic drug laboratory.",
        "countries": ["KG"],
        "themes": ["forensics"],
    },
    {"title": "Upgrade of the Bishkek forensic drug laboratory"},
)


@dataclass
class Alerts:
    projects: dict[str, tuple[dict[str, Any], dict[str, Any]]]  # country -> the pair
    ids: dict[str, int]  # country -> alert id


def _make(register: Callable[..., dict[str, Any]], pairs: dict[str, Any]) -> Alerts:
    projects: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    ids: dict[str, int] = {}
    for country, (base, twin) in pairs.items():
        first = register(**base)
        second = register(**{**base, **twin})
        assert listed(second) == [first["id"]], (country, second["possible_duplicates"])
        projects[country] = (first, second)
        ids[country] = second["possible_duplicates"][0]["alert_id"]
    return Alerts(projects, ids)


@pytest.fixture()
def alerts(register: Callable[..., dict[str, Any]]) -> Alerts:
    return _make(register, {"TJ": ({}, {"title": TWIN_TITLE}), "KG": KG})


def _listed_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/alerts/(\d+)"', html)]


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --- Who sees what ---


def test_a_coordinator_sees_every_alert_newest_first(
    browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    response = browser_of("coordinator").get("/alerts")
    assert response.status_code == 200
    html = _text(response)
    assert _listed_ids(html) == [alerts.ids["KG"], alerts.ids["TJ"]]
    first, second = alerts.projects["TJ"]
    for project in (first, second):
        assert f'href="/projects/{project["id"]}"' in html and project["code"] in html
    assert TWIN_TITLE in html
    assert 'data-select-all="alert"' in html and 'name="alert"' in html


def test_a_focal_point_sees_only_the_alerts_of_their_country(
    browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    tajik = _text(browser_of("focal_point").get("/alerts"))
    assert _listed_ids(tajik) == [alerts.ids["TJ"]]
    kyrgyz = browser_of("focal_point", country="KG")
    assert _listed_ids(_text(kyrgyz.get("/alerts"))) == [alerts.ids["KG"]]
    assert kyrgyz.get(f"/alerts/{alerts.ids['TJ']}").status_code == 403


def test_a_viewer_gets_a_403_page(browser_of: Callable[..., FlaskClient], alerts: Alerts) -> None:
    viewer = browser_of("viewer")
    response = viewer.get("/alerts")
    assert response.status_code == 403
    assert "Viewers do not see duplicate alerts" in _text(response)
    assert viewer.get(f"/alerts/{alerts.ids['TJ']}").status_code == 403


# --- Filters, sort, pages ---


@pytest.mark.parametrize(
    ("query", "countries"),
    [
        ({"country": "KG"}, ["KG"]),
        ({"country": "tj"}, ["TJ"]),
        ({"status": "open"}, ["KG", "TJ"]),
        ({"status": "resolved"}, []),
        ({"resolution": "duplicate"}, []),
        ({"min_score": "100.5"}, None),
        ({"min_score": "x", "country": "KG"}, None),
        ({"per_page": "1"}, ["KG"]),
        ({"per_page": "1", "page": "2"}, ["TJ"]),
    ],
)
def test_filters_in_the_url(
    browser_of: Callable[..., FlaskClient],
    alerts: Alerts,
    query: dict[str, str],
    countries: list[str] | None,
) -> None:
    response = browser_of("coordinator").get("/alerts", query_string=query)
    if countries is None:  # the wrong filter is named and left out, the others kept
        assert response.status_code == 422
        html = _text(response)
        assert 'aria-invalid="true" aria-describedby="min_score-errors"' in html
        kept = ["KG"] if query.get("country") else ["KG", "TJ"]
        assert _listed_ids(html) == [alerts.ids[c] for c in kept]
        return
    assert response.status_code == 200
    assert _listed_ids(_text(response)) == [alerts.ids[c] for c in countries]


def test_sort_by_score_and_minimum_score(
    app: Flask, browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    scores = {a.id: a.score for a in stored_alerts(app).values()}
    coordinator = browser_of("coordinator")
    by_score = _listed_ids(_text(coordinator.get("/alerts?sort=-score")))
    assert by_score == sorted(scores, key=lambda i: (-scores[i], -i))
    top = max(scores.values())
    above = _listed_ids(_text(coordinator.get(f"/alerts?min_score={top}")))
    assert above == [i for i in by_score if scores[i] >= top]


def test_the_pager_keeps_the_filters(
    browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    html = _text(browser_of("coordinator").get("/alerts?status=open&per_page=1"))
    next_link = re.search(r'href="([^"]+)" rel="next"', html)
    assert next_link, html
    link = next_link.group(1).replace("&amp;", "&")
    assert "status=open" in link and "per_page=1" in link and "page=2" in link


def test_the_list_reads_as_many_queries_for_two_rows_as_for_one(
    app: Flask, browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    coordinator = browser_of("coordinator")
    counts: list[int] = []
    engine = app.extensions["adam.engine"]
    for per_page in (1, 2):
        read: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            read.append(statement)  # noqa: B023 - removed before the next loop

        event.listen(engine, "before_cursor_execute", record)
        try:
            response = coordinator.get(f"/alerts?per_page={per_page}")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert len(_listed_ids(_text(response))) == per_page
        counts.append(len(read))
    assert counts[0] == counts[1], counts


# --- One alert ---


def test_the_side_by_side_page_marks_shared_words_and_escapes_markup(
    app: Flask,
    browser_of: Callable[..., FlaskClient],
    register: Callable[..., dict[str, Any]],
) -> None:
    made = _make(
        register,
        {"TJ": ({"title": "Border liaison offices <script>alert(1)</script>"}, {})},
    )
    response = browser_of("coordinator").get(f"/alerts/{made.ids['TJ']}")
    assert response.status_code == 200
    html = _text(response)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>liaison</mark>" in html
    # The matcher reads "border liaison offices" as one word ("blo"): all three are marked.
    assert "<mark>offices</mark>" in html
    # Reasons with their translated field names and contributions.
    assert '<th scope="row">Title</th>' in html
    first, _ = made.projects["TJ"]
    assert f'href="/projects/{first["id"]}"' in html


def test_a_coordinator_resolves_one_alert(
    app: Flask, browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    coordinator = browser_of("coordinator")
    url = f"/alerts/{alerts.ids['TJ']}"
    response = post_form(
        coordinator,
        f"{url}/resolution",
        {"resolution": "related", "note": "Same offices, <b>second</b> phase"},
        token_from=url,
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    stored = {a.id: a for a in stored_alerts(app).values()}[alerts.ids["TJ"]]
    assert stored.status == "resolved" and stored.resolution == "related"
    assert stored.note == "Same offices, <b>second</b> phase"
    html = _text(coordinator.get(url))
    assert "resolved as “Related”" in html
    assert "Resolved by" in html and "&lt;b&gt;second&lt;/b&gt;" in html


def test_a_wrong_resolution_is_refused_without_a_500(
    app: Flask, browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    coordinator = browser_of("coordinator")
    url = f"/alerts/{alerts.ids['TJ']}"
    response = post_form(coordinator, f"{url}/resolution", {"resolution": "x"}, token_from=url)
    assert response.status_code == 303
    assert "Choose a resolution." in _text(coordinator.get(url))
    assert all(a.status == "open" for a in stored_alerts(app).values())


# --- Bulk ---


def test_a_coordinator_resolves_two_checked_alerts_at_once(
    app: Flask, browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    coordinator = browser_of("coordinator")
    response = post_form(
        coordinator,
        "/alerts/resolve",
        {
            "alert": [alerts.ids["TJ"], alerts.ids["KG"]],
            "resolution": "not_duplicate",
            "note": "checked",
            "next": "/alerts?status=open",
        },
        token_from="/alerts",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/alerts?status=open"
    stored = stored_alerts(app).values()
    assert {(a.status, a.resolution, a.note) for a in stored} == {
        ("resolved", "not_duplicate", "checked")
    }
    html = _text(coordinator.get("/alerts?status=open"))
    assert "Alerts resolved as “Not a duplicate”: 2." in html
    assert _listed_ids(html) == []


def test_a_bulk_verdict_resolves_none_if_one_was_resolved_meanwhile(
    app: Flask, browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    coordinator = browser_of("coordinator")
    token = csrf_token(coordinator, "/alerts")
    tj = f"/alerts/{alerts.ids['TJ']}"
    post_form(coordinator, f"{tj}/resolution", {"resolution": "duplicate"}, token_from=tj)
    response = coordinator.post(
        "/alerts/resolve",
        data={
            "csrf_token": token,
            "alert": [alerts.ids["TJ"], alerts.ids["KG"]],
            "resolution": "not_duplicate",
        },
    )
    assert response.status_code == 303
    by_id = {a.id: a for a in stored_alerts(app).values()}
    assert by_id[alerts.ids["TJ"]].resolution == "duplicate"
    assert by_id[alerts.ids["KG"]].status == "open"
    html = _text(coordinator.get("/alerts"))
    assert f"No alert was resolved: alert {alerts.ids['TJ']} was resolved meanwhile" in html


def test_a_focal_point_has_no_resolve_controls_and_is_refused(
    app: Flask, browser_of: Callable[..., FlaskClient], alerts: Alerts
) -> None:
    focal = browser_of("focal_point")
    listing = _text(focal.get("/alerts"))
    assert _listed_ids(listing) == [alerts.ids["TJ"]]
    assert 'name="alert"' not in listing and "/alerts/resolve" not in listing
    url = f"/alerts/{alerts.ids['TJ']}"
    one = _text(focal.get(url))
    assert "/resolution" not in one and 'name="resolution"' not in one
    token = csrf_token(focal, url)
    refused = focal.post(f"{url}/resolution", data={"csrf_token": token, "resolution": "related"})
    assert refused.status_code == 403
    bulk = focal.post(
        "/alerts/resolve",
        data={"csrf_token": token, "alert": [alerts.ids["TJ"]], "resolution": "related"},
    )
    assert bulk.status_code == 403
    assert all(a.status == "open" for a in stored_alerts(app).values())


# --- Languages ---


def test_labels_in_russian(browser_of: Callable[..., FlaskClient], alerts: Alerts) -> None:
    coordinator = browser_of("coordinator")
    headers = {"Accept-Language": "ru"}
    listing = _text(coordinator.get("/alerts", headers=headers))
    assert "Открыт" in listing  # the status "open"
    assert "Не дубликат" in listing  # the resolution "not_duplicate" in the bulk select
    one = _text(coordinator.get(f"/alerts/{alerts.ids['TJ']}", headers=headers))
    assert "Название" in one  # the reason field "title"


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999"])
def test_odd_digits_in_a_bulk_resolution_are_ignored_not_a_500(
    browser_of: Callable[..., FlaskClient], value: str
) -> None:
    browser = browser_of("coordinator")
    response = post_form(
        browser,
        "/alerts/resolve",
        {"alert": value, "resolution": "related", "note": ""},
        token_from="/alerts",
    )
    assert response.status_code == 303
