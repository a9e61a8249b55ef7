"""The gap and overlap figures against sums computed here from the rows the test inserted."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adam.duplicates.models import AlertStatus, DuplicateAlert
from adam.reference.models import Theme
from adam.session import new_session
from tests.conftest import Account
from tests.gaps.conftest import World, themes_of

OPEN_NEEDS = ("open", "partly_met")


def _pillars(app: Flask) -> dict[str, str]:
    with new_session(app) as session:
        return {slug: p.value for slug, p in session.execute(select(Theme.slug, Theme.pillar))}


def _open_alerts(app: Flask) -> list[tuple[int, int]]:
    with new_session(app) as session:
        return [
            (a, b)
            for a, b in session.execute(
                select(DuplicateAlert.project_a_id, DuplicateAlert.project_b_id).where(
                    DuplicateAlert.status == AlertStatus.OPEN
                )
            )
        ]


def expected(
    world: World,
    country: str | None,
    column: str,
    by: str,
    pillars: dict[str, str],
    alerts: list[tuple[int, int]],
) -> dict[str, Any]:
    """The cell's figures, summed here from the inserted rows."""
    projects = [
        (name, p)
        for name, p in world.projects.items()
        if country is not None
        and world.active(name)
        and country in p["countries"]
        and themes_of(p, column, by, pillars)
    ]
    budget: dict[str, Decimal] = {}
    donors: set[str] = set()
    for _, p in projects:
        currency = p["budget"]["currency"]
        budget[currency] = budget.get(currency, Decimal(0)) + Decimal(p["budget"]["amount"])
        donors |= set(p["donors"])
    needs = [
        (name, n)
        for name, n in world.needs.items()
        if n.get("state", "open") in OPEN_NEEDS
        and n["country"] == country
        and themes_of(n, column, by, pillars)
    ]
    cost: dict[str, Decimal] = {}
    for _, n in needs:
        if n.get("cost"):
            cost[n["cost"][1]] = cost.get(n["cost"][1], Decimal(0)) + Decimal(n["cost"][0])
    unassisted_high = sum(
        1 for name, n in needs if n["priority"] == "high" and not world.assisted("need", name)
    )
    recs = [
        name
        for name, r in world.recommendations.items()
        if r["state"] == "endorsed"
        and ((country in r["countries"]) if country else not r["countries"])
        and themes_of(r, column, by, pillars)
    ]
    unassisted_recs = sum(1 for name in recs if not world.assisted("recommendation", name))
    ids = {p["id"] for _, p in projects}
    return {
        "needs": {
            "open": len(needs),
            **{
                p: sum(1 for _, n in needs if n["priority"] == p) for p in ("high", "medium", "low")
            },
            "cost": {c: f"{a:.2f}" for c, a in cost.items()},
            "high_without_active_project": unassisted_high,
        },
        "projects": {
            "active": len(projects),
            "budget": {c: f"{a:.2f}" for c, a in budget.items()},
            "donors": len(donors),
        },
        "recommendations": {"endorsed": len(recs), "without_active_project": unassisted_recs},
        "gaps": unassisted_high + unassisted_recs,
        "gap": unassisted_high + unassisted_recs > 0,
        # several donors, and not all on one co-funded project
        "overlap": len(donors) >= 2 and sum(1 for _, p in projects if p["donors"]) >= 2,
        "duplicate_alerts": sum(1 for a, b in alerts if a in ids and b in ids),
    }


def _as_expected(cell: dict[str, Any]) -> dict[str, Any]:
    return {
        "needs": {
            **{k: v for k, v in cell["needs"].items() if k != "cost"},
            "cost": {c["currency"]: c["amount"] for c in cell["needs"]["cost"]},
        },
        "projects": {
            "active": cell["projects"]["active"],
            "budget": {c["currency"]: c["amount"] for c in cell["projects"]["budget"]},
            "donors": cell["projects"]["donors"],
        },
        **{k: cell[k] for k in ("recommendations", "gaps", "gap", "overlap", "duplicate_alerts")},
    }


def _key(cell: dict[str, Any], by: str) -> tuple[str | None, str]:
    column = cell[by]["slug"] if by == "theme" else cell[by]["code"]
    return (cell["country"]["code"] if cell["country"] else None, column)


