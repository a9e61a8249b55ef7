"""Keep each project's row of the matcher's search index, and read records back from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from adam.duplicates.models import MatchKey, ProjectSearch
from adam.duplicates.terms import document_frequencies, indexed_total
from adam.matching.normalize import NormalizedText, normalize_text
from adam.matching.rarity import format_weights, parse_weights, record_weights
from adam.matching.record import DESCRIPTION_WORDS, MatchRecord, prenormalized
from adam.projects.models import Project

# Description words looked up for a record's weights: the rarest are almost always among the
# first few hundred distinct words, and a 13,000-character IATI description must not cost
# hundreds of look-ups.
WEIGHED_DESCRIPTION_WORDS = 200


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


def _weighed(values: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The words of a record that get a weight: its title's, and its description's first."""
    return (
        values["title_terms"].split(),
        values["description_terms"].split()[:WEIGHED_DESCRIPTION_WORDS],
    )


def weigh(session: Session, values: Mapping[str, str], *, total: int | None = None) -> str:
    """The stored weights of a record's words, from the index's current word counts."""
    title, described = _weighed(values)
    counts, total = document_frequencies(session, [*title, *described], total=total)
    return format_weights(record_weights(title, described, counts, total))


def index_project(
    session: Session, project: Project, *, new: bool = False, total: int | None = None
) -> ProjectSearch:
    """Write (or rewrite) the project's index row and match keys from its current state.

    ``new``: the project was registered in this transaction, so it has nothing to replace.
    ``total``: the index's size, when the caller has read it (``terms.indexed_total``).
    """
    values = _row_values(session, project, total=total)
    row = None if new else session.get(ProjectSearch, project.id)
    if row is None:
        row = ProjectSearch(project_id=project.id, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    write_match_keys(session, project, new=new)
    return row


def unsaved_row(session: Session, project: Project, *, total: int | None = None) -> ProjectSearch:
    """The index row ``index_project`` would write for ``project``, not added to the session
    (a dry-run check scores a project that is never saved)."""
    return ProjectSearch(project_id=project.id, **_row_values(session, project, total=total))


def _row_values(session: Session, project: Project, *, total: int | None) -> dict[str, Any]:
    values: dict[str, Any] = dict(search_values(project.title, project.description))
    values["weights"] = weigh(session, values, total=total)
    values["scope"] = " ".join(sorted(c.code.lower() for c in project.countries))
    return values


def write_match_keys(session: Session, project: Project, *, new: bool = False) -> None:
    """One key per (organization, beneficiary country) of the project, replacing the old."""
    if not new:
        session.execute(delete(MatchKey).where(MatchKey.project_id == project.id))
    keys = _match_keys(project)
    if keys:
        session.execute(insert(MatchKey), keys)


def _match_keys(project: Project) -> list[dict[str, Any]]:
    """One row per (organization, beneficiary country) of the project."""
    pairs = {(p.organization_id, c.code) for p in project.participations for c in project.countries}
    return [
        {
            "organization_id": org,
            "country_code": country,
            "project_id": project.id,
            "start_date": project.start_date,
        }
        for org, country in sorted(pairs)
    ]


def index_values(project: Project) -> dict[str, Any]:
    """The index row of a project saved in bulk, its words not weighed yet (``insert_weighed``
    weighs them)."""
    values: dict[str, Any] = dict(search_values(project.title, project.description))
    values["project_id"] = project.id
    values["scope"] = " ".join(sorted(c.code.lower() for c in project.countries))
    return values


def insert_match_keys(session: Session, projects: Sequence[Project]) -> None:
    """The match keys of projects registered in this transaction, in one statement."""
    keys = [key for project in projects for key in _match_keys(project)]
    if keys:
        session.execute(insert(MatchKey), keys)


# Index rows inserted per statement, and words counted per round.
INSERT_CHUNK = 500
COUNT_CHUNK = 5000


def insert_weighed(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the index rows of projects saved in bulk (``index_values``), each word weighed
    by how many projects hold it: the stored ones, counted by the index, and these rows.

    Weighing them all at once, once all are saved, gives each the counts of the whole
    import; and each row is written once (on PostgreSQL every write of a row is a write of
    its full-text entries, so an unweighed row weighed later would cost twice).
    """
    if not rows:
        return
    held: Counter[str] = Counter()
    for values in rows:
        held.update({*values["title_terms"].split(), *values["description_terms"].split()})
    stored_total = indexed_total(session)
    counts: dict[str, int] = {}
    if stored_total:
        words = list(held)
        for start in range(0, len(words), COUNT_CHUNK):
            found, _ = document_frequencies(
                session, words[start : start + COUNT_CHUNK], total=stored_total
            )
            counts |= found
    total = stored_total + len(rows)
    for word, n in held.items():
        counts[word] = counts.get(word, 0) + n
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        session.execute(
            insert(ProjectSearch),
            [
                values
                | {"weights": format_weights(record_weights(*_weighed(values), counts, total))}
                for values in chunk
            ],
        )


def unindexed_project_ids(session: Session) -> list[int]:
    """Projects stored before the index existed (or before it weighed words), or by a loader
    that skipped it."""
    query = (
        select(Project.id)
        .outerjoin(ProjectSearch, ProjectSearch.project_id == Project.id)
        .where(or_(ProjectSearch.project_id.is_(None), ProjectSearch.weights.is_(None)))
        .order_by(Project.id)
    )
    return list(session.scalars(query))


def text_columns() -> list[Any]:
    """The index columns a matcher record is rebuilt from (``record_from_index``)."""
    search = ProjectSearch.__table__.c
    return [
        search.title_terms,
        search.description_head,
        search.description_terms,
        search.phases,
        search.years,
        search.weights,
    ]


def record_of_project(
    search: ProjectSearch, project: Project, org_weights: dict[str, float] | None = None
) -> MatchRecord:
    """The matcher's view of an ORM project, its text taken from its index row."""
    return record_from_index(
        search,
        org_weights=org_weights,
        title=project.title,
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


def record_from_index(indexed: Any, **structured: Any) -> MatchRecord:
    """The matcher's view of a stored project from its index columns (``text_columns``), held
    by an index row or a result row: no normalising.

    ``structured`` carries ``id``, ``title`` and the fields that are not text (codes, dates,
    budget).
    """
    title_norm = NormalizedText(
        indexed.title_terms,
        frozenset(indexed.title_terms.split()),
        _parse_numbers(indexed.phases),
        _parse_numbers(indexed.years),
    )
    amount = structured.get("budget_amount")
    if amount is not None:
        structured["budget_amount"] = float(amount)
    return prenormalized(
        title_norm=title_norm,
        description_tokens=frozenset(indexed.description_terms.split()),
        description_head=indexed.description_head,
        weights=parse_weights(indexed.weights or ""),
        **structured,
    )
