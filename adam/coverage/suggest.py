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
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, not_, or_, select
from sqlalchemy.orm import Session

from adam.coverage.settings import CoverageSettings
from adam.duplicates import service as duplicates_service
from adam.matching.features import compare
from adam.matching.rarity import record_weights
from adam.matching.record import MatchRecord
from adam.needs.models import Need, NeedState, need_theme
from adam.pact.models import (
    Event,
    Recommendation,
    RecommendationState,
    recommendation_country,
    recommendation_theme,
)
from adam.projects.models import Project, ProjectStatus
from adam.reference.models import Country, Theme

# Log-odds of the evidence (see the module's docstring); bench/coverage_labels.py measures them.
BIAS = -3.0
WORDS = 5.0  # share of the target's word weight that the project holds, 0-1
TITLE = 1.5  # weighted overlap of the two titles' words, 0-1
SAME_THEME = 1.0
SAME_PILLAR = 0.5  # a theme of the same pillar, none the same
DATES_OVERLAP = 0.5
DATES_DISJOINT = -2.0
# Weight a target's words need before finding all of them counts fully: one shared rare word
# is not yet a project serving a need.
FULL_MASS = 1.5
# Words listed in a reason.
LISTED_WORDS = 6
# Needs and recommendations scored against one new project, most recent first.
TARGETS_PER_PROJECT = 200
# A recommendation runs from its event for this long, for the candidate search's dates.
RECOMMENDATION_YEARS = 30

ACTIVE_NEEDS = (NeedState.OPEN, NeedState.PARTLY_MET)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One likely link: the project and the need or recommendation it serves."""

    project_id: int
    score: float
    reasons: list[dict[str, Any]]
    need_id: int | None = None
    recommendation_id: int | None = None
    # What the registration answer lists of the need or the recommendation.
    summary: dict[str, Any] = field(default_factory=dict)
    # The stored link (once the service has written it).
    link_id: int | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A need or a recommendation as the scorer sees it."""

    record: MatchRecord  # weighed by the project corpus
    pillars: frozenset[str]
    # Empty: any country (a recommendation that names none).
    countries: frozenset[str]
    start: dt.date | None
    # A recommendation's projects must run after its event: a project that ended before
    # cannot serve it.
    after: dt.date | None = None
    # Its themes' slugs; None: the record's own.
    themes: frozenset[str] | None = None


# Normalising a text is the dear part of scoring; a registration scores the open needs of
# its countries, so their records are kept in each process, keyed by what they are made of
# (not by id: one process may serve several databases, as the tests do).
_RECORDS: dict[tuple[Any, ...], MatchRecord] = {}
_RECORDS_LOCK = threading.Lock()
_RECORDS_KEPT = 20_000


def _cached_record(key: tuple[Any, ...], build: Any) -> MatchRecord:
    with _RECORDS_LOCK:
        found = _RECORDS.get(key)
    if found is not None:
        return found
    record: MatchRecord = build()
    with _RECORDS_LOCK:
        if len(_RECORDS) >= _RECORDS_KEPT:
            _RECORDS.clear()
        _RECORDS[key] = record
    return record


def _need_record(need: Need) -> MatchRecord:
    return _cached_record(
        (
            need.id,
            need.title,
            need.description,
            need.country_code,
            tuple(t.slug for t in need.themes),
            need.start_date,
            need.end_date,
        ),
        lambda: MatchRecord(
            id=f"need:{need.id}",
            title=need.title,
            description=need.description or "",
            countries=frozenset({need.country_code}),
            themes=frozenset(t.slug for t in need.themes),
            start=need.start_date,
            end=need.end_date,
        ),
    )


def recommendation_text(recommendation: Recommendation) -> str:
    return recommendation.text_en or recommendation.text_ru or ""


def _recommendation_record(recommendation: Recommendation) -> MatchRecord:
    return _cached_record(
        (
            recommendation.id,
            recommendation.text_en,
            recommendation.text_ru,
            tuple(c.code for c in recommendation.countries),
            tuple(t.slug for t in recommendation.themes),
            recommendation.event.start_date if recommendation.event else None,
        ),
        lambda: MatchRecord(
            id=f"recommendation:{recommendation.id}",
            # A recommendation is one text: its words are the title's, the English and the
            # Russian both (a project may be written in either).
            title=recommendation_text(recommendation),
            description=(recommendation.text_ru or "") if recommendation.text_en else "",
            countries=frozenset(c.code for c in recommendation.countries),
            themes=frozenset(t.slug for t in recommendation.themes),
            start=recommendation.event.start_date if recommendation.event else None,
        ),
    )


def _weighed(session: Session, records: Sequence[MatchRecord], total: int) -> list[MatchRecord]:
    """``records`` with each word weighed by how many projects hold it. A word no project
    holds is left out: it cannot be found in any, so it would lower every score alike."""
    words: list[str] = []
    for record in records:
        words += record.title_norm.text.split()
        words += record.description_norm.text.split()
    counts, total = duplicates_service.document_frequencies(session, words, total=total)
    weighed = []
    for record in records:
        title = [w for w in record.title_norm.text.split() if counts.get(w, 0) > 0]
        described = [w for w in record.description_norm.text.split() if counts.get(w, 0) > 0]
        weighed.append(record.with_weights(record_weights(title, described, counts, total)))
    return weighed


