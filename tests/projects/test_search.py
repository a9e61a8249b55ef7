"""Donors' queries: filters, sorting and paging."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Account


@pytest.fixture()
def corpus(register: Any, make_org: Any) -> dict[str, dict[str, Any]]:
    make_org("jp-mofa", "Ministry of Foreign Affairs of Japan")
    return {
        "blo": register(),
        "treat": register(
            title="Family-based drug dependence treatment",
            description="Treatnet training for clinicians in Osh and Bishkek.",
            countries=["KG"],
            themes=["demand-reduction"],
            donors=["us-inl"],
            implementers=["unodc"],
            start_date="2023-01-01",
            end_date="2024-12-31",
            status="closed",
            budget={"amount": "300000", "currency": "EUR"},
        ),
        "ccp": register(
            title="Port control unit in Bandar Abbas",
            description="Container Control Programme profiling training.",
            countries=["IR", "AF"],
            themes=["border-control", "precursor-control"],
            donors=["jp-mofa"],
            implementers=["unodc"],
            start_date="2026-01-01",
            end_date=None,
            budget={"amount": "2000000", "currency": "USD"},
        ),
        "pipeline": register(
            title="Forensic laboratory for the Drug Control Agency",
            countries=["TJ"],
            themes=["forensics"],
            donors=["gb-fcdo"],
            implementers=["tj-dca"],
            status="pipeline",
            start_date=None,
            end_date=None,
            budget=None,
        ),
    }


def _codes(client: FlaskClient, account: Account, query: str) -> set[str]:
    response = client.get(f"/api/v1/projects?{query}", headers=account.headers)
    assert response.status_code == 200, response.json
    return {p["title"] for p in response.json["items"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=TJ", {"blo", "pipeline"}),
        ("country=TJ&country=KG", {"blo", "pipeline", "treat"}),
        ("country=af,kg", {"ccp", "treat"}),
        ("country=TJ&theme=border-control", {"blo"}),
        ("theme=border-control", {"blo", "ccp"}),
        ("donor=jp-mofa", {"ccp"}),
        ("implementer=tj-dca", {"pipeline"}),
        ("status=closed", {"treat"}),
        ("status=implementation&status=pipeline", {"blo", "ccp", "pipeline"}),
        ("active_on=2026-03-01", {"blo", "ccp"}),
        ("active_on=2024-06-01", {"treat"}),
        ("start_from=2025-01-01", {"blo", "ccp"}),
        ("end_to=2025-01-01", {"treat"}),
        ("q=treatnet osh", {"treat"}),
        ("q=CONTAINER", {"ccp"}),
        ("currency=USD&budget_min=1500000", {"ccp"}),
        ("currency=USD&budget_max=1500000", {"blo"}),
        ("currency=EUR", {"treat"}),
    ],
)
def test_filters(
    client: FlaskClient,
    coordinator: Account,
    corpus: dict[str, dict[str, Any]],
    query: str,
    expected: set[str],
) -> None:
    titles = {corpus[name]["title"] for name in expected}
    assert _codes(client, coordinator, query) == titles


def test_sort_and_pages(
    client: FlaskClient, coordinator: Account, corpus: dict[str, dict[str, Any]]
) -> None:
    first = client.get(
        "/api/v1/projects?sort=title&per_page=3&page=1", headers=coordinator.headers
    ).json
    second = client.get(
        "/api/v1/projects?sort=title&per_page=3&page=2", headers=coordinator.headers
    ).json
    titles = sorted(p["title"] for p in corpus.values())
    assert [p["title"] for p in first["items"]] == titles[:3]
    assert [p["title"] for p in second["items"]] == titles[3:]
    assert first["total"] == second["total"] == 4
    assert (first["page"], first["per_page"]) == (1, 3)
    by_budget = client.get("/api/v1/projects?sort=-budget", headers=coordinator.headers).json
    assert by_budget["items"][-1]["budget"] is None  # projects without a budget come last
    newest = client.get("/api/v1/projects", headers=coordinator.headers).json
    assert newest["items"][0]["id"] == corpus["pipeline"]["id"]


def _page(client: FlaskClient, account: Account, query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/projects?{query}", headers=account.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_total_counts_each_matching_project_once(
    client: FlaskClient, coordinator: Account, corpus: dict[str, dict[str, Any]]
) -> None:
    # "ccp" benefits both IR and AF, and has both themes asked: it is one match, not two.
    body = _page(client, coordinator, "country=IR,AF&theme=border-control,precursor-control")
    assert body["total"] == 1
    assert [p["id"] for p in body["items"]] == [corpus["ccp"]["id"]]
    assert _page(client, coordinator, "country=TJ,IR&theme=border-control")["total"] == 2


def test_total_past_the_last_page_and_without_matches(
    client: FlaskClient, coordinator: Account, corpus: dict[str, dict[str, Any]]
) -> None:
    past = _page(client, coordinator, "per_page=3&page=3")
    assert past["items"] == [] and past["total"] == 4
    last = _page(client, coordinator, "per_page=3&page=2")
    assert len(last["items"]) == 1 and last["total"] == 4
    none = _page(client, coordinator, "country=KG&theme=border-control")
    assert none == {"items": [], "page": 1, "per_page": 20, "total": 0}


def test_pages_follow_the_order_asked_and_cover_every_match_once(
    client: FlaskClient, coordinator: Account, corpus: dict[str, dict[str, Any]]
) -> None:
    for sort in ("-created_at", "created_at", "-start_date", "title", "-budget", "code"):
        seen = [
            p["id"]
            for page in (1, 2, 3, 4)
            for p in _page(client, coordinator, f"sort={sort}&per_page=1&page={page}")["items"]
        ]
        whole = [p["id"] for p in _page(client, coordinator, f"sort={sort}")["items"]]
        assert seen == whole, sort
        assert sorted(seen) == sorted(p["id"] for p in corpus.values()), sort
    newest_first = [p["id"] for p in _page(client, coordinator, "sort=-created_at")["items"]]
    assert newest_first == sorted(newest_first, reverse=True)  # registered one after another


def test_withdrawn_projects_leave_the_list_and_its_total(
    client: FlaskClient, coordinator: Account, corpus: dict[str, dict[str, Any]]
) -> None:
    ccp = corpus["ccp"]
    response = client.delete(
        f"/api/v1/projects/{ccp['id']}", headers={**coordinator.headers, "If-Match": ccp["_etag"]}
    )
    assert response.status_code in (200, 204), response.json
    live = _page(client, coordinator, "theme=border-control")
    assert live["total"] == 1 and [p["id"] for p in live["items"]] == [corpus["blo"]["id"]]
    gone = _page(client, coordinator, "theme=border-control&withdrawn=true")
    assert gone["total"] == 1 and [p["id"] for p in gone["items"]] == [ccp["id"]]
