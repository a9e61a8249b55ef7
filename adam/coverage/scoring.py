"""How likely a project serves a need or a recommendation: a score 0-100 and the reasons
behind it, from the duplicate matcher's records and pair features.

The score is a logistic of that evidence (see ``adam.coverage.suggest`` for the question it
answers), its weights set by hand and checked on a labelled set built from the real corpus
(bench/coverage_labels.py, figures in bench/RESULTS.md).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.duplicates import service as duplicates_service
from adam.matching.features import compare
from adam.matching.normalize import surface_forms
from adam.matching.rarity import record_weights
from adam.matching.record import MatchRecord
from adam.matching.vocabulary import ACRONYMS
from adam.needs.models import Need, NeedState
from adam.pact.models import (
    Recommendation,
)
from adam.reference.models import Theme

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


def cached_record(key: tuple[Any, ...], build: Any) -> MatchRecord:
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
    return cached_record(
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
    return cached_record(
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


def weighed(session: Session, records: Sequence[MatchRecord], total: int) -> list[MatchRecord]:
    """``records`` with each word weighed by how many projects hold it. A word no project
    holds is left out: it cannot be found in any, so it would lower every score alike."""
    if not records:
        return []
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


def theme_pillars(session: Session) -> dict[str, str]:
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
        surface = _surface_words(a.title, a.description)
        values = {
            "words": [_shown_word(word, surface) for _, word in found[:LISTED_WORDS]],
            "more": max(0, extra),
        }
        parts.append((WORDS * covered, _reason("words", 100 * covered, detail, **values)))
    if evidence.title_specific > 0:
        detail = f'title: "{a.title.strip()[:120]}" / "{project.title.strip()[:120]}"'
        parts.append(
            (
                TITLE * evidence.title_specific,
                _reason(
                    "title",
                    100 * evidence.title_specific,
                    detail,
                    titles=[a.title.strip()[:120], project.title.strip()[:120]],
                ),
            )
        )
    if shared_themes:
        themes = sorted(shared_themes)
        detail = "same theme: " + ", ".join(themes)
        parts.append((SAME_THEME, _reason("themes", 100.0, detail, themes=themes)))
    elif same_pillar:
        shared_pillars = sorted(target.pillars & project_pillars)
        detail = "same pillar: " + ", ".join(shared_pillars)
        parts.append((SAME_PILLAR, _reason("pillar", 100.0, detail, pillars=shared_pillars)))
    if shared_countries:
        codes = sorted(c.upper() for c in shared_countries)
        detail = "same country: " + ", ".join(codes)
        parts.append((0.0, _reason("countries", 100.0, detail, countries=codes)))
    elif not target.countries:
        parts.append((0.0, _reason("countries", 100.0, "any country", countries=[])))
    if evidence.overlap is not None:
        start, end = evidence.overlap
        detail = f"periods overlap {start:%Y-%m}..{end:%Y-%m}"
        values = {"from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"}
        parts.append((DATES_OVERLAP, _reason("dates", 100.0, detail, **values)))
    elif evidence.dates_disjoint:
        detail = f"periods disjoint: {_period(a)} / {_period(project)}"
        values = {
            "from": _month(a.start),
            "to": _month(a.end),
            "project_from": _month(project.start),
            "project_to": _month(project.end),
        }
        parts.append((DATES_DISJOINT, _reason("dates", 0.0, detail, **values)))
    z = BIAS + math.fsum(p for p, _ in parts)
    value = round(100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))), 1)
    parts.sort(key=lambda item: -abs(item[0]))
    return value, [reason for _, reason in parts]


def _reason(field_: str, strength: float, detail: str, **values: Any) -> dict[str, Any]:
    """A reason: its English ``detail`` for the API's readers, and the values it names (words,
    theme slugs, country codes, months) for pages to say it in their reader's language."""
    return {"field": field_, "score": round(strength, 1), "detail": detail, **values}


def _month(day: dt.date | None) -> str | None:
    return f"{day:%Y-%m}" if day else None


def _shown_word(word: str, surface: dict[str, str]) -> str:
    # An acronym stands for its long form ("blo": border liaison office), written or not.
    return surface.get(word) or (word.upper() if word in ACRONYMS else word)


@lru_cache(maxsize=4096)
def _surface_words(title: str, description: str) -> dict[str, str]:
    """The target's matched words as its author wrote them (the matcher keeps stems, such as
    a Russian word's, which a reader would not recognise), by the form the matcher keeps."""
    return surface_forms(f"{title}\n{description}")


def _period(record: MatchRecord) -> str:
    start = f"{record.start:%Y-%m}" if record.start else "?"
    end = f"{record.end:%Y-%m}" if record.end else ""
    return f"{start}..{end}"


def _pillars_of(themes: Iterable[Theme], extra: Iterable[str] = ()) -> frozenset[str]:
    return frozenset({str(t.pillar) for t in themes} | {str(p) for p in extra})


def need_target(session: Session, need: Need, *, total: int | None = None) -> Target:
    (target,) = need_targets(session, [need], total=total)
    return target


def need_targets(
    session: Session, needs: Sequence[Need], *, total: int | None = None
) -> list[Target]:
    """The targets of ``needs``, their words weighed in one read of the index."""
    total = duplicates_service.indexed_total(session) if total is None else total
    records = weighed(session, [_need_record(need) for need in needs], total)
    return [
        Target(
            record=record,
            pillars=_pillars_of(need.themes),
            countries=frozenset({need.country_code.lower()}),
            start=need.start_date,
        )
        for need, record in zip(needs, records, strict=True)
    ]


def recommendation_target(
    session: Session, recommendation: Recommendation, *, total: int | None = None
) -> Target:
    (target,) = recommendation_targets(session, [recommendation], total=total)
    return target


def recommendation_targets(
    session: Session, recommendations: Sequence[Recommendation], *, total: int | None = None
) -> list[Target]:
    """The targets of ``recommendations``, their words weighed in one read of the index."""
    total = duplicates_service.indexed_total(session) if total is None else total
    records = weighed(session, [_recommendation_record(r) for r in recommendations], total)
    targets = []
    for recommendation, record in zip(recommendations, records, strict=True):
        event = recommendation.event
        targets.append(
            Target(
                record=record,
                pillars=_pillars_of(recommendation.themes, [recommendation.pillar]),
                countries=frozenset(c.code.lower() for c in recommendation.countries),
                start=event.start_date if event else None,
                after=event.start_date if event else None,
            )
        )
    return targets


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
