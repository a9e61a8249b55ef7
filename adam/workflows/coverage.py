"""Suggest the links between projects and the needs or recommendations they serve, after a
write: what the needs' and recommendations' routes call once they have saved one, and what a
project's registration and edits call (``workflows.projects``).

The suggestions run in the write's transaction, in a SAVEPOINT, and never fail the write: an
error in them is logged and the write is kept without suggestions.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from adam import settings as adam_settings
from adam.coverage import service as coverage_service
from adam.coverage.service import Refreshed
from adam.coverage.settings import CoverageSettings

if TYPE_CHECKING:
    from adam.needs.models import Need
    from adam.pact.models import Recommendation
    from adam.projects.models import Project

log = logging.getLogger(__name__)

# A project edit that touches one of these can change which needs it serves.
MATCHED_FIELDS = frozenset(
    {"title", "description", "countries", "themes", "start_date", "end_date", "status"}
)


def settings_of(session: Session, given: CoverageSettings | None) -> CoverageSettings:
    """The coverage settings given, else the app's (kept on the session), else the defaults."""
    if given is not None:
        return given
    found = session.info.get(adam_settings.SESSION_INFO_KEY)
    return found.coverage if isinstance(found, adam_settings.Settings) else CoverageSettings()


def _nothing() -> Refreshed:
    return Refreshed([], [])


def suggest_for_need(session: Session, need: Need, settings: CoverageSettings) -> Refreshed:
    """Store the projects that likely serve ``need`` as suggested links (call after a save)."""
    try:
        with session.begin_nested():
            return coverage_service.refresh_need(session, need, settings)
    except Exception:
        log.exception("Coverage suggestions for need %s failed; the need is kept.", need.id)
        return _nothing()


def suggest_for_recommendation(
    session: Session, recommendation: Recommendation, settings: CoverageSettings
) -> Refreshed:
    """Store the projects that likely serve ``recommendation`` as suggested links."""
    try:
        with session.begin_nested():
            return coverage_service.refresh_recommendation(session, recommendation, settings)
    except Exception:
        log.exception(
            "Coverage suggestions for recommendation %s failed; it is kept.", recommendation.id
        )
        return _nothing()


def suggest_for_project(
    session: Session, project: Project, settings: CoverageSettings
) -> Refreshed:
    """Store the open needs and endorsed recommendations ``project`` likely serves (the
    project is indexed: call after its duplicate check), and tell the needs' focal points."""
    try:
        with session.begin_nested():
            return coverage_service.refresh_project(session, project, settings)
    except Exception:
        log.exception("Coverage suggestions for project %s failed; it is kept.", project.id)
        return _nothing()
