"""Which live projects likely serve a need or a recommendation, and which open needs and
endorsed recommendations a project likely serves: a score 0-100 and the reasons behind it.

The duplicate matcher's machinery does the work (``adam.duplicates.service``): its search
index finds the projects of a need's country that hold the need's rarest words, its folding
(``adam.matching.normalize``) turns a need's title and description into the words a project
record holds, its word counts weigh each word by how many projects hold it
(``adam.matching.rarity``), and its pair features (``adam.matching.features.compare``) give
the shared countries, themes and periods. What differs is the question: a project serves a
need when it holds the need's words (most of the weight the need's rare words carry) and
works on its themes in its country during its period; a duplicate must also say the same
things the same way, which a need and a project never do.

The score is a logistic of that evidence, its weights set by hand and checked on a labelled
set built from the real corpus (bench/coverage_labels.py, figures in bench/RESULTS.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, not_, or_, select
from sqlalchemy.orm import Session

from adam.coverage.scoring import (
    ACTIVE_NEEDS,
    BIAS,
    DATES_OVERLAP,
    RECOMMENDATION_YEARS,
    SAME_THEME,
    TARGETS_PER_PROJECT,
    Suggestion,
    Target,
    cached_record,
    need_target,
    recommendation_target,
    score_pair,
    theme_pillars,
    weighed,
)
from adam.coverage.settings import CoverageSettings
from adam.duplicates import service as duplicates_service
from adam.matching.record import MatchRecord
from adam.needs.models import Need, need_theme
from adam.pact.models import (
    Event,
    Recommendation,
    RecommendationState,
    recommendation_country,
    recommendation_theme,
)
from adam.projects.models import Project, ProjectStatus
from adam.reference.models import Country, Theme


def _projects_for(
    session: Session,
    target: Target,
    countries: Sequence[str],
    *,
    start: dt.date | None,
    end: dt.date | None,
    settings: CoverageSettings,
) -> list[Suggestion]:
    """The live projects of ``countries`` holding the target's rarest words, scored."""
    record = target.record
    probe = duplicates_service.Probe(
        project_id=None,
        countries=tuple(countries),
        organization_ids=(),
        start=start,
        end=end,
        title_terms=record.title_norm.text,
        description_head=record.description_head,
    )
    limits = duplicates_service.Limits(by_words=settings.candidates, by_organization=0)
    ids = duplicates_service.by_words(session, probe, limits)
    candidates = duplicates_service.load_candidates(session, ids)
    pillars = theme_pillars(session)
    found = []
    for pid in ids:
        candidate = candidates.get(pid)
        if candidate is None:
            continue
        project = candidate.record
        if target.after is not None and project.end is not None and project.end < target.after:
            continue
        value, reasons = score_pair(target, project, pillars)
        if value >= settings.threshold:
            found.append(Suggestion(project_id=pid, score=value, reasons=reasons))
    found.sort(key=lambda s: (-s.score, s.project_id))
    return found[: settings.max_suggestions]


def for_need(session: Session, need: Need, settings: CoverageSettings) -> list[Suggestion]:
    """The live projects that likely serve ``need``, best first (none for a need that is met
    or withdrawn)."""
    if not need.is_active:
        return []
    target = need_target(session, need)
    found = _projects_for(
        session,
        target,
        [need.country_code],
        start=need.start_date,
        end=need.end_date,
        settings=settings,
    )
    return [_with(s, need_id=need.id) for s in found]


def for_recommendation(
    session: Session, recommendation: Recommendation, settings: CoverageSettings
) -> list[Suggestion]:
    """The live projects that likely serve ``recommendation``: in its countries (any when it
    names none), running after the event that agreed it; none unless it is proposed or
    endorsed."""
    if recommendation.state not in (RecommendationState.PROPOSED, RecommendationState.ENDORSED):
        return []
    target = recommendation_target(session, recommendation)
    countries = [c.code for c in recommendation.countries] or list(
        session.scalars(select(Country.code).order_by(Country.code))
    )
    start = target.after
    end = start + dt.timedelta(days=365 * RECOMMENDATION_YEARS) if start else None
    found = _projects_for(session, target, countries, start=start, end=end, settings=settings)
    return [_with(s, recommendation_id=recommendation.id) for s in found]