def _theme_pillars(session: Session) -> dict[str, str]:
    return {slug: str(pillar) for slug, pillar in session.execute(select(Theme.slug, Theme.pillar))}


def score_pair(
    target: Target, project: MatchRecord, pillars: dict[str, str]
) -> tuple[float, list[dict[str, Any]]]:
    """The score 0-100 that ``project`` serves ``target``, and the reasons (strongest first)."""
    a = target.record
    evidence = compare(a, project)
    weights = a.weights
    mass = sum(weights.values())
    found = sorted(
        (
            (w, word)
            for word, w in weights.items()
            if word in project.title_norm.tokens or word in project.description_norm.tokens
        ),
        reverse=True,
    )
    covered = (sum(w for w, _ in found) / mass * min(1.0, mass / FULL_MASS)) if mass > 0 else 0.0
    shared_themes = (a.themes if target.themes is None else target.themes) & project.themes
    shared_countries = target.countries & project.countries
    project_pillars = frozenset(pillars[t] for t in project.themes if t in pillars)
    same_pillar = not shared_themes and bool(target.pillars & project_pillars)
    parts: list[tuple[float, dict[str, Any]]] = []
    if found:
        listed = ", ".join(word for _, word in found[:LISTED_WORDS])
        extra = len(found) - LISTED_WORDS
        detail = f"shared words: {listed}" + (f" (+{extra})" if extra > 0 else "")
        parts.append((WORDS * covered, _reason("words", 100 * covered, detail)))
    if evidence.title_specific > 0:
        detail = f'title: "{a.title.strip()[:120]}" / "{project.title.strip()[:120]}"'
        parts.append(
            (
                TITLE * evidence.title_specific,
                _reason("title", 100 * evidence.title_specific, detail),
            )
        )
    if shared_themes:
        detail = "same theme: " + ", ".join(sorted(shared_themes))
        parts.append((SAME_THEME, _reason("themes", 100.0, detail)))
    elif same_pillar:
        detail = "same pillar: " + ", ".join(sorted(target.pillars & project_pillars))
        parts.append((SAME_PILLAR, _reason("pillar", 100.0, detail)))
    if shared_countries:
        detail = "same country: " + ", ".join(sorted(c.upper() for c in shared_countries))
        parts.append((0.0, _reason("countries", 100.0, detail)))
    elif not target.countries:
        parts.append((0.0, _reason("countries", 100.0, "any country")))
    if evidence.overlap is not None:
        start, end = evidence.overlap
        detail = f"periods overlap {start:%Y-%m}..{end:%Y-%m}"
        parts.append((DATES_OVERLAP, _reason("dates", 100.0, detail)))
    elif evidence.dates_disjoint:
        detail = f"periods disjoint: {_period(a)} / {_period(project)}"
        parts.append((DATES_DISJOINT, _reason("dates", 0.0, detail)))
    z = BIAS + math.fsum(p for p, _ in parts)
    value = round(100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))), 1)
    parts.sort(key=lambda item: -abs(item[0]))
    return value, [reason for _, reason in parts]


def _reason(field_: str, strength: float, detail: str) -> dict[str, Any]:
    return {"field": field_, "score": round(strength, 1), "detail": detail}


def _period(record: MatchRecord) -> str:
    start = f"{record.start:%Y-%m}" if record.start else "?"
    end = f"{record.end:%Y-%m}" if record.end else ""
    return f"{start}..{end}"


def _pillars_of(themes: Iterable[Theme], extra: Iterable[str] = ()) -> frozenset[str]:
    return frozenset({str(t.pillar) for t in themes} | {str(p) for p in extra})


def need_target(session: Session, need: Need, *, total: int | None = None) -> Target:
    total = duplicates_service.indexed_total(session) if total is None else total
    (record,) = _weighed(session, [_need_record(need)], total)
    return Target(
        record=record,
        pillars=_pillars_of(need.themes),
        countries=frozenset({need.country_code.lower()}),
        start=need.start_date,
    )


def recommendation_target(
    session: Session, recommendation: Recommendation, *, total: int | None = None
) -> Target:
    total = duplicates_service.indexed_total(session) if total is None else total
    (record,) = _weighed(session, [_recommendation_record(recommendation)], total)
    event = recommendation.event
    return Target(
        record=record,
        pillars=_pillars_of(recommendation.themes, [recommendation.pillar]),
        countries=frozenset(c.code.lower() for c in recommendation.countries),
        start=event.start_date if event else None,
        after=event.start_date if event else None,
    )


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
    pillars = _theme_pillars(session)
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
    return _cached_record(
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
    weighed_records = _weighed(session, [s.record for s in stored], total)
    pillars = {str(t.slug): str(t.pillar) for t in project.themes}
    found: list[Suggestion] = []
    for item, weighed in zip(stored, weighed_records, strict=True):
        target = Target(
            record=weighed,
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


def need_summary(need: Need) -> dict[str, Any]:
    return {
        "kind": "need",
        "id": need.id,
        "title": need.title,
        "country": need.country_code,
        "priority": str(need.priority),
        "state": str(need.state),
        "url": f"/api/v1/needs/{need.id}",
    }


def recommendation_summary(recommendation: Recommendation) -> dict[str, Any]:
    return {
        "kind": "recommendation",
        "id": recommendation.id,
        "code": recommendation.code,
        "title": recommendation_text(recommendation)[:300],
        "state": str(recommendation.state),
        "url": f"/api/v1/recommendations/{recommendation.id}",
    }
