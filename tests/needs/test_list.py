"""Listing needs: filters, sort, paging and word search (Cyrillic too)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Account
from tests.needs.helpers import create


def _ids(client: FlaskClient, account: Account, query: str) -> list[int]:
    response = client.get(f"/api/v1/needs?{query}", headers=account.headers)
    assert response.status_code == 200, response.json
    return [n["id"] for n in response.json["items"]]


@pytest.fixture()
def needs(client: FlaskClient, coordinator: Account) -> dict[str, dict[str, Any]]:
    return {
        "tj": create(client, coordinator, country="TJ", priority="high", themes=["border-control"]),
        "af": create(
            client,
            coordinator,
            country="AF",
            priority="low",
            themes=["demand-reduction"],
            title="Центры лечения наркозависимости в Герате",
            description="Оборудование и ОБУЧЕНИЕ персонала",
            location="Herat",
            estimated_cost={"amount": "90000.00", "currency": "EUR"},
        ),
        "uz": create(
            client,
            coordinator,
            country="UZ",
            priority="medium",
            themes=["financial-flows", "precursor-control"],
            title="Financial intelligence unit analysts",
            estimated_cost=None,
        ),
    }


def test_filters(client: FlaskClient, coordinator: Account, needs: dict[str, Any]) -> None:
    tj, af, uz = needs["tj"]["id"], needs["af"]["id"], needs["uz"]["id"]
    assert sorted(_ids(client, coordinator, "country=TJ&country=uz")) == sorted([tj, uz])
    assert sorted(_ids(client, coordinator, "country=TJ,AF")) == sorted([tj, af])
    assert _ids(client, coordinator, "theme=precursor-control") == [uz]
    assert _ids(client, coordinator, "pillar=drug_abuse_and_dependence") == [af]
    both = "pillar=regional_initiatives,financial_flows"
    assert sorted(_ids(client, coordinator, both)) == sorted([tj, uz])
    assert _ids(client, coordinator, "priority=high") == [tj]
    assert _ids(client, coordinator, "state=open&country=AF") == [af]
    assert _ids(client, coordinator, "state=met") == []
    assert _ids(client, coordinator, "q=intelligence analysts") == [uz]
    assert _ids(client, coordinator, "q=herat") == [af]  # the location is searched too


def test_cyrillic_words_match_in_any_case(
    client: FlaskClient, coordinator: Account, needs: dict[str, Any]
) -> None:
    af = needs["af"]["id"]
    assert _ids(client, coordinator, "q=ЛЕЧЕНИЯ") == [af]
    assert _ids(client, coordinator, "q=обучение герате") == [af]
    assert _ids(client, coordinator, "q=обучение границы") == []


def test_sort_and_paging(client: FlaskClient, coordinator: Account, needs: dict[str, Any]) -> None:
    tj, af, uz = needs["tj"]["id"], needs["af"]["id"], needs["uz"]["id"]
    assert _ids(client, coordinator, "") == [uz, af, tj]  # newest first
    assert _ids(client, coordinator, "sort=priority") == [tj, uz, af]
    assert _ids(client, coordinator, "sort=-priority") == [af, uz, tj]
    assert _ids(client, coordinator, "sort=title,id") == [tj, uz, af]
    assert _ids(client, coordinator, "sort=-cost") == [tj, af, uz]
    page = client.get("/api/v1/needs?per_page=2&page=2&sort=id", headers=coordinator.headers).json
    assert page == {**page, "page": 2, "per_page": 2, "total": 3}
    assert [n["id"] for n in page["items"]] == [uz]
    beyond = client.get("/api/v1/needs?per_page=2&page=9", headers=coordinator.headers).json
    assert beyond["items"] == [] and beyond["total"] == 3


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("country=TX", "country", "Did you mean"),
        ("theme=border", "theme", "Unknown theme: border."),
        ("pillar=roads", "pillar", "Must be one of"),
        ("priority=urgent", "priority", "Must be one of"),
        ("state=closed", "state", "Must be one of"),
        ("recommendation=55", "recommendation", "No recommendation with id 55."),
        ("sort=colour", "sort", "Sort by one of"),
        ("per_page=1000", "per_page", ""),
        ("colour=red", "colour", "Unknown field."),
    ],
)
def test_bad_filters_are_422(
    client: FlaskClient, coordinator: Account, query: str, field: str, message: str
) -> None:
    response = client.get(f"/api/v1/needs?{query}", headers=coordinator.headers)
    assert response.status_code == 422, response.json
    details = response.json["error"]["details"]
    # A code inside a list is named with its position (``pillar.0``).
    messages = [m for key, ms in details.items() if key.split(".")[0] == field for m in ms]
    assert any(message in m for m in messages), details