def _with(suggestion: Suggestion, **target: Any) -> Suggestion:
    return Suggestion(
        project_id=suggestion.project_id,
        score=suggestion.score,
        reasons=suggestion.reasons,
        **target,
    )


@dataclass(slots=True)
class _Stored:
    """A need or a recommendation read as plain rows (a registration reads dozens: ORM
    objects and their relationships would cost more than scoring them). Its themes and
    countries are read only if its words make it worth scoring."""

    need_id: int | None
    recommendation_id: int | None
    record: MatchRecord  # its text alone (cached), without themes or countries
    start: dt.date | None
    after: dt.date | None
    summary: dict[str, Any]
    pillars: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()


def _text_record(
    key: tuple[Any, ...], title: str, description: str, start: Any, end: Any
) -> MatchRecord:
    return cached_record(
        key,
        lambda: MatchRecord(
            id=f"{key[0]}:{key[1]}", title=title, description=description, start=start, end=end
        ),
    )


def for_project(session: Session, project: Project, settings: CoverageSettings) -> list[Suggestion]:
    """The open needs of the project's countries and the endorsed recommendations it likely
    serves, best first. The project must be indexed (the duplicate check indexes it).

    Only needs and recommendations holding one of the project's weighed words (its title's
    and its description's rarest, ``ProjectSearch.weights``) are scored: sharing none, they
    cannot reach the threshold's words part."""
    if project.is_withdrawn or project.status == ProjectStatus.CANCELLED or project.id is None:
        return []
    countries = [c.code for c in project.countries]
    candidate = duplicates_service.load_candidates(session, [project.id]).get(project.id)
    if candidate is None:
        return []
    record = candidate.record
    rare = {word for word, weight in record.weights.items() if weight > 0}
    wordless = 100.0 / (1.0 + math.exp(-(BIAS + SAME_THEME + DATES_OVERLAP)))

    def worth(item: _Stored) -> bool:
        if wordless >= settings.threshold:
            return True
        tokens = item.record.title_norm.tokens | item.record.description_norm.tokens
        return not rare.isdisjoint(tokens)

    needs = [n for n in _open_needs(session, project, countries) if worth(n)]
    recommendations = [
        r for r in _endorsed_recommendations(session, project, countries) if worth(r)
    ]
    if not needs and not recommendations:
        return []
    _add_need_details(session, needs)
    _add_recommendation_details(session, recommendations)
    stored = needs + recommendations
    total = duplicates_service.indexed_total(session)
    weighed_records = weighed(session, [s.record for s in stored], total)
    pillars = {str(t.slug): str(t.pillar) for t in project.themes}
    found: list[Suggestion] = []
    for item, record_of_item in zip(stored, weighed_records, strict=True):
        target = Target(
            record=record_of_item,
            pillars=item.pillars,
            countries=item.countries,
            start=item.start,
            after=item.after,
            themes=item.themes,
        )
        value, reasons = score_pair(target, record, pillars)
        if value >= settings.threshold:
            found.append(
                Suggestion(
                    project_id=project.id,
                    score=value,
                    reasons=reasons,
                    need_id=item.need_id,
                    recommendation_id=item.recommendation_id,
                    summary=item.summary,
                )
            )
    found.sort(key=lambda s: (-s.score, s.need_id or 0, s.recommendation_id or 0))
    return found[: settings.max_suggestions]