@pytest.mark.parametrize("by", ["theme", "pillar"])
def test_every_cell_matches_the_sums_of_the_rows(
    app: Flask, client: FlaskClient, coordinator: Account, world: World, by: str
) -> None:
    response = client.get(f"/api/v1/gaps?by={by}", headers=coordinator.headers)
    assert response.status_code == 200, response.json
    assert response.json["by"] == by and response.json["overlap_donors"] == 2
    pillars, alerts = _pillars(app), _open_alerts(app)
    cells = {_key(c, by): c for c in response.json["cells"]}
    assert len(cells) == len(response.json["cells"])
    # Every cell anything falls in is there, and no other.
    wanted: set[tuple[str | None, str]] = set()
    columns = set(pillars) if by == "theme" else set(pillars.values())
    for column in columns:
        for country in ("TJ", "AF", None):
            figures = expected(world, country, column, by, pillars, alerts)
            if (
                figures["projects"]["active"]
                or figures["needs"]["open"]
                or figures["recommendations"]["endorsed"]
            ):
                wanted.add((country, column))
                assert _as_expected(cells[(country, column)]) == figures, (country, column)
    assert set(cells) == wanted


def test_the_figures_of_the_busiest_cell(
    client: FlaskClient, coordinator: Account, world: World
) -> None:
    """Written out once, so a wrong rule in both the service and ``expected`` shows."""
    response = client.get(
        "/api/v1/gaps?country=TJ&theme=border-control", headers=coordinator.headers
    )
    [cell] = response.json["cells"]
    assert cell["country"]["code"] == "TJ" and cell["theme"]["slug"] == "border-control"
    assert cell["projects"] == {
        "active": 3,  # p1, p2, p6: not p3 (closed), p4 (ended), p7 (withdrawn)
        "budget": [
            {"currency": "EUR", "amount": "500000.00", "projects": 1},
            {"currency": "USD", "amount": "1300000.00", "projects": 2},
        ],
        "donors": 2,
    }
    assert cell["needs"] == {
        "open": 4,
        "high": 3,
        "medium": 1,
        "low": 0,
        "cost": [
            {"currency": "EUR", "amount": "70000.00"},
            {"currency": "USD", "amount": "150000.00"},
        ],
        "high_without_active_project": 2,  # n1 (link only suggested), n5 (project closed)
    }
    assert cell["recommendations"] == {"endorsed": 2, "without_active_project": 1}
    assert cell["gaps"] == 3 and cell["gap"] is True and cell["overlap"] is True
    assert cell["duplicate_alerts"] >= 1  # p1-p6 at least; the matcher may have raised others


def test_a_pillar_counts_a_project_or_need_with_two_of_its_themes_once(
    client: FlaskClient, coordinator: Account, world: World
) -> None:
    response = client.get(
        "/api/v1/gaps?by=pillar&country=TJ&pillar=regional_initiatives",
        headers=coordinator.headers,
    )
    [cell] = response.json["cells"]
    assert cell["pillar"] == {"code": "regional_initiatives"}
    assert cell["projects"]["active"] == 3  # p2 has two of the pillar's themes
    assert cell["needs"]["open"] == 4  # so has n2


def test_filters_pick_cells(client: FlaskClient, coordinator: Account, world: World) -> None:
    def keys(query: str) -> set[tuple[str | None, str]]:
        response = client.get(f"/api/v1/gaps?{query}", headers=coordinator.headers)
        assert response.status_code == 200, response.json
        return {
            _key(c, "pillar" if "by=pillar" in query else "theme") for c in response.json["cells"]
        }

    everything = keys("")
    assert (None, "demand-reduction") in everything  # the regional row
    assert keys("country=TJ") == {k for k in everything if k[0] == "TJ"}
    assert keys("country=TJ&country=AF") == {k for k in everything if k[0] in ("TJ", "AF")}
    assert keys("country=tj,af") == keys("country=TJ&country=AF")
    assert keys("region=central_asia") == {k for k in everything if k[0] == "TJ"}
    assert keys("theme=precursor-control") == {
        ("TJ", "precursor-control"),
        ("AF", "precursor-control"),
    }
    assert keys("pillar=drug_abuse_and_dependence") == {(None, "demand-reduction")}
    assert keys("by=pillar&pillar=precursors") == {("TJ", "precursors"), ("AF", "precursors")}
    assert keys("region=gulf") == set()


