"""The project search page: facets and their counts, sorting, paging, downloads, languages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Account
from tests.portal.helpers import post_form

Register = Callable[..., dict[str, Any]]


def _page(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/projects{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/projects/\d+">([^<]*)</a>', html)


def _count(html: str, facet: str, code: str) -> int | None:
    found = re.search(
        rf'<label for="{facet}-{re.escape(code)}">[^<]*<span class="count">\((\d+)\)</span>', html
    )
    return int(found.group(1)) if found else None


def _three(register: Register) -> None:
    register(title="Alpha border posts", countries=["TJ"], themes=["border-control"])
    register(
        title="Bravo precursor control",
        countries=["AF"],
        themes=["precursor-control"],
        donors=["us-inl"],
    )
    register(
        title="Charlie joint patrols",
        countries=["TJ", "AF"],
        themes=["border-control"],
        donors=["us-inl"],
    )


def test_a_facet_filters_and_counts_the_other_values(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    _three(register)
    browser = browser_of("viewer")
    html = _page(browser)
    assert sorted(_titles(html)) == [
        "Alpha border posts",
        "Bravo precursor control",
        "Charlie joint patrols",
    ]
    assert _count(html, "country", "TJ") == 2 and _count(html, "country", "AF") == 2
    assert _count(html, "donor", "us-inl") == 2 and _count(html, "donor", "gb-fcdo") == 1
    html = _page(browser, "?country=AF")
    assert sorted(_titles(html)) == ["Bravo precursor control", "Charlie joint patrols"]
    # The country facet ignores its own filter (any-of); the others apply it.
    assert _count(html, "country", "TJ") == 2
    assert _count(html, "theme", "border-control") == 1
    assert _count(html, "donor", "gb-fcdo") is None  # no match, not selected: not shown
    assert 'id="country-AF" name="country" value="AF" checked' in html


def test_two_facets_at_once(browser_of: Callable[..., FlaskClient], register: Register) -> None:
    _three(register)
    html = _page(browser_of("viewer"), "?country=TJ&donor=us-inl")
    assert _titles(html) == ["Charlie joint patrols"]
    assert _count(html, "country", "AF") == 2  # AF with us-inl: Bravo and Charlie
    assert _count(html, "donor", "gb-fcdo") == 1  # TJ with the FCDO: Alpha
    # A selected value keeps its checkbox even at zero.
    html = _page(browser_of("viewer"), "?country=AF&donor=gb-fcdo")
    assert _titles(html) == []
    assert _count(html, "donor", "gb-fcdo") == 0


def test_sorting_paging_and_the_url_round_trip(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    for title, budget in (("Charlie", "30"), ("Alpha", "10"), ("Bravo", "20")):
        register(title=title, budget={"amount": budget, "currency": "USD"})
    browser = browser_of("viewer")
    html = _page(browser, "?sort=title")
    assert _titles(html) == ["Alpha", "Bravo", "Charlie"]
    assert re.search(r'<th scope="col" aria-sort="ascending"><a href="[^"]*sort=-title', html)
    assert _titles(_page(browser, "?sort=-budget")) == ["Charlie", "Bravo", "Alpha"]
    html = _page(browser, "?sort=title&per_page=2&country=TJ")
    assert _titles(html) == ["Alpha", "Bravo"]
    following = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert following is not None
    url = following.group(1).replace("&amp;", "&")
    assert url.startswith("/projects?") and "country=TJ" in url and "sort=title" in url
    assert _titles(_page(browser, url[len("/projects") :])) == ["Charlie"]
    # Sort links keep the filters.
    sort_link = re.search(r'<a href="([^"]*sort=start_date[^"]*)"', html)
    assert sort_link is not None and "country=TJ" in sort_link.group(1)


def test_the_csv_download_has_the_rows_shown(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    _three(register)
    browser = browser_of("viewer")
    html = _page(browser, "?country=AF&sort=title")
    link = re.search(r'<a href="([^"]+)" download>CSV</a>', html)
    assert link is not None
    response = browser.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["title"] for r in rows] == _titles(html)
    workbook = browser.get("/projects.xlsx?country=AF")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    xml = browser.get("/projects.iati.xml?country=AF").get_data(as_text=True)
    assert xml.count("<iati-activity ") == 2


def test_names_in_russian(browser_of: Callable[..., FlaskClient], register: Register) -> None:
    register(title="Border posts", countries=["TJ"])
    browser = browser_of("viewer")
    html = _page(browser)
    assert "Tajikistan" in html
    response = browser.get("/projects", headers={"Accept-Language": "ru"})
    assert "Таджикистан" in response.get_data(as_text=True)
    # The language switch, kept on the account, whatever the browser asks for.
    switched = post_form(
        browser, "/language", {"language": "ru", "next": "/projects"}, token_from="/projects"
    )
    assert switched.status_code == 303
    html = _page(browser, "?country=TJ")
    assert "Таджикистан" in html and "Tajikistan" not in html
    assert "Найдено проектов: 1" in html


def test_markup_in_a_title_is_escaped(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    register(title="<script>alert(1)</script> posts")
    html = _page(browser_of("viewer"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; posts" in html


def test_a_bad_query_value_gives_a_message(
    browser_of: Callable[..., FlaskClient], register: Register
) -> None:
    register()
    browser = browser_of("viewer")
    for query in ("?active_on=yesterday", "?per_page=0", "?country=ZZ", "?sort=nonsense"):
        response = browser.get(f"/projects{query}")
        assert response.status_code == 422, query
        assert 'role="alert"' in response.get_data(as_text=True)
    assert browser.get("/projects.csv?active_on=yesterday").status_code == 422
    # A blank field of the GET form is no filter.
    assert browser.get("/projects?active_on=&q=").status_code == 200


def test_withdrawn_projects_are_for_coordinators(
    browser_of: Callable[..., FlaskClient],
    register: Register,
    client: FlaskClient,
    coordinator: Account,
) -> None:
    register(title="Kept")
    gone = register(title="Gone")
    deleted = client.delete(
        f"/api/v1/projects/{gone['id']}",
        headers={**coordinator.headers, "If-Match": gone["_etag"]},
    )
    assert deleted.status_code == 204
    viewer = browser_of("viewer")
    html = _page(viewer)
    assert _titles(html) == ["Kept"] and 'name="withdrawn"' not in html
    assert viewer.get("/projects?withdrawn=true").status_code == 403
    assert viewer.get("/projects.csv?withdrawn=true").status_code == 403
    staff = browser_of("coordinator")
    assert 'name="withdrawn"' in _page(staff)
    assert _titles(_page(staff, "?withdrawn=true")) == ["Gone"]


def test_facet_counts_follow_every_write(
    browser_of: Callable[..., FlaskClient], register: Callable[..., dict[str, Any]]
) -> None:
    """The counts are kept between readers, and a registration or a withdrawal is seen at once."""
    browser = browser_of("coordinator")
    first = register(countries=["TJ"], title="Mobile team training in Khatlon")

    def tajik_count() -> str:
        html = browser.get("/projects").get_data(as_text=True)
        found = re.search(r'for="country-TJ">[^<]*<span class="count">\((\d+)\)', html)
        assert found, html
        return found.group(1)

    assert tajik_count() == "1"
    register(countries=["TJ"], title="Precursor control laboratory in Dushanbe")
    assert tajik_count() == "2"
    withdrawn = browser_of("admin")
    response = post_form(
        withdrawn,
        f"/projects/{first['id']}/withdraw",
        {"expected_version": first["version"]},
        token_from=f"/projects/{first['id']}",
    )
    assert response.status_code == 303
    assert tajik_count() == "1"
