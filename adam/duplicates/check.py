"""Check one project as it is written: index it, find and score its candidates, raise alerts;
or, as a dry run, score a project that is never saved.

The check never fails a registration: it runs inside a SAVEPOINT, and any error in it is
logged and reported as ``failed`` while the project itself is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from adam.duplicates import events
from adam.duplicates.candidates import Probe, candidate_query
from adam.duplicates.index import index_project, record_of_project, unsaved_row
from adam.duplicates.models import ProjectSearch
from adam.duplicates.raising import CheckOutcome, Found, raise_alerts
from adam.duplicates.records import Candidate, candidate_rows, candidates_from_rows
from adam.duplicates.settings import MatcherSettings
from adam.duplicates.terms import SPECIFIC_ORGANIZATION, indexed_total, organization_weights
from adam.matching.normalize import normalize_code
from adam.matching.result import Match
from adam.matching.score import could_alert, score
from adam.projects.models import Project, ProjectStatus

log = logging.getLogger(__name__)

# Edits to these fields can make or break a duplicate, so a PATCH touching one re-runs the check.
MATCHED_FIELDS = frozenset(
    {"title", "description", "countries", "start_date", "end_date", "donors", "implementers"}
)


def check_project(
    session: Session,
    project: Project,
    *,
    settings: MatcherSettings,
    reindex: bool = True,
    new: bool = False,
) -> CheckOutcome:
    """Index ``project`` and raise alerts for the stored projects that look like it.

    ``new``: registered in this transaction (nothing of it is indexed yet).

    Two focal points may register one activity at the same moment. On SQLite the second
    registration's first write waits for the first one's commit (one writer at a time), so its
    check sees the first project. On PostgreSQL each check first takes a transaction lock per
    beneficiary country (released at commit): of two registrations in a country, the second
    checks only after the first has committed, and sees it.
    """
    # The index's size, read once for the whole check (it moves by this project at most).
    total = indexed_total(session)
    search = (
        index_project(session, project, new=new, total=total)
        if reindex
        else session.get(ProjectSearch, project.id)
    )
    session.flush()
    if search is None or project.is_withdrawn or project.status == ProjectStatus.CANCELLED:
        return CheckOutcome()
    try:
        with session.begin_nested():
            lock_countries(session, [c.code for c in project.countries])
            return _check(session, project, search, settings, new=new, total=total)
    except Exception:  # the project must survive whatever the matcher does
        log.exception("Duplicate check of project %s failed; the project is kept.", project.id)
        return CheckOutcome(failed=True)


# Two ints name a PostgreSQL advisory lock; the first says whose locks these are ("AD").
LOCK_CLASS = 0x4144


def lock_countries(session: Session, countries: Sequence[str]) -> None:
    """PostgreSQL: one transaction lock per country, taken in a fixed order so that two checks
    sharing countries cannot deadlock; in the same round trip, for the rest of the
    transaction, no parallel workers (the check's queries take milliseconds, less than
    starting them) and a plan made for each execution's values: the candidate statement's
    text is the same for every probe of a shape, so the driver prepares it, and a generic plan
    could not know how rare the searched words are. No countries: the settings alone."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = [int.from_bytes(code.upper().encode()[:4], "big") for code in sorted(set(countries))]
    session.execute(
        text(
            "SELECT set_config('max_parallel_workers_per_gather', '0', true), "
            "set_config('plan_cache_mode', 'force_custom_plan', true), "
            "(SELECT count(pg_advisory_xact_lock(:cls, k)) "
            "FROM unnest(CAST(:keys AS integer[])) AS k)"
        ),
        {"cls": LOCK_CLASS, "keys": keys},
    )


def dry_check(session: Session, project: Project, *, settings: MatcherSettings) -> CheckOutcome:
    """What ``check_project(..., new=True)`` would find for ``project``, a project built and
    checked but never saved: scored as a registration scores it, nothing written, no alert
    raised or announced (each ``Found`` has no alert id).

    The project has no id and no index row: it is scored from the row ``index_project`` would
    write, and no stored project is left out of its candidates. On PostgreSQL it takes the
    registration's planner settings but not its country locks: a form asks for a dry run as
    its reader types, and registrations must not queue behind those.
    """
    if project.is_withdrawn or project.status == ProjectStatus.CANCELLED:
        return CheckOutcome()
    total = indexed_total(session)
    search = unsaved_row(session, project, total=total)
    try:
        lock_countries(session, [])  # the planner settings alone: no country is locked
        scored = _score(session, project, search, settings, total=total)
    except Exception:  # as in a registration: the answer says the check failed
        log.exception("Dry-run duplicate check failed.")
        return CheckOutcome(failed=True)
    return CheckOutcome(
        found=[Found(c.summary, m.score, m.reasons, None) for c, m in scored or ()],
    )


def _check(
    session: Session,
    project: Project,
    search: ProjectSearch,
    settings: MatcherSettings,
    *,
    new: bool = False,
    total: int,
) -> CheckOutcome:
    scored = _score(session, project, search, settings, total=total)
    if scored is None:
        return CheckOutcome()
    return raise_alerts(
        session,
        project.id,
        scored,
        notice=lambda: events.project_notice(project),
        new=new,
    )


def _score(
    session: Session,
    project: Project,
    search: ProjectSearch,
    settings: MatcherSettings,
    *,
    total: int,
) -> list[tuple[Candidate, Match]] | None:
    """The stored projects that look like ``project``, best first, at most ``max_alerts``;
    None when the probe finds no candidates at all."""
    organizations = tuple(dict.fromkeys(p.organization.id for p in project.participations))
    # Only organizations the probe names can be shared, so their weights are all a pair needs.
    by_id = organization_weights(session, organizations, total=total)
    org_weights = {
        normalize_code(p.organization.code): by_id[p.organization.id]
        for p in project.participations
    }
    probe = Probe(
        project_id=project.id,
        countries=tuple(c.code for c in project.countries),
        # A common organization (UNODC is in a fifth of all projects) cannot make a pair
        # alone, so it is no reason to look at a project.
        organization_ids=tuple(o for o in organizations if by_id[o] >= SPECIFIC_ORGANIZATION),
        start=project.start_date,
        end=project.end_date,
        title_terms=search.title_terms,
        description_head=search.description_head,
    )
    found = candidate_query(session, probe, settings.limits, total=total)
    if found is None:
        return None
    record = record_of_project(search, project, org_weights)
    # Most candidates share a rare word or an organization and nothing more: they are turned
    # away on their text and organization ids alone, before their links are read. Their rows
    # come in the statement that finds them.
    rows = [
        row
        for row, light, shared in candidate_rows(session, found, set(organizations))
        if could_alert(
            record,
            light,
            settings.weights,
            org_specificity=max((by_id[o] for o in shared), default=0.0),
        )
    ]
    scored: list[tuple[Candidate, Match]] = []
    for candidate in candidates_from_rows(session, rows, org_weights):
        match = score(record, candidate.record, settings.weights, explain_below=settings.threshold)
        if match.score >= settings.threshold:
            scored.append((candidate, match))
    scored.sort(key=lambda item: (-item[1].score, item[0].summary["id"]))
    # A record that matches dozens of projects is generic, not dozens of duplicates: the best
    # few are what a coordinator can review, and the rest would bury them.
    return scored[: settings.max_alerts]
