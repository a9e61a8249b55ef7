"""A small world for the gap figures: projects through the API; needs, recommendations,
links and duplicate alerts inserted through the models (their APIs are written elsewhere)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adam.coverage.models import CoverageLink, LinkState
from adam.duplicates.models import AlertStatus, DuplicateAlert
from adam.gaps import service as gaps_service
from adam.needs.models import Need, NeedState, Priority
from adam.pact.models import Event, EventKind, Recommendation, RecommendationState
from adam.reference.models import Country, Theme
from adam.session import new_session
from tests.conftest import Account

TODAY = dt.datetime.now(dt.UTC).date()
ACTIVE = ("pipeline", "implementation", "finalisation")


@dataclass
class World:
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    needs: dict[str, dict[str, Any]] = field(default_factory=dict)
    recommendations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (kind, name, project name, state)
    links: list[tuple[str, str, str, LinkState]] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def active(self, name: str) -> bool:
        p = self.projects[name]
        end = p.get("end_date")
        return (
            not p.get("_withdrawn")
            and p["status"] in ACTIVE
            and (end is None or dt.date.fromisoformat(end) >= TODAY)
        )

    def assisted(self, kind: str, name: str) -> bool:
        return any(
            k == kind and n == name and state == LinkState.CONFIRMED and self.active(project)
            for k, n, project, state in self.links
        )


def _insert_need(session: Any, spec: dict[str, Any]) -> int:
    themes = list(session.scalars(select(Theme).where(Theme.slug.in_(spec["themes"]))))
    need = Need(
        country_code=spec["country"],
        title=spec["title"],
        priority=Priority(spec["priority"]),
        cost_amount=Decimal(spec["cost"][0]) if spec.get("cost") else None,
        cost_currency=spec["cost"][1] if spec.get("cost") else None,
        state=NeedState(spec.get("state", "open")),
        themes=themes,
    )
    if spec.get("created_at"):
        need.created_at = spec["created_at"]
    session.add(need)
    session.flush()
    return need.id


def _insert_recommendation(session: Any, spec: dict[str, Any], event_id: int) -> int:
    rec = Recommendation(
        code=spec["code"],
        text_en=spec["code"] + " text",
        event_id=event_id,
        pillar=spec["pillar"],
        state=RecommendationState(spec["state"]),
        themes=list(session.scalars(select(Theme).where(Theme.slug.in_(spec["themes"])))),
        countries=list(session.scalars(select(Country).where(Country.code.in_(spec["countries"])))),
    )
    session.add(rec)
    session.flush()
    return rec.id


def insert_rows(app: Flask, world: World) -> None:
    """The needs, recommendations and links of ``world``, with one event for the recommendations."""
    with new_session(app) as session:
        event = Event(kind=EventKind.POLICY_CONSULTATIVE_GROUP, start_date=dt.date(2023, 5, 1))
        session.add(event)
        session.flush()
        for name, spec in world.needs.items():
            world.ids[name] = _insert_need(session, spec)
        for name, spec in world.recommendations.items():
            world.ids[name] = _insert_recommendation(session, spec, event.id)
        for kind, name, project, state in world.links:
            session.add(
                CoverageLink(
                    project_id=world.projects[project]["id"],
                    need_id=world.ids[name] if kind == "need" else None,
                    recommendation_id=world.ids[name] if kind == "recommendation" else None,
                    state=state,
                )
            )
        session.commit()
    gaps_service.clear_cache()


def open_alert(app: Flask, a: int, b: int, status: AlertStatus = AlertStatus.OPEN) -> None:
    """A duplicate alert between two projects, unless the matcher raised one already."""
    low, high = sorted((a, b))
    with new_session(app) as session:
        found = session.scalar(
            select(DuplicateAlert).where(
                DuplicateAlert.project_a_id == low, DuplicateAlert.project_b_id == high
            )
        )
        if found is None:
            session.add(
                DuplicateAlert(
                    project_a_id=low,
                    project_b_id=high,
                    raised_by_project_id=high,
                    score=0.9,
                    reasons=[],
                    status=status,
                )
            )
        else:
            found.status = status
        session.commit()
    gaps_service.clear_cache()


def withdraw(client: FlaskClient, account: Account, project: dict[str, Any]) -> None:
    response = client.delete(
        f"/api/v1/projects/{project['id']}",
        headers={**account.headers, "If-Match": project["_etag"]},
    )
    assert response.status_code in (200, 204), response.json
    project["_withdrawn"] = True
    gaps_service.clear_cache()


PROJECTS: dict[str, dict[str, Any]] = {
    "p1": {
        "title": "Mobile interdiction teams in Khatlon province",
        "description": "Vehicles and radios for four mobile teams.",
        "countries": ["TJ"],
        "themes": ["border-control"],
        "donors": ["gb-fcdo"],
        "status": "implementation",
        "start_date": "2025-01-01",
        "end_date": (TODAY + dt.timedelta(days=400)).isoformat(),
        "budget": {"amount": "1000000.00", "currency": "USD"},
    },
    "p2": {
        "title": "Prosecutors' training on drug trafficking cases",
        "description": "Courses for prosecutors and investigators in Dushanbe.",
        "countries": ["TJ"],
        "themes": ["border-control", "law-enforcement"],
        "donors": ["us-inl"],
        "status": "implementation",
        "start_date": "2024-06-01",
        "end_date": None,
        "budget": {"amount": "500000.00", "currency": "EUR"},
    },
    "p3": {
        "title": "Kennel for detection dogs at Nizhny Pyanj",
        "description": "Construction finished, handed over.",
        "countries": ["TJ"],
        "themes": ["border-control"],
        "donors": ["unodc"],
        "status": "closed",
        "start_date": "2019-01-01",
        "end_date": "2021-12-31",
        "budget": {"amount": "90000.00", "currency": "USD"},
    },
    "p4": {
        "title": "Container profiling unit at the Dushanbe dry port",
        "description": "Profiling software, its licence has lapsed.",
        "countries": ["TJ"],
        "themes": ["border-control"],
        "donors": ["tj-dca"],
        "status": "implementation",
        "start_date": "2022-01-01",
        "end_date": (TODAY - dt.timedelta(days=1)).isoformat(),
        "budget": {"amount": "40000.00", "currency": "USD"},
    },
    "p5": {
        "title": "Precursor chemicals laboratory in Kabul",
        "description": "Reagents and field test kits for precursor identification.",
        "countries": ["AF"],
        "themes": ["precursor-control"],
        "donors": ["us-inl"],
        "status": "pipeline",
        "start_date": "2026-01-01",
        "end_date": None,
        "budget": {"amount": "200000.00", "currency": "USD"},
    },
    "p6": {
        "title": "Rehabilitation of the Panj border crossing scanners",
        "description": "Two X-ray scanners repaired, staff retrained.",
        "countries": ["TJ"],
        "themes": ["border-control"],
        "donors": ["gb-fcdo", "us-inl"],
        "status": "finalisation",
        "start_date": "2023-03-01",
        "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
        "budget": {"amount": "300000.00", "currency": "USD"},
    },
    "p7": {
        "title": "Tajik drug control agency regional office in Khorog",
        "description": "Office equipment; registered by mistake twice.",
        "countries": ["TJ"],
        "themes": ["border-control"],
        "donors": ["tj-dca"],
        "status": "implementation",
        "start_date": "2025-05-01",
        "end_date": None,
        "budget": {"amount": "70000.00", "currency": "GBP"},
    },
}

NEEDS: dict[str, dict[str, Any]] = {
    "n1": {
        "country": "TJ",
        "title": "Scanners for Panj",
        "priority": "high",
        "themes": ["border-control"],
        "cost": ("100000.00", "USD"),
    },
    "n2": {
        "country": "TJ",
        "title": "Training of border guards",
        "priority": "high",
        "themes": ["border-control", "law-enforcement"],
        "cost": ("50000.00", "USD"),
        "state": "partly_met",
    },
    "n3": {
        "country": "TJ",
        "title": "Radios",
        "priority": "medium",
        "themes": ["border-control"],
        "cost": ("70000.00", "EUR"),
    },
    "n4": {
        "country": "TJ",
        "title": "Dogs",
        "priority": "high",
        "themes": ["border-control"],
        "cost": ("9000.00", "USD"),
        "state": "met",
    },
    "n5": {"country": "TJ", "title": "Kennels", "priority": "high", "themes": ["border-control"]},
    "n6": {
        "country": "AF",
        "title": "Precursor test kits",
        "priority": "low",
        "themes": ["precursor-control"],
    },
    "n7": {
        "country": "TJ",
        "title": "Withdrawn need",
        "priority": "high",
        "themes": ["border-control"],
        "state": "withdrawn",
    },
}

RECOMMENDATIONS: dict[str, dict[str, Any]] = {
    "r1": {
        "code": "PCG-T-1",
        "state": "endorsed",
        "pillar": "regional_initiatives",
        "countries": ["TJ"],
        "themes": ["border-control"],
    },
    "r2": {
        "code": "PCG-T-2",
        "state": "endorsed",
        "pillar": "precursors",
        "countries": ["TJ", "AF"],
        "themes": ["border-control", "precursor-control"],
    },
    "r3": {
        "code": "PCG-T-3",
        "state": "proposed",
        "pillar": "regional_initiatives",
        "countries": ["TJ"],
        "themes": ["border-control"],
    },
    "r4": {
        "code": "PCG-T-4",
        "state": "endorsed",
        "pillar": "drug_abuse_and_dependence",
        "countries": [],
        "themes": ["demand-reduction"],
    },
    "r5": {
        "code": "PCG-T-5",
        "state": "superseded",
        "pillar": "regional_initiatives",
        "countries": [],
        "themes": ["demand-reduction"],
    },
}

LINKS = [
    ("need", "n2", "p1", LinkState.CONFIRMED),  # assisted
    ("need", "n5", "p3", LinkState.CONFIRMED),  # the project is closed: not assisted
    ("need", "n1", "p1", LinkState.SUGGESTED),  # only suggested: not assisted
    ("need", "n3", "p4", LinkState.CONFIRMED),  # ended yesterday
    ("recommendation", "r1", "p2", LinkState.CONFIRMED),
    ("recommendation", "r2", "p7", LinkState.CONFIRMED),  # p7 is withdrawn
]


@pytest.fixture()
def world(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> World:
    built = World()
    for name, body in PROJECTS.items():
        built.projects[name] = {**register(**body), **body}
        built.projects[name]["_withdrawn"] = False
    withdraw(client, coordinator, built.projects["p7"])
    built.needs = {k: dict(v) for k, v in NEEDS.items()}
    built.recommendations = {k: dict(v) for k, v in RECOMMENDATIONS.items()}
    built.links = list(LINKS)
    insert_rows(app, built)
    ids = {name: p["id"] for name, p in built.projects.items()}
    open_alert(app, ids["p1"], ids["p6"])  # both active, both TJ border-control: counted
    open_alert(app, ids["p1"], ids["p2"], AlertStatus.RESOLVED)  # resolved
    open_alert(app, ids["p1"], ids["p3"])  # p3 is closed
    return built


def themes_of(spec: dict[str, Any], column: str, by: str, pillars: dict[str, str]) -> bool:
    if by == "theme":
        return column in spec["themes"]
    return any(pillars[t] == column for t in spec["themes"])
