"""Register, edit and move a need, with the suggestions of the projects that likely serve it.

The suggestions run in the write's transaction, in a SAVEPOINT (``workflows.coverage``): they
cannot lose the need. The caller commits both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from adam.auth.actor import Actor
from adam.coverage import service as coverage_service
from adam.coverage.models import CoverageLink, LinkState
from adam.coverage.settings import CoverageSettings
from adam.needs import service as need_service
from adam.needs.models import Need
from adam.workflows import coverage

# A change of one of these can change which projects serve the need.
MATCHED_FIELDS = frozenset({"country", "title", "description", "themes", "start_date", "end_date"})


@dataclass(frozen=True, slots=True)
class NeedWritten:
    """A need as written, with the projects suggested as serving it (the 201/200 answer)."""

    need: Need
    suggested_projects: list[CoverageLink]


def _suggested(
    session: Session, need: Need, actor: Actor, settings: CoverageSettings | None
) -> NeedWritten:
    coverage.suggest_for_need(session, need, coverage.settings_of(session, settings))
    links = coverage_service.links_of_need(session, need.id, actor=actor)
    suggested = [link for link in links if link.state == LinkState.SUGGESTED]
    suggested.sort(key=lambda link: -(link.score or 0))
    return NeedWritten(need, suggested)


def register(
    session: Session,
    *,
    actor: Actor,
    data: dict[str, Any],
    settings: CoverageSettings | None = None,
) -> NeedWritten:
    """Register a need and store the projects that likely serve it as suggested links."""
    need = need_service.create_need(session, actor=actor, data=data)
    return _suggested(session, need, actor, settings)


def edit(
    session: Session,
    need_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
    settings: CoverageSettings | None = None,
) -> NeedWritten:
    """Change a need; a change of what it matches on refreshes its suggestions."""
    need = need_service.update_need(
        session, need_id, actor=actor, changes=changes, expected_version=expected_version
    )
    if MATCHED_FIELDS.isdisjoint(changes):
        links = coverage_service.links_of_need(session, need.id, actor=actor)
        return NeedWritten(need, [link for link in links if link.state == LinkState.SUGGESTED])
    return _suggested(session, need, actor, settings)


def set_state(
    session: Session,
    need_id: int,
    *,
    actor: Actor,
    state: str,
    note: str | None,
    expected_version: int | None,
    settings: CoverageSettings | None = None,
) -> NeedWritten:
    """Move a need to ``state``: a met or withdrawn need keeps no pending suggestions, and
    one opened again is matched afresh."""
    need = need_service.set_need_state(
        session, need_id, actor=actor, state=state, note=note, expected_version=expected_version
    )
    return _suggested(session, need, actor, settings)