def _themes_of(
    session: Session, table: Any, column: str, ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """(slug, pillar) of the themes of each of ``ids`` in a link table."""
    found: dict[int, list[tuple[str, str]]] = {}
    if not ids:
        return found
    owner = table.c[column]
    rows = session.execute(
        select(owner, Theme.slug, Theme.pillar)
        .join(Theme, Theme.id == table.c.theme_id)
        .where(owner.in_(ids))
    )
    for owner_id, slug, pillar in rows:
        found.setdefault(owner_id, []).append((slug, str(pillar)))
    return found


def _open_needs(session: Session, project: Project, countries: Sequence[str]) -> list[_Stored]:
    if not countries:
        return []
    query = (
        select(
            Need.id,
            Need.version,
            Need.title,
            Need.description,
            Need.country_code,
            Need.start_date,
            Need.end_date,
            Need.priority,
            Need.state,
        )
        .where(Need.country_code.in_(countries), Need.state.in_(ACTIVE_NEEDS))
        .order_by(Need.id.desc())
        .limit(TARGETS_PER_PROJECT)
    )
    if project.start_date is not None:
        query = query.where(or_(Need.end_date.is_(None), Need.end_date >= project.start_date))
    if project.end_date is not None:
        query = query.where(or_(Need.start_date.is_(None), Need.start_date <= project.end_date))
    stored = []
    for row in session.execute(query):
        key = (
            "need",
            row.id,
            row.version,
            row.title,
            row.description,
            row.start_date,
            row.end_date,
        )
        stored.append(
            _Stored(
                need_id=row.id,
                recommendation_id=None,
                record=_text_record(
                    key, row.title, row.description or "", row.start_date, row.end_date
                ),
                start=row.start_date,
                after=None,
                countries=frozenset({row.country_code.lower()}),
                summary={
                    "kind": "need",
                    "id": row.id,
                    "title": row.title,
                    "country": row.country_code,
                    "priority": str(row.priority),
                    "state": str(row.state),
                    "url": f"/api/v1/needs/{row.id}",
                },
            )
        )
    return stored


def _add_need_details(session: Session, needs: Sequence[_Stored]) -> None:
    themes = _themes_of(session, need_theme, "need_id", [n.need_id for n in needs if n.need_id])
    for need in needs:
        found = themes.get(need.need_id or 0, [])
        need.themes = frozenset(slug for slug, _ in found)
        need.pillars = frozenset(pillar for _, pillar in found)


def _endorsed_recommendations(
    session: Session, project: Project, countries: Sequence[str]
) -> list[_Stored]:
    in_country = exists().where(
        recommendation_country.c.recommendation_id == Recommendation.id,
        recommendation_country.c.country_code.in_(countries or [""]),
    )
    any_country = not_(
        exists().where(recommendation_country.c.recommendation_id == Recommendation.id)
    )
    query = (
        select(
            Recommendation.id,
            Recommendation.version,
            Recommendation.code,
            Recommendation.text_en,
            Recommendation.text_ru,
            Recommendation.pillar,
            Recommendation.state,
            Event.start_date,
        )
        .join(Event, Event.id == Recommendation.event_id)
        .where(Recommendation.state == RecommendationState.ENDORSED)
        .where(or_(in_country, any_country))
        .order_by(Recommendation.id.desc())
        .limit(TARGETS_PER_PROJECT)
    )
    # Running after the event that agreed it: a project that ended before cannot serve it.
    if project.end_date is not None:
        query = query.where(Event.start_date <= project.end_date)
    stored = []
    for row in session.execute(query):
        text = row.text_en or row.text_ru or ""
        description = (row.text_ru or "") if row.text_en else ""
        key = ("rec", row.id, row.version, row.text_en, row.text_ru, row.start_date)
        stored.append(
            _Stored(
                need_id=None,
                recommendation_id=row.id,
                record=_text_record(key, text, description, row.start_date, None),
                start=row.start_date,
                after=row.start_date,
                pillars=frozenset({str(row.pillar)}),
                summary={
                    "kind": "recommendation",
                    "id": row.id,
                    "code": row.code,
                    "title": text[:300],
                    "state": str(row.state),
                    "url": f"/api/v1/recommendations/{row.id}",
                },
            )
        )
    return stored


def _add_recommendation_details(session: Session, recommendations: Sequence[_Stored]) -> None:
    ids = [r.recommendation_id for r in recommendations if r.recommendation_id]
    if not ids:
        return
    themes = _themes_of(session, recommendation_theme, "recommendation_id", ids)
    named: dict[int, set[str]] = {}
    for rec_id, code in session.execute(
        select(
            recommendation_country.c.recommendation_id, recommendation_country.c.country_code
        ).where(recommendation_country.c.recommendation_id.in_(ids))
    ):
        named.setdefault(rec_id, set()).add(code.lower())
    for item in recommendations:
        found = themes.get(item.recommendation_id or 0, [])
        item.themes = frozenset(slug for slug, _ in found)
        item.pillars = item.pillars | {pillar for _, pillar in found}
        item.countries = frozenset(named.get(item.recommendation_id or 0, ()))
