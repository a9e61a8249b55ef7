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
from adam.errors import NotFound
from adam.needs import service as need_service
from adam.needs.models import Need
from adam.projects import service as project_service
from adam.projects.models import Project
from adam.workflows import coverage

# A change of one of these can change which projects serve the need.
MATCHED_FIELDS = frozenset({"country", "title", "description", "themes", "start_date", "end_date"})


@dataclass(frozen=True, slots=True)
class NeedWritten:
    """A need as written, with the projects suggested as serving it (the 201/200 answer)."""

    need: Need
    suggested_projects: list[CoverageLink]


@dataclass(frozen=True, slots=True)
class LikelyProject:
    """A project a need as typed would be suggested, with the matcher's score and reasons."""

    project: Project
    score: float
    reasons: list[dict[str, Any]]


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


def preview(
    session: Session,
    *,
    actor: Actor,
    data: dict[str, Any],
    settings: CoverageSettings | None = None,
) -> list[LikelyProject]:
    """The projects a need of ``data`` would be suggested, best first, permitted as its
    registration is; nothing is written (a form's live suggestions).

    :raises: as ``register`` does before it writes (InvalidInput, Forbidden).
    """
    draft = need_service.draft_need(session, actor=actor, data=data)
    found = coverage_service.preview_need(session, draft, coverage.settings_of(session, settings))
    likely = []
    for suggestion in found:
        try:
            project = project_service.get_project(session, suggestion.project_id, actor=actor)
        except NotFound:  # withdrawn meanwhile, or hidden from this reader
            continue
        likely.append(LikelyProject(project, suggestion.score, suggestion.reasons))
    return likely
