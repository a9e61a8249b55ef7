"""Load the shipped demo data through the same services the API uses (so it is validated too)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.duplicates.settings import MatcherSettings
from adam.projects.models import Project
from adam.projects.schemas import ProjectInSchema
from adam.reference import service as reference_service
from adam.reference.models import OrganizationType
from adam.workflows import projects as project_workflows

DEMO_USER = "demo-loader@adam.invalid"
# The demo's people, one of each role, all with this password (never in production: the
# command refuses --demo there). The focal point is Tajikistan's, the donor the FCDO's.
DEMO_PASSWORD = "adam-demo-password"
DEMO_ACCOUNTS: tuple[tuple[str, Role, str, dict[str, str]], ...] = (
    ("demo-admin@adam.invalid", Role.ADMIN, "Demo administrator", {}),
    ("demo-coordinator@adam.invalid", Role.COORDINATOR, "Demo coordinator", {}),
    ("demo-focal-point@adam.invalid", Role.FOCAL_POINT, "Demo focal point (TJ)", {"country": "TJ"}),
    ("demo-donor@adam.invalid", Role.DONOR, "Demo donor (FCDO)", {"organization": "gb-fcdo"}),
    ("demo-viewer@adam.invalid", Role.VIEWER, "Demo viewer", {}),
)


@dataclass(frozen=True, slots=True)
class DemoReport:
    organizations: int
    projects: int
    skipped: bool


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    role: Role
    created: bool


def demo_data() -> dict[str, Any]:
    text = resources.files("adam.demo").joinpath("data.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_demo(session: Session, *, settings: MatcherSettings | None = None) -> DemoReport:
    """Add the demo organizations and projects once; a second run changes nothing."""
    settings = settings or MatcherSettings()
    data = demo_data()
    if session.scalar(select(Project.id).limit(1)) is not None:
        return DemoReport(0, 0, skipped=True)
    loader = session.scalar(select(User).where(User.email == DEMO_USER))
    if loader is None:
        loader = auth_service.create_user(
            session, email=DEMO_USER, role=Role.COORDINATOR, name="Demo data loader"
        )
        loader.is_active = False  # owns the demo records; nobody signs in as it
    actor = Actor(user_id=loader.id, email=loader.email, role=Role.COORDINATOR)
    added_orgs = 0
    for org in data["organizations"]:
        if reference_service.find_organization(session, org["code"]) is None:
            reference_service.create_organization(
                session,
                actor=None,
                code=org["code"],
                name=org["name"],
                acronym=org.get("acronym"),
                type=OrganizationType(org["type"]),
                country=org.get("country"),
            )
            added_orgs += 1
    schema = ProjectInSchema()
    for raw in data["projects"]:
        project_workflows.register(session, actor=actor, data=schema.load(raw), matcher=settings)
    return DemoReport(added_orgs, len(data["projects"]), skipped=False)


def demo_accounts(session: Session) -> list[DemoAccount]:
    """Add the demo's people (``DEMO_ACCOUNTS``) once; existing accounts are left as they are.

    Call it after ``load_demo``: the donor's organization comes with the demo data.
    """
    accounts = []
    for email, role, name, scope in DEMO_ACCOUNTS:
        exists = session.scalar(select(User.id).where(User.email == email)) is not None
        org = scope.get("organization")
        if org and reference_service.find_organization(session, org) is None:
            continue  # projects were there before the demo, so its organizations were not added
        if not exists:
            auth_service.create_user(
                session,
                email=email,
                role=role,
                name=name,
                password=DEMO_PASSWORD,
                country=scope.get("country"),
                organization=org,
            )
        accounts.append(DemoAccount(email=email, role=role, created=not exists))
    return accounts