def test_the_overlap_threshold_is_a_setting(
    app: Flask, database_url: str, world: World, coordinator: Account
) -> None:
    from adam.app import create_app

    strict = create_app({"ENV": "testing", "DATABASE_URL": database_url, "GAP_OVERLAP_DONORS": 3})
    try:
        response = strict.test_client().get(
            "/api/v1/gaps?country=TJ&theme=border-control", headers=coordinator.headers
        )
        [cell] = response.json["cells"]
        assert response.json["overlap_donors"] == 3
        assert cell["projects"]["donors"] == 2 and cell["overlap"] is False
    finally:
        strict.extensions["adam.engine"].dispose()


def test_a_write_shows_at_once(
    app: Flask, client: FlaskClient, coordinator: Account, world: World, register: Any
) -> None:
    """The kept matrix is not served once the data it was computed from has changed."""
    query = "/api/v1/gaps?country=AF&theme=precursor-control"
    before = client.get(query, headers=coordinator.headers).json["cells"][0]
    register(
        title="Second precursor project in Mazar-i-Sharif",
        description="Another laboratory, with its own donor.",
        countries=["AF"],
        themes=["precursor-control"],
        donors=["gb-fcdo"],
        budget={"amount": "10.00", "currency": "USD"},
        end_date=None,
    )
    after = client.get(query, headers=coordinator.headers).json["cells"][0]
    assert after["projects"]["active"] == before["projects"]["active"] + 1
    assert after["projects"]["donors"] == 2 and after["overlap"] is True


def test_csv_and_excel_hold_the_same_cells(
    client: FlaskClient, coordinator: Account, world: World
) -> None:
    json_cells = client.get("/api/v1/gaps?country=TJ", headers=coordinator.headers).json["cells"]
    response = client.get("/api/v1/gaps?country=TJ&format=csv", headers=coordinator.headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == len(json_cells)
    [row] = [r for r in rows if r["theme"] == "border-control"]
    assert row["country"] == "TJ" and row["active_projects"] == "3" and row["donors"] == "2"
    assert row["budget_USD"] == "1300000.00" and row["need_cost_EUR"] == "70000.00"
    assert row["needs_high"] == "3" and row["gaps"] == "3"
    assert row["gap"] == "yes" and row["overlap"] == "yes"

    by_accept = client.get(
        "/api/v1/gaps?country=TJ",
        headers={
            **coordinator.headers,
            "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    assert by_accept.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(by_accept.data)).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = list(values[0]), values[1:]
    assert len(body) == len(json_cells)
    [line] = [
        dict(zip(header, r, strict=True))
        for r in body
        if r[header.index("theme")] == "border-control"
    ]
    assert line["active_projects"] == 3 and line["donors"] == 2
    assert Decimal(str(line["budget_USD"])) == Decimal("1300000")
    assert line["overlap"] == "yes"


def test_any_signed_in_role_reads_and_no_one_else(
    client: FlaskClient, make_user: Any, world: World
) -> None:
    for role, country in (("donor", None), ("focal_point", "TJ"), ("viewer", None)):
        account = make_user(role, country=country, org="gb-fcdo" if role == "donor" else None)
        assert client.get("/api/v1/gaps", headers=account.headers).status_code == 200
        assert (
            client.get(
                "/api/v1/gaps/cell?country=TJ&theme=border-control", headers=account.headers
            ).status_code
            == 200
        )
    assert client.get("/api/v1/gaps").status_code == 401
    assert client.get("/api/v1/gaps/cell?country=TJ&theme=border-control").status_code == 401


def test_one_co_funded_project_alone_is_no_overlap(
    client: FlaskClient, coordinator: Account, world: World, register: Any
) -> None:
    query = "/api/v1/gaps?country=KG&theme=border-control"
    register(
        title="Border liaison office in Osh",
        description="One project, two donors.",
        countries=["KG"],
        themes=["border-control"],
        donors=["gb-fcdo", "us-inl"],
        end_date=None,
    )
    [alone] = client.get(query, headers=coordinator.headers).json["cells"]
    assert alone["projects"]["active"] == 1 and alone["projects"]["donors"] == 2
    assert alone["overlap"] is False
    register(
        title="Mobile teams on the Kyrgyz-Tajik border",
        description="A second project, funded by one of the two.",
        countries=["KG"],
        themes=["border-control"],
        donors=["us-inl"],
        end_date=None,
    )
    [two] = client.get(query, headers=coordinator.headers).json["cells"]
    assert two["projects"]["active"] == 2 and two["projects"]["donors"] == 2
    assert two["overlap"] is True
