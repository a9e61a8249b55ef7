"""The alert visibility rule's two forms agree: the SQL clause that lists alerts selects exactly
the alerts the Python predicate lets each actor see.

Three alerts, raised by registering pairs through the API, one per country:

- TJ: funded by gb-fcdo, implemented by unodc; the second record adds us-inl as a donor;
- AF: funded by us-inl, implemented by unodc; the second record adds UZ as a country;
- KG: funded by gb-fcdo, implemented by tj-dca.

So some actors see an alert through one of its projects only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from adam.auth.actor import Actor
from adam.auth.models import User
from adam.duplicates.models import DuplicateAlert
from adam.duplicates.visibility import may_see, visible_clause
from adam.errors import Forbidden
from adam.projects.models import Project
from adam.session import new_session
from tests.conftest import Account
from tests.duplicates.conftest import TWIN_TITLE, listed

PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "TJ": ({}, {"title": TWIN_TITLE, "donors": ["gb-fcdo", "us-inl"]}),
    "AF": (
        {
            "title": "Mobile detection teams at the Hairatan border crossing",
            "description": "Sniffer dogs and container scanners for mobile teams at Hairatan.",
            "countries": ["AF"],
            "donors": ["us-inl"],
        },
        {"title": "Hairatan border crossing mobile detection teams", "countries": ["AF", "UZ"]},
    ),
    "KG": (
        {
            "title": "Forensic drug laboratory in Bishkek",
            "description": "Equipment and accreditation of the national forensic drug laboratory.",
            "countries": ["KG"],
            "themes": ["forensics"],
            "implementers": ["tj-dca"],
        },
        {"title": "Upgrade of the Bishkek forensic drug laboratory"},
    ),
}

# name -> (make_user() arguments, countries whose alert the actor sees)
ACTORS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "admin": ({"role": "admin"}, {"TJ", "AF", "KG"}),
    "coordinator": ({"role": "coordinator"}, {"TJ", "AF", "KG"}),
    "focal_point": ({"role": "focal_point", "country": "TJ"}, {"TJ"}),
    "focal_point_of_another_country": ({"role": "focal_point", "country": "AF"}, {"AF"}),
    # A focal point's organization counts when it funds or implements a project.
    "focal_point_by_organization": (
        {"role": "focal_point", "country": "KZ", "org": "tj-dca"},
        {"KG"},
    ),
    "donor": ({"role": "donor", "org": "gb-fcdo"}, {"TJ", "KG"}),
    "donor_of_another_organization": ({"role": "donor", "org": "us-inl"}, {"AF", "TJ"}),
    "focal_point_of_a_second_country": ({"role": "focal_point", "country": "UZ"}, {"AF"}),
    # A donor account sees what its organization funds, not what it implements.
    "donor_of_an_implementer": ({"role": "donor", "org": "unodc"}, set()),
    "viewer": ({"role": "viewer"}, set()),
}


def _alerts_by_country(register: Callable[..., dict[str, Any]]) -> dict[int, str]:
    alerts: dict[int, str] = {}
    for country, (base, twin) in PAIRS.items():
        first = register(**base)
        second = register(**{**base, **twin})
        assert listed(second) == [first["id"]], (country, second["possible_duplicates"])
        alerts[second["possible_duplicates"][0]["alert_id"]] = country
    return alerts


@pytest.mark.usefixtures("orgs")
def test_sql_clause_and_python_predicate_agree_for_every_role(
    app: Flask,
    register: Callable[..., dict[str, Any]],
    make_user: Callable[..., Account],
) -> None:
    alerts = _alerts_by_country(register)
    accounts = {name: make_user(**arguments) for name, (arguments, _) in ACTORS.items()}
    seen: dict[str, tuple[set[str], set[str]]] = {}
    with new_session(app) as session:
        everything = session.scalars(
            select(DuplicateAlert).options(
                *(
                    selectinload(side).selectinload(load)
                    for side in (DuplicateAlert.project_a, DuplicateAlert.project_b)
                    for load in (Project.countries, Project.participations)
                )
            )
        ).all()
        assert {a.id for a in everything} == set(alerts)
        for name, account in accounts.items():
            user = session.get(User, account.id)
            assert user is not None
            actor = Actor.from_user(user)
            try:
                clause = visible_clause(actor)
            except Forbidden:
                by_sql: set[int] = set()
            else:
                query = select(DuplicateAlert.id)
                by_sql = set(session.scalars(query if clause is None else query.where(clause)))
            by_python = {a.id for a in everything if may_see(actor, a)}
            seen[name] = ({alerts[i] for i in by_sql}, {alerts[i] for i in by_python})
    expected = {name: (countries, countries) for name, (_, countries) in ACTORS.items()}
    assert seen == expected
