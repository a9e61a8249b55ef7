"""A country's page: its projects by theme and donor (the API's tables), open duplicate
alerts by the inbox's rules, documents of its projects, and its focal points."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.auth.models import User
from adam.session import new_session
from tests.conftest import Account
from tests.duplicates.conftest import TWIN_TITLE

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _table(page: str, figure_id: str) -> dict[str, list[str]]:
    """The table of a chart of the page, by the chart's id: the row's name -> its cells' texts."""
    tree = html.fromstring(page)
    rows = tree.xpath(f'//figure[@id="{figure_id}"]//table[@id="{figure_id}-table"]/tbody/tr')
    return {
        row.xpath("string(th)").strip(): [td.text_content().strip() for td in row.xpath("td")]
        for row in rows
    }


def _upload(client: FlaskClient, account: Account, project_id: int, title: str) -> int:
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(PDF), filename="report.pdf"),
            "title": title,
            "category": "A07",
            "language": "en",
        }
    )
    response = client.post(
        f"/api/v1/projects/{project_id}/documents",
        data=body,
        headers=account.headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


@pytest.fixture()
def projects(register: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    specs = [
        {"countries": ["TJ"], "themes": ["border-control"], "donors": ["gb-fcdo"]},
        {
            "countries": ["TJ", "AF"],
            "themes": ["border-control", "law-enforcement"],
            "donors": ["gb-fcdo", "us-inl"],
            "budget": {"amount": "200000.00", "currency": "EUR"},
        },
        {
            "countries": ["TJ"],
            "themes": ["demand-reduction"],
            "donors": ["us-inl"],
            "title": "Prison reform and drug treatment in Dushanbe",
            "description": "Opioid substitution therapy in three prisons.",
        },
        {"countries": ["KZ"], "themes": ["border-control"], "donors": ["us-inl"]},
    ]
    return [
        register(**{"title": f"Country page project {n}", **spec}) for n, spec in enumerate(specs)
    ]


def test_the_tables_are_the_apis_and_the_sums_of_the_projects(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    projects: list[dict[str, Any]],
) -> None:
    page = browser_of("viewer").get("/countries/TJ")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    in_tj = [p for p in projects if any(c["code"] == "TJ" for c in p["countries"])]
    themes = Counter(t["name"] for p in in_tj for t in p["themes"])
    donors = Counter(d["name"] for p in in_tj for d in p["donors"])
    by_theme = _table(text, "theme-chart")
    by_donor = _table(text, "donor-chart")
    assert {name: int(cells[0]) for name, cells in by_theme.items()} == themes
    assert {name: int(cells[0]) for name, cells in by_donor.items()} == donors
    for by, shown in (("theme", by_theme), ("donor", by_donor)):
        api = client.get(
            f"/api/v1/stats/projects?by={by}&country=TJ", headers=coordinator.headers
        ).json
        assert {row[by]["name"]: row["projects"] for row in api["rows"]} == {
            name: int(cells[0]) for name, cells in shown.items()
        }
    # Budgets per currency: the FCDO funds one USD project and one EUR project in TJ.
    assert by_donor["Foreign, Commonwealth & Development Office"][1:] == [
        "200,000.00",
        "1,250,000.00",
    ]
    tree = html.fromstring(text)
    heads = tree.xpath('//table[@id="donor-chart-table"]/thead/tr/th/text()')
    assert heads == ["Donor", "Projects", "Budget (EUR)", "Budget (USD)"]
    # Each chart's table once: the chart's own.
    for first in ("Theme", "Donor", "Year"):
        assert tree.xpath(f"count(//table[thead/tr/th[1]='{first}'])") == 1, first
    (total,) = tree.xpath('//ul[@class="summary"]/li[1]/strong')
    assert total.text == str(len(in_tj))


def test_the_filters_of_the_url_narrow_the_tables_and_the_links(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]]
) -> None:
    text = browser_of("viewer").get("/countries/TJ?theme=border-control").get_data(as_text=True)
    assert "Only the projects matching: Theme: Border control" in text
    by_theme = _table(text, "theme-chart")
    assert by_theme["Border control and management"][0] == "2"
    assert by_theme["Law enforcement capacity and training"][0] == "1"
    assert "Drug demand reduction" not in " ".join(by_theme)
    tree = html.fromstring(text)
    links = tree.xpath('//table[@id="theme-chart-table"]//a/@href')
    assert "/projects?country=TJ&theme=law-enforcement" in links


