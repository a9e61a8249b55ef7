"""Register, edit and move a recommendation, with the suggestions of the projects that likely
serve it (as ``workflows.needs`` does for needs).

The suggestions run in the write's transaction, in a SAVEPOINT (``workflows.coverage``): they
cannot lose the recommendation. The caller commits both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from adam.auth.actor import Actor
from adam.coverage import service as coverage_service
from adam.coverage.models import CoverageLink, LinkState
from adam.coverage.settings import CoverageSettings
from adam.pact import service as pact_service
from adam.pact.models import Recommendation
from adam.pact.service import FollowUp
from adam.workflows import coverage

# A change of one of these can change which projects serve the recommendation (its event
# sets the period a project must run in).
MATCHED_FIELDS = frozenset({"text_en", "text_ru", "themes", "countries", "event_id", "pillar"})


@dataclass(frozen=True, slots=True)
class RecommendationWritten:
    """A recommendation as written, with its follow-up and the projects suggested as serving
    it (the 201/200 answer)."""

    follow_up: FollowUp
    suggested_projects: list[CoverageLink]


def _suggested_links(
    session: Session, recommendation: Recommendation, actor: Actor
) -> list[CoverageLink]:
    links = coverage_service.links_of_recommendation(session, recommendation.id, actor=actor)
    suggested = [link for link in links if link.state == LinkState.SUGGESTED]
    suggested.sort(key=lambda link: -(link.score or 0))
    return suggested


def _written(
    session: Session,
    recommendation: Recommendation,
    actor: Actor,
    settings: CoverageSettings | None,
    *,
    refresh: bool = True,
) -> RecommendationWritten:
    if refresh:
        coverage.suggest_for_recommendation(
            session, recommendation, coverage.settings_of(session, settings)
        )
    return RecommendationWritten(
        pact_service.describe(session, recommendation),
        _suggested_links(session, recommendation, actor),
    )


def register(
    session: Session,
    *,
    actor: Actor,
    data: dict[str, Any],
    note: str | None = None,
    settings: CoverageSettings | None = None,
) -> RecommendationWritten:
    """Register a recommendation and store the projects that likely serve it as suggested
    links."""
    recommendation = pact_service.create_recommendation(session, actor=actor, data=data, note=note)
    return _written(session, recommendation, actor, settings)


def edit(
    session: Session,
    recommendation_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
    settings: CoverageSettings | None = None,
) -> RecommendationWritten:
    """Change a recommendation; a change of what it matches on refreshes its suggestions."""
    recommendation = pact_service.update_recommendation(
        session,
        recommendation_id,
        actor=actor,
        changes=changes,
        expected_version=expected_version,
    )
    refresh = not MATCHED_FIELDS.isdisjoint(changes)
    return _written(session, recommendation, actor, settings, refresh=refresh)


def set_state(
    session: Session,
    recommendation_id: int,
    *,
    actor: Actor,
    state: str,
    endorsed_by: int | None = None,
    superseded_by: int | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    settings: CoverageSettings | None = None,
) -> RecommendationWritten:
    """Move a recommendation to ``state``: a superseded or withdrawn one keeps no pending
    suggestions, and one proposed or endorsed again is matched afresh."""
    recommendation = pact_service.set_recommendation_state(
        session,
        recommendation_id,
        actor=actor,
        state=state,
        endorsed_by=endorsed_by,
        superseded_by=superseded_by,
        note=note,
        expected_version=expected_version,
    )
    return _written(session, recommendation, actor, settings)
