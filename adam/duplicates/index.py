"""Keep each project's row of the matcher's search index, and read records back from it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.duplicates.models import ProjectSearch
from adam.matching.normalize import NormalizedText, normalize_text
from adam.matching.record import DESCRIPTION_WORDS, MatchRecord, prenormalized
from adam.projects.models import Project


def _numbers(values: Iterable[int]) -> str:
    return " ".join(str(v) for v in sorted(values))


def _parse_numbers(text: str) -> frozenset[int]:
    return frozenset(int(v) for v in text.split())


def search_values(title: str, description: str | None) -> dict[str, str]:
    """The index columns of one project's text (pure; also used by bulk loaders)."""
    title_norm = normalize_text(title)
    description_norm = normalize_text(description)
    words = description_norm.text.split()
    return {
        "title_terms": title_norm.text,
        "description_head": " ".join(words[:DESCRIPTION_WORDS]),
        # Distinct words in first-seen order: the full-text index needs each word once.
        "description_terms": " ".join(dict.fromkeys(words)),
        "phases": _numbers(title_norm.phases),
        "years": _numbers(title_norm.years),
    }


def index_project(session: Session, project: Project) -> ProjectSearch:
    """Write (or rewrite) the project's index row from its current title and description."""
    values = search_values(project.title, project.description)
    row = session.get(ProjectSearch, project.id)
    if row is None:
        row = ProjectSearch(project_id=project.id, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def unindexed_project_ids(session: Session) -> list[int]:
    """Projects stored before the index existed, or by a loader that skipped it."""
    query = (
        select(Project.id)
        .outerjoin(ProjectSearch, ProjectSearch.project_id == Project.id)
        .where(ProjectSearch.project_id.is_(None))
        .order_by(Project.id)
    )
    return list(session.scalars(query))


def record_of_project(search: ProjectSearch, project: Project) -> MatchRecord:
    """The matcher's view of an ORM project, its text taken from its index row."""
    return record_from_index(
        search,
        project.title,
        id=project.id,
        donors=[o.code for o in project.donors],
        implementers=[o.code for o in project.implementers],
        countries=[c.code for c in project.countries],
        themes=[t.slug for t in project.themes],
        start=project.start_date,
        end=project.end_date,
        budget_amount=project.budget_amount,
        budget_currency=project.budget_currency,
        iati_identifier=project.iati_identifier,
    )


def record_from_index(search: ProjectSearch, title: str, **structured: Any) -> MatchRecord:
    """The matcher's view of a stored project, from its index row: no normalising.

    ``structured`` carries ``id`` and the fields that are not text (codes, dates, budget).
    """
    title_norm = NormalizedText(
        search.title_terms,
        frozenset(search.title_terms.split()),
        _parse_numbers(search.phases),
        _parse_numbers(search.years),
    )
    return prenormalized(
        title=title,
        title_norm=title_norm,
        description_tokens=frozenset(search.description_terms.split()),
        description_head=search.description_head,
        **_structured(**structured),
    )


def _structured(**values: Any) -> dict[str, Any]:
    amount = values.get("budget_amount")
    values["budget_amount"] = float(amount) if amount is not None else None
    for name in ("donors", "implementers", "countries", "themes"):
        values[name] = frozenset(values.get(name) or ())
    return values