def test_each_chart_links_to_the_statistics_page_and_its_downloads(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]]
) -> None:
    viewer = browser_of("viewer")
    text = viewer.get("/countries/TJ?status=implementation&documents_page=1").get_data(as_text=True)
    tree = html.fromstring(text)
    expected = {
        "theme-chart": "status=implementation&by=theme&country=TJ",
        "donor-chart": "status=implementation&by=donor&country=TJ",
        "timeline-chart": "status=implementation&chart=timeline&country=TJ",
    }
    for figure_id, stats_query in expected.items():
        figure = f'//figure[@id="{figure_id}"]'
        (link,) = tree.xpath(f'{figure}//a[@class="chart-link"]/@href')
        assert link == f"/statistics?{stats_query}"
        downloads = tree.xpath(f"{figure}//a[@download]/@href")
        assert downloads == [f"/statistics.csv?{stats_query}", f"/statistics.xlsx?{stats_query}"]
        assert viewer.get(link).status_code == 200
        csv = viewer.get(downloads[0])
        assert csv.status_code == 200 and csv.mimetype == "text/csv"
    # The statistics page draws the same table as the country page.
    stats = viewer.get("/statistics?status=implementation&by=theme&country=TJ").get_data(
        as_text=True
    )
    country_rows = _table(text, "theme-chart")
    stats_rows = _table(stats, "chart")
    assert {k: v[0] for k, v in stats_rows.items()} == {k: v[0] for k, v in country_rows.items()}
    assert len(country_rows) == 3  # border control, law enforcement, demand reduction
    donors = viewer.get(f"/statistics.csv?{expected['donor-chart']}").get_data(as_text=True)
    assert "Foreign, Commonwealth & Development Office" in donors


@pytest.mark.parametrize("path", ["/countries/ZZ", "/countries/TJK", "/countries/1"])
def test_an_unknown_country_is_not_found(browser_of: Callable[..., FlaskClient], path: str) -> None:
    response = browser_of("viewer").get(path)
    assert response.status_code == 404
    assert "This page does not exist." in response.get_data(as_text=True)


def test_a_lower_case_code_goes_to_the_countrys_page(
    browser_of: Callable[..., FlaskClient],
) -> None:
    response = browser_of("viewer").get("/countries/tj?year=2025")
    assert response.status_code == 301
    assert response.headers["Location"] == "/countries/TJ?year=2025"


def test_kosovo_has_a_page(browser_of: Callable[..., FlaskClient]) -> None:
    text = browser_of("viewer").get("/countries/XK").get_data(as_text=True)
    assert "<h1>Kosovo" in text
    assert "No project matches these filters." in text


