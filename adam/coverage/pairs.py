"""Whether stored suggestions still hold when one end of them is refreshed.

A pair is found from either end: a need's refresh lists its best projects, a project's
registration its best needs and recommendations. Each list is capped, so a pair one end found
is often missing from the other end's list. Dropping it there would make suggestions come
and go as the two ends are saved in turn (and a person would hear of the same pair twice), so
a refresh drops a suggestion only when the pair itself no longer scores at the threshold or
one end is no longer live.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from adam.coverage.scoring import (
    Target,
    need_target,
    need_targets,
    recommendation_target,
    recommendation_targets,
    score_pair,
    theme_pillars,
)
from adam.coverage.settings import CoverageSettings
from adam.duplicates import service as duplicates_service
from adam.needs.models import Need
from adam.pact.models import Recommendation, RecommendationState
from adam.projects.models import Project, ProjectStatus

# A pair's score and reasons, as a refresh stores them.
Scored = tuple[float, list[dict[str, Any]]]

SUGGESTIBLE = (RecommendationState.PROPOSED, RecommendationState.ENDORSED)


def _live(session: Session, ids: Iterable[int]) -> list[int]:
    ids = list(ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(Project.id).where(
                Project.id.in_(ids),
                Project.withdrawn_at.is_(None),
                Project.status != ProjectStatus.CANCELLED,
            )
        )
    )


def _fits(target: Target, project: Any) -> bool:
    """The conditions the searches put before scoring: the target's countries, and for a
    recommendation a project still running after its event."""
    if target.countries and target.countries.isdisjoint(project.countries):
        return False
    return not (target.after is not None and project.end is not None and project.end < target.after)


def projects_still_serving(
    session: Session, target: Target, project_ids: Iterable[int], settings: CoverageSettings
) -> dict[int, Scored]:
    """Of ``project_ids``, those still live that still score at the threshold for ``target``."""
    candidates = duplicates_service.load_candidates(session, _live(session, project_ids))
    pillars = theme_pillars(session)
    kept: dict[int, Scored] = {}
    for pid, candidate in candidates.items():
        if not _fits(target, candidate.record):
            continue
        value, reasons = score_pair(target, candidate.record, pillars)
        if value >= settings.threshold:
            kept[pid] = (value, reasons)
    return kept


def need_pairs(
    session: Session, need: Need, project_ids: Iterable[int], settings: CoverageSettings
) -> dict[int, Scored]:
    if not need.is_active:
        return {}
    return projects_still_serving(session, need_target(session, need), project_ids, settings)


def recommendation_pairs(
    session: Session,
    recommendation: Recommendation,
    project_ids: Iterable[int],
    settings: CoverageSettings,
) -> dict[int, Scored]:
    if recommendation.state not in SUGGESTIBLE:
        return {}
    target = recommendation_target(session, recommendation)
    return projects_still_serving(session, target, project_ids, settings)


def project_pairs(
    session: Session, project: Project, keys: Iterable[tuple[str, int]], settings: CoverageSettings
) -> dict[tuple[str, int], Scored]:
    """Of the needs (``("need", id)``) and recommendations (``("rec", id)``) named by
    ``keys``, those still open or endorsed that ``project`` still serves at the threshold."""
    keys = list(keys)
    if not keys or not _live(session, [project.id]):
        return {}
    candidate = duplicates_service.load_candidates(session, [project.id]).get(project.id)
    if candidate is None:
        return {}
    need_ids = [target_id for kind, target_id in keys if kind == "need"]
    rec_ids = [target_id for kind, target_id in keys if kind != "need"]
    needs = (
        session.scalars(
            select(Need).where(Need.id.in_(need_ids)).options(selectinload(Need.themes))
        ).all()
        if need_ids
        else []
    )
    recommendations = (
        session.scalars(
            select(Recommendation)
            .where(Recommendation.id.in_(rec_ids))
            .options(selectinload(Recommendation.themes), selectinload(Recommendation.countries))
        ).all()
        if rec_ids
        else []
    )
    live_needs = [need for need in needs if need.is_active]
    live_recs = [r for r in recommendations if r.state in SUGGESTIBLE]
    total = duplicates_service.indexed_total(session)
    targets: list[tuple[tuple[str, int], Target]] = [
        *(
            (("need", n.id), t)
            for n, t in zip(live_needs, need_targets(session, live_needs, total=total), strict=True)
        ),
        *(
            (("rec", r.id), t)
            for r, t in zip(
                live_recs, recommendation_targets(session, live_recs, total=total), strict=True
            )
        ),
    ]
    pillars = theme_pillars(session)
    kept: dict[tuple[str, int], Scored] = {}
    for key, target in targets:
        if not _fits(target, candidate.record):
            continue
        value, reasons = score_pair(target, candidate.record, pillars)
        if value >= settings.threshold:
            kept[key] = (value, reasons)
    return kept
