"""Load the demo's illustrative needs through the needs service (so they are checked too),
each with the demo projects suggested as serving it."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.auth.models import Role, User
from adam.coverage.settings import CoverageSettings
from adam.demo.load import DEMO_USER
from adam.needs import service as needs_service
from adam.needs.models import Need
from adam.needs.schemas import NeedCreateSchema
from adam.workflows import coverage


def load_demo_needs(session: Session, settings: CoverageSettings | None = None) -> int:
    """Add the illustrative needs once (none yet stored); how many were added."""
    if session.scalar(select(Need.id).where(Need.illustrative.is_(True)).limit(1)) is not None:
        return 0
    loader = session.scalar(select(User).where(User.email == DEMO_USER))
    if loader is None:
        loader = auth_service.create_user(
            session, email=DEMO_USER, role=Role.COORDINATOR, name="Demo data loader"
        )
        loader.is_active = False  # owns the demo records; nobody signs in as it
    actor = Actor(user_id=loader.id, email=loader.email, role=Role.COORDINATOR)
    text = resources.files("adam.demo").joinpath("needs.json").read_text(encoding="utf-8")
    schema = NeedCreateSchema()
    needs = json.loads(text)["needs"]
    settings = coverage.settings_of(session, settings)
    for raw in needs:
        need = needs_service.create_need(
            session, actor=actor, data=schema.load(raw), illustrative=True
        )
        coverage.suggest_for_need(session, need, settings)
    return len(needs)