def test_open_alerts_follow_the_inboxs_rules(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    first = register()
    twin = register(title=TWIN_TITLE)
    assert twin["possible_duplicates"], "the pair should raise an alert"
    coordinator = browser_of("coordinator").get("/countries/TJ").get_data(as_text=True)
    assert "Open duplicate alerts" in coordinator
    assert f'href="/projects/{first["id"]}"' in coordinator
    assert f'href="/projects/{twin["id"]}"' in coordinator
    assert "/alerts?status=open&amp;country=TJ" in coordinator
    # A focal point of Tajikistan sees them; one of Kazakhstan (no organization) does not.
    assert f'href="/projects/{twin["id"]}"' in browser_of("focal_point").get(
        "/countries/TJ"
    ).get_data(as_text=True)
    other = browser_of("focal_point", country="KZ").get("/countries/TJ").get_data(as_text=True)
    assert "No open alert touches the country's projects." in other
    assert f'href="/projects/{twin["id"]}"' not in other
    # Viewers see no alerts at all, so no section.
    assert "Open duplicate alerts" not in browser_of("viewer").get("/countries/TJ").get_data(
        as_text=True
    )
    # Alerts of another country's projects are not this country's.
    assert "No open alert touches" in browser_of("coordinator").get("/countries/KZ").get_data(
        as_text=True
    )


def test_documents_of_its_live_projects(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    projects: list[dict[str, Any]],
) -> None:
    _upload(client, coordinator, projects[0]["id"], "Mid-term evaluation")
    _upload(client, coordinator, projects[1]["id"], "Joint border assessment")
    _upload(client, coordinator, projects[3]["id"], "Kazakh customs report")
    gone = _upload(client, coordinator, projects[2]["id"], "Withdrawn annex")
    client.delete(
        f"/api/v1/projects/{projects[2]['id']}/documents/{gone}", headers=coordinator.headers
    )
    text = browser_of("viewer").get("/countries/TJ").get_data(as_text=True)
    assert "Documents: 2." in text
    assert "Mid-term evaluation" in text and "Joint border assessment" in text
    assert "Kazakh customs report" not in text and "Withdrawn annex" not in text
    assert f"/projects/{projects[0]['id']}/documents/" in text
    # A withdrawn project's documents leave the list with it.
    response = client.delete(f"/api/v1/projects/{projects[1]['id']}", headers=coordinator.headers)
    assert response.status_code == 204
    text = browser_of("coordinator").get("/countries/TJ").get_data(as_text=True)
    assert "Documents: 1." in text and "Joint border assessment" not in text
    afghanistan = browser_of("viewer").get("/countries/AF").get_data(as_text=True)
    assert "No document has been added to the country's projects." in afghanistan


def test_focal_points_are_listed_with_their_addresses(
    app: Flask,
    browser_of: Callable[..., FlaskClient],
    make_user: Callable[..., Account],
    admin: Account,
) -> None:
    tj = make_user("focal_point", country="TJ", email="tj.focal@example.org")
    make_user("focal_point", country="KZ", email="kz.focal@example.org")
    gone = make_user("focal_point", country="TJ", email="tj.former@example.org")
    make_user("coordinator", email="not.a.focal@example.org")
    with new_session(app) as session:
        auth_service.set_user_active(session, gone.id, active=False, actor=_actor(app, admin))
        session.commit()
    text = browser_of("viewer").get("/countries/TJ").get_data(as_text=True)
    assert 'href="mailto:tj.focal@example.org"' in text
    for address in ("kz.focal@example.org", "tj.former@example.org", "not.a.focal@example.org"):
        assert address not in text
    assert "/admin/users/" not in text
    admin_page = browser_of("admin").get("/countries/TJ").get_data(as_text=True)
    assert f'href="/admin/users/{tj.id}"' in admin_page


def _actor(app: Flask, account: Account) -> Actor:
    with new_session(app) as session:
        user = session.get(User, account.id)
        assert user is not None
        return Actor.from_user(user)


@pytest.mark.parametrize("role", ["admin", "coordinator", "focal_point", "donor", "viewer"])
def test_every_role_reads_a_country_page(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]], role: str
) -> None:
    response = browser_of(role).get("/countries/AF")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<h1>Afghanistan" in text and "Projects by theme" in text
    assert ("Open duplicate alerts" in text) is (role != "viewer")


def test_the_map_links_to_the_country_page(
    browser_of: Callable[..., FlaskClient], projects: list[dict[str, Any]]
) -> None:
    text = browser_of("viewer").get("/map").get_data(as_text=True)
    assert 'href="/countries/TJ"' in text


def test_withdrawn_projects_are_for_staff(browser_of: Callable[..., FlaskClient]) -> None:
    assert browser_of("donor").get("/countries/TJ?withdrawn=true").status_code == 403
    assert browser_of("coordinator").get("/countries/TJ?withdrawn=true").status_code == 200


def test_the_timeline_is_the_apis_and_counts_the_years_each_project_runs(
    browser_of: Callable[..., FlaskClient],
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> None:
    spans = [("2019-05-01", "2020-12-31"), ("2020-01-01", "2022-06-30"), ("2024-03-01", None)]
    for n, (start, end) in enumerate(spans):
        register(title=f"Timeline project {n}", start_date=start, end_date=end)
    register(title="Undated project", start_date=None, end_date=None)
    register(title="Elsewhere", countries=["KZ"], start_date="2010-01-01")
    text = browser_of("viewer").get("/countries/TJ").get_data(as_text=True)
    shown = _table(text, "timeline-chart")
    this_year = dt.date.today().year
    expected = Counter(
        year
        for start, end in spans
        for year in range(int(start[:4]), int(end[:4]) + 1 if end else this_year + 1)
    )
    years = range(2019, this_year + 1)
    assert list(shown) == [str(y) for y in years]
    assert {int(y): int(cells[0]) for y, cells in shown.items()} == {
        y: expected.get(y, 0) for y in years
    }
    assert shown["2023"][:3] == ["0", "0", "0"]  # a gap between projects
    assert shown["2020"][1:3] == ["1", "1"]  # one starting, one ending
    api = client.get("/api/v1/stats/timeline?country=TJ", headers=coordinator.headers).json
    assert {str(r["year"]): r["active"] for r in api["rows"]} == {
        y: int(cells[0]) for y, cells in shown.items() if cells[0] != "0"
    }
    assert api["undated"] == 1
    assert "Projects without a start date are not on the timeline: 1." in text
