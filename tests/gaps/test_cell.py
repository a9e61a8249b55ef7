"""One cell's drill-through, and the refusals of bad input."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from adam.session import new_session
from tests.conftest import Account
from tests.gaps.conftest import World, _insert_need


def test_the_rows_behind_a_cell(client: FlaskClient, coordinator: Account, world: World) -> None:
    response = client.get(
        "/api/v1/gaps/cell?country=TJ&theme=border-control", headers=coordinator.headers
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert {n["id"]: n["has_active_project"] for n in body["needs"]} == {
        world.ids["n1"]: False,
        world.ids["n2"]: True,
        world.ids["n3"]: False,
        world.ids["n5"]: False,
    }
    assert {r["code"]: r["has_active_project"] for r in body["recommendations"]} == {
        "PCG-T-1": True,
        "PCG-T-2": False,
    }
    names = {p["id"]: n for n, p in world.projects.items()}
    assert sorted(names[p["id"]] for p in body["projects"]) == ["p1", "p2", "p6"]
    [p6] = [p for p in body["projects"] if names[p["id"]] == "p6"]
    assert sorted(p6["donors"]) == ["gb-fcdo", "us-inl"]
    assert p6["budget"] == {"amount": "300000.00", "currency": "USD"}
    assert body["cell"]["projects"]["active"] == 3 and body["cell"]["gaps"] == 3
    assert body["projects_listed"] == 3

    limited = client.get(
        "/api/v1/gaps/cell?country=TJ&theme=border-control&limit=1", headers=coordinator.headers
    ).json
    assert limited["projects_listed"] == 1 and limited["cell"]["projects"]["active"] == 3


def test_needs_are_listed_by_priority_rank(
    app: Flask, client: FlaskClient, coordinator: Account, world: World
) -> None:
    """High, medium, low: not the text order of the stored values (high, low, medium)."""
    with new_session(app) as session:
        low = _insert_need(
            session,
            {
                "country": "TJ",
                "title": "Spare tyres",
                "priority": "low",
                "themes": ["border-control"],
            },
        )
        session.commit()
    body = client.get(
        "/api/v1/gaps/cell?country=TJ&theme=border-control", headers=coordinator.headers
    ).json
    assert [n["id"] for n in body["needs"]] == [
        world.ids["n1"],
        world.ids["n2"],
        world.ids["n5"],
        world.ids["n3"],
        low,
    ]


def test_a_pillar_cell_and_the_regional_row(
    client: FlaskClient, coordinator: Account, world: World
) -> None:
    pillar = client.get(
        "/api/v1/gaps/cell?country=TJ&pillar=regional_initiatives", headers=coordinator.headers
    ).json
    names = {p["id"]: n for n, p in world.projects.items()}
    assert sorted(names[p["id"]] for p in pillar["projects"]) == ["p1", "p2", "p6"]
    assert pillar["cell"]["pillar"] == {"code": "regional_initiatives"}
    regional = client.get(
        "/api/v1/gaps/cell?theme=demand-reduction", headers=coordinator.headers
    ).json
    assert regional["cell"]["country"] is None
    assert [r["code"] for r in regional["recommendations"]] == ["PCG-T-4"]
    assert regional["needs"] == [] and regional["projects"] == []
    empty = client.get(
        "/api/v1/gaps/cell?country=UZ&theme=forensics", headers=coordinator.headers
    ).json
    assert empty["cell"]["projects"]["active"] == 0 and empty["cell"]["gap"] is False
    assert empty["needs"] == empty["recommendations"] == empty["projects"] == []


def _refused(client: FlaskClient, account: Account, query: str) -> dict:  # type: ignore[type-arg]
    response = client.get(query, headers=account.headers)
    assert response.status_code == 422, (query, response.status_code, response.json)
    assert response.mimetype == "application/json"
    return response.json


def test_bad_input_is_refused_clearly(client: FlaskClient, coordinator: Account) -> None:
    body = _refused(client, coordinator, "/api/v1/gaps?country=TX")
    assert "Did you mean" in str(body) and "TJ" in str(body)
    body = _refused(client, coordinator, "/api/v1/gaps?theme=border-contrl")
    assert "Did you mean border-control" in str(body)
    body = _refused(client, coordinator, "/api/v1/gaps?theme=border-control&pillar=precursors")
    assert "not both" in str(body)
    _refused(client, coordinator, "/api/v1/gaps?by=pillar&theme=border-control")
    _refused(client, coordinator, "/api/v1/gaps?by=donor")
    _refused(client, coordinator, "/api/v1/gaps?pillar=nonsense")
    _refused(client, coordinator, "/api/v1/gaps?region=atlantis")
    _refused(client, coordinator, "/api/v1/gaps?format=pdf")
    _refused(client, coordinator, "/api/v1/gaps?colour=red")
    body = _refused(client, coordinator, "/api/v1/gaps/cell?country=TX&theme=border-control")
    assert "Did you mean" in str(body)
    body = _refused(client, coordinator, "/api/v1/gaps/cell?country=TJ&theme=borderr-control")
    assert "Did you mean border-control" in str(body)
    _refused(client, coordinator, "/api/v1/gaps/cell?country=TJ")
    _refused(
        client, coordinator, "/api/v1/gaps/cell?country=TJ&theme=border-control&pillar=precursors"
    )
    _refused(client, coordinator, "/api/v1/gaps/cell?country=TJ&theme=border-control&limit=0")
    response = client.get("/api/v1/gaps", headers={**coordinator.headers, "Accept": "image/png"})
    assert response.status_code == 406
