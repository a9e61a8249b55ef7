"""Run the matcher when a project is written, raise alerts, and let coordinators resolve them.

The check never fails a registration: it runs inside a SAVEPOINT, and any error in it is
logged and reported as ``failed`` while the project itself is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    String,
    Subquery,
    UnaryExpression,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.auth.models import Role
from adam.db import MAX_ID, utcnow
from adam.duplicates import events
from adam.duplicates.candidates import CandidateSearch, Probe, candidate_query
from adam.duplicates.index import (
    index_project,
    record_from_index,
    record_of_project,
    text_columns,
)
from adam.duplicates.models import AlertStatus, DuplicateAlert, ProjectSearch, Resolution
from adam.duplicates.settings import MatcherSettings
from adam.duplicates.terms import SPECIFIC_ORGANIZATION, indexed_total, organization_weights
from adam.errors import Forbidden, InvalidInput, NotFound
from adam.matching.normalize import normalize_code
from adam.matching.record import MatchRecord
from adam.matching.result import Match
from adam.matching.score import could_alert, score
from adam.projects.models import (
    OrganizationRole,
    Project,
    ProjectOrganization,
    ProjectStatus,
    project_country,
    project_theme,
)
from adam.reference.models import Country, Organization, Theme

log = logging.getLogger(__name__)

# Edits to these fields can make or break a duplicate, so a PATCH touching one re-runs the check.
MATCHED_FIELDS = frozenset(
    {"title", "description", "countries", "start_date", "end_date", "donors", "implementers"}
)


@dataclass(frozen=True, slots=True)
class Found:
    """One possible duplicate of the checked project, as the registration answer lists it."""

    project: dict[str, Any]  # id, code, title, donors, countries
    score: float
    reasons: tuple[Any, ...]
    alert_id: int | None


@dataclass(slots=True)
class CheckOutcome:
    found: list[Found] = field(default_factory=list)
    failed: bool = False
    ran: bool = True  # False: the change could not make or break a duplicate
    new_alerts: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Candidate:
    record: MatchRecord
    summary: dict[str, Any]  # what the registration answer lists
    notice: dict[str, Any]  # what an alert announces (events.notice)


# --- Checking a project ---


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
    could not know how rare the searched words are."""
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


def _check(
    session: Session,
    project: Project,
    search: ProjectSearch,
    settings: MatcherSettings,
    *,
    new: bool = False,
    total: int,
) -> CheckOutcome:
    organizations = tuple(dict.fromkeys(p.organization_id for p in project.participations))
    # Only organizations the probe names can be shared, so their weights are all a pair needs.
    by_id = organization_weights(session, organizations, total=total)
    org_weights = {
        normalize_code(p.organization.code): by_id[p.organization_id]
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
        return CheckOutcome()
    record = record_of_project(search, project, org_weights)
    # Most candidates share a rare word or an organization and nothing more: they are turned
    # away on their text and organization ids alone, before their links are read. Their rows
    # come in the statement that finds them.
    rows = {
        row.id: row
        for row, light, shared in _candidate_rows(session, found, set(organizations))
        if could_alert(
            record,
            light,
            settings.weights,
            org_specificity=max((by_id[o] for o in shared), default=0.0),
        )
    }
    links = _links(session, list(rows))
    scored: list[tuple[Candidate, Match]] = []
    for row in rows.values():
        candidate = _candidate(row, links, org_weights)
        match = score(record, candidate.record, settings.weights, explain_below=settings.threshold)
        if match.score >= settings.threshold:
            scored.append((candidate, match))
    scored.sort(key=lambda item: (-item[1].score, item[0].summary["id"]))
    # A record that matches dozens of projects is generic, not dozens of duplicates: the best
    # few are what a coordinator can review, and the rest would bury them.
    return raise_alerts(
        session,
        project.id,
        scored[: settings.max_alerts],
        notice=lambda: events.project_notice(project),
        new=new,
    )


def _candidate_rows(
    session: Session, found: CandidateSearch, organizations: set[int]
) -> list[tuple[Any, MatchRecord, set[int]]]:
    """The candidates ``found`` (``candidate_query``) read in the statement that finds them:
    each row with its project's columns and index text, the row as a record of its text alone
    (enough for ``could_alert``), and which of ``organizations`` it names."""
    rows = session.execute(
        _rows_statement(found.query, session.get_bind().dialect.name),
        {**found.values, "shared_organizations": sorted(organizations) or [0]},
    )
    return [
        (
            row,
            record_from_index(row, id=row.id, title=""),
            {int(o) for o in (row.shared or "").split()},
        )
        for row in rows
    ]


@lru_cache(maxsize=256)
def _rows_statement(found: Subquery, dialect: str) -> Select[*tuple[Any, ...]]:
    """``_candidate_select`` of the projects ``found`` holds, with which of the organizations
    bound as ``shared_organizations`` each names; one per candidate statement (``found`` is
    built once per shape)."""
    organization = ProjectOrganization.organization_id
    aggregate = (
        func.string_agg(cast(organization, String), " ")
        if dialect == "postgresql"
        else func.group_concat(organization, " ")
    )
    shared = (
        select(aggregate)
        .where(
            ProjectOrganization.project_id == Project.id,
            organization.in_(bindparam("shared_organizations", expanding=True)),
        )
        .correlate(Project)
        .scalar_subquery()
    )
    return (
        _candidate_select()
        .add_columns(shared.label("shared"))
        .where(Project.id.in_(select(found.c[0])))
    )


def _candidate_select() -> Select[*tuple[Any, ...]]:
    """What a candidate's record, summary and notice need of its project and index rows."""
    search = ProjectSearch.__table__.c
    return select(
        Project.id,
        Project.code,
        Project.title,
        Project.description,
        Project.status,
        Project.start_date,
        Project.end_date,
        Project.budget_amount,
        Project.budget_currency,
        Project.iati_identifier,
        *text_columns(),
    ).join(ProjectSearch.__table__, search.project_id == Project.id)


@dataclass(slots=True)
class _Links:
    """The countries, themes and organizations of some projects, as (code, name) pairs."""

    countries: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    themes: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    # (project, role) -> organizations in their order
    organizations: dict[tuple[int, str], list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _links(session: Session, ids: Sequence[int]) -> _Links:
    """The three link tables of ``ids`` in one round trip (none for no ids)."""
    links = _Links()
    if not ids:
        return links
    for pid, kind, code, name, _order in session.execute(_links_statement(), {"ids": list(ids)}):
        if kind == "country":
            links.countries[pid].append((code, name))
        elif kind == "theme":
            links.themes[pid].append((code, name))
        else:
            links.organizations[(pid, kind)].append((code, name))
    return links


@cache
def _links_statement() -> Select[*tuple[Any, ...]]:
    """(project, kind, code, name, order) of the projects bound to ``ids``. Built once: a
    union of three joins takes longer to build (0.4 ms) than the database takes to run it."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    rows = union_all(
        select(
            project_country.c.project_id,
            literal("country"),
            Country.code,
            Country.name_en,
            literal(0),
        )
        .join(Country, Country.code == project_country.c.country_code)
        .where(project_country.c.project_id.in_(ids)),
        select(project_theme.c.project_id, literal("theme"), Theme.slug, Theme.name_en, Theme.id)
        .join(Theme, Theme.id == project_theme.c.theme_id)
        .where(project_theme.c.project_id.in_(ids)),
        select(
            ProjectOrganization.project_id,
            cast(ProjectOrganization.role, String),
            Organization.code,
            Organization.name,
            ProjectOrganization.position,
        )
        .join(Organization, Organization.id == ProjectOrganization.organization_id)
        .where(ProjectOrganization.project_id.in_(ids)),
    ).subquery()
    return select(rows).order_by(rows.c[4], rows.c[2])


def _candidate(row: Any, links: _Links, org_weights: dict[str, float] | None) -> Candidate:
    """A stored project as the matcher, the registration answer and an alert see it, from its
    row (``_candidate_select``) and its links."""
    pid = row.id
    donors = links.organizations[(pid, OrganizationRole.DONOR.value)]
    implementers = links.organizations[(pid, OrganizationRole.IMPLEMENTER.value)]
    countries = links.countries[pid]
    themes = links.themes[pid]
    record = record_from_index(
        row,
        org_weights=org_weights,
        id=pid,
        title=row.title,
        donors=[c for c, _ in donors],
        implementers=[c for c, _ in implementers],
        countries=[c for c, _ in countries],
        themes=[t for t, _ in themes],
        start=row.start_date,
        end=row.end_date,
        budget_amount=row.budget_amount,
        budget_currency=row.budget_currency,
        iati_identifier=row.iati_identifier,
    )
    summary = {
        "id": pid,
        "code": row.code,
        "title": row.title,
        "donors": [{"code": c, "name": n} for c, n in donors],
        "countries": [{"code": c, "name": n} for c, n in countries],
    }
    announced = events.notice(
        id=pid,
        code=row.code,
        title=row.title,
        description=row.description,
        donors=donors,
        implementers=implementers,
        countries=countries,
        themes=themes,
        status=row.status,
        start_date=row.start_date,
        end_date=row.end_date,
        budget_amount=row.budget_amount,
        budget_currency=row.budget_currency,
    )
    return Candidate(record, summary, announced)


def load_candidates(
    session: Session, ids: Sequence[int], org_weights: dict[str, float] | None = None
) -> dict[int, Candidate]:
    """Matcher records of stored projects, from their index rows (two queries, plain rows).

    ``org_weights``: organization code -> weight, for the organizations that count.
    """
    if not ids:
        return {}
    links = _links(session, ids)
    rows = session.execute(_candidate_select().where(Project.id.in_(ids)))
    return {row.id: _candidate(row, links, org_weights) for row in rows}


def _pair(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


def raise_alerts(
    session: Session,
    project_id: int,
    scored: list[tuple[Candidate, Match]],
    *,
    notice: Callable[[], dict[str, Any]],
    new: bool = False,
) -> CheckOutcome:
    """Alerts for the scored pairs of ``project_id`` with its candidates; new ones announced.

    ``notice``: what an alert announces of the project itself (``events.notice``), asked for
    only if an alert is new. ``new``: the project was registered in this transaction, so it
    has no alerts yet.
    """
    pairs = {_pair(project_id, c.summary["id"]) for c, _ in scored}
    existing = {} if new else _alerts_for_pairs(session, project_id, pairs)
    now = utcnow()
    reasons = {c.summary["id"]: [_reason_json(r) for r in m.reasons] for c, m in scored}
    missing = {
        pair: (project_id, match.score, reasons[candidate.summary["id"]])
        for candidate, match in scored
        if (pair := _pair(project_id, candidate.summary["id"])) not in existing
    }
    inserted = _insert_alerts(session, missing, now)
    if len(inserted) < len(missing):  # raised by a concurrent check a moment ago
        existing |= _alerts_for_pairs(session, project_id, set(missing) - set(inserted))
    outcome = CheckOutcome()
    for candidate, match in scored:
        pair = _pair(project_id, candidate.summary["id"])
        alert_id = inserted.get(pair)
        if alert_id is not None:
            outcome.new_alerts.append(alert_id)
        else:
            alert = existing[pair]
            if alert.resolution == Resolution.NOT_DUPLICATE:
                continue  # a coordinator said no: never raised or listed again
            alert_id = alert.id
            if alert.status == AlertStatus.OPEN and alert.score != match.score:
                alert.score, alert.updated_at = match.score, now
                alert.reasons = reasons[candidate.summary["id"]]
        outcome.found.append(Found(candidate.summary, match.score, match.reasons, alert_id))
    session.flush()
    raised_by = notice() if inserted else {}
    events.announce(
        session,
        [
            events.payload(
                alert_id=alert_id,
                score=match.score,
                created_at=now,
                reasons=reasons[candidate.summary["id"]],
                raised_by=raised_by,
                other=candidate.notice,
            )
            for candidate, match in scored
            if (alert_id := inserted.get(_pair(project_id, candidate.summary["id"]))) is not None
        ],
    )
    return outcome


def _reason_json(reason: Any) -> dict[str, Any]:
    return {
        "field": reason.field,
        "score": round(reason.score, 1),
        "detail": reason.detail,
        "contribution": round(reason.contribution, 2),
    }


def _alerts_for_pairs(
    session: Session, project_id: int, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], DuplicateAlert]:
    others = [b if a == project_id else a for a, b in pairs]
    if not others:
        return {}
    query = select(DuplicateAlert).where(
        or_(
            and_(
                DuplicateAlert.project_a_id == project_id, DuplicateAlert.project_b_id.in_(others)
            ),
            and_(
                DuplicateAlert.project_b_id == project_id, DuplicateAlert.project_a_id.in_(others)
            ),
        )
    )
    return {(a.project_a_id, a.project_b_id): a for a in session.scalars(query)}


# Pairs looked up per statement.
PAIRS_CHUNK = 500


def _insert_alerts(
    session: Session,
    pairs: dict[tuple[int, int], tuple[int, float, list[dict[str, Any]]]],
    now: dt.datetime,
) -> dict[tuple[int, int], int]:
    """Insert an alert for each pair that has none (pair -> the project that raised it, score,
    reasons); the unique pair decides races. Returns the ids of those inserted, by pair.

    One statement compiled once, its rows sent in batches (SQLAlchemy's "insertmanyvalues"):
    a bulk import raises thousands at once."""
    if not pairs:
        return {}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DuplicateAlert)
        .on_conflict_do_nothing(index_elements=["project_a_id", "project_b_id"])
        .returning(DuplicateAlert.id, DuplicateAlert.project_a_id, DuplicateAlert.project_b_id)
    )
    rows = [
        {
            "project_a_id": a,
            "project_b_id": b,
            "raised_by_project_id": raised_by,
            "score": value,
            "reasons": reasons,
            "status": AlertStatus.OPEN,
            "created_at": now,
            "updated_at": now,
        }
        for (a, b), (raised_by, value, reasons) in sorted(pairs.items())
    ]
    return {(a, b): alert_id for alert_id, a, b in session.execute(statement, rows)}


def raise_alerts_for_many(
    session: Session, checked: Sequence[tuple[Candidate, Sequence[tuple[Candidate, Match]]]]
) -> Counter[int]:
    """Alerts for the scored pairs of many projects at once (a bulk import's check), each
    project with its scored candidates; returns how many new alerts each project raised.

    A pair that has an alert already, open or resolved, is left as it is; the new ones are
    inserted and announced together.
    """
    chosen: dict[tuple[int, int], tuple[Candidate, Candidate, Match]] = {}
    for raiser, scored in checked:
        for candidate, match in scored:
            pair = _pair(raiser.summary["id"], candidate.summary["id"])
            chosen.setdefault(pair, (raiser, candidate, match))
    firsts = sorted({a for a, _ in chosen})
    existing: set[tuple[int, int]] = set()
    for start in range(0, len(firsts), PAIRS_CHUNK):
        # Rows as plain pairs (Result.tuples() is deprecated since SQLAlchemy 2.1).
        existing |= {
            (a, b)
            for a, b in session.execute(
                select(DuplicateAlert.project_a_id, DuplicateAlert.project_b_id).where(
                    DuplicateAlert.project_a_id.in_(firsts[start : start + PAIRS_CHUNK])
                )
            )
        }
    now = utcnow()
    reasons = {
        pair: [_reason_json(r) for r in match.reasons]
        for pair, (_, _, match) in chosen.items()
        if pair not in existing
    }
    inserted = _insert_alerts(
        session,
        {
            pair: (chosen[pair][0].summary["id"], chosen[pair][2].score, why)
            for pair, why in reasons.items()
        },
        now,
    )
    raised: Counter[int] = Counter()
    documents = []
    for pair, alert_id in sorted(inserted.items()):
        raiser, candidate, match = chosen[pair]
        raised[raiser.summary["id"]] += 1
        documents.append(
            events.payload(
                alert_id=alert_id,
                score=match.score,
                created_at=now,
                reasons=reasons[pair],
                raised_by=raiser.notice,
                other=candidate.notice,
            )
        )
    session.flush()
    events.announce(session, documents)
    return raised


# --- Alerts for people ---


def _visible(actor: Actor) -> ColumnElement[bool] | None:
    """What alerts the actor may see: None for all; raises for roles that see none."""
    permissions.require(actor, "alert.read")
    if actor.role in permissions.STAFF:
        return None
    either = (DuplicateAlert.project_a_id, DuplicateAlert.project_b_id)
    conditions: list[ColumnElement[bool]] = []
    if actor.role == Role.FOCAL_POINT and actor.country_code:
        for column in either:
            conditions.append(
                exists().where(
                    project_country.c.project_id == column,
                    project_country.c.country_code == actor.country_code,
                )
            )
    if actor.organization_id is not None:
        roles = (
            [OrganizationRole.DONOR]
            if actor.role == Role.DONOR
            else [OrganizationRole.DONOR, OrganizationRole.IMPLEMENTER]
        )
        for column in either:
            conditions.append(
                exists().where(
                    ProjectOrganization.project_id == column,
                    ProjectOrganization.organization_id == actor.organization_id,
                    ProjectOrganization.role.in_(roles),
                )
            )
    return or_(*conditions) if conditions else DuplicateAlert.id.is_(None)


def _eager() -> list[Any]:
    loads = []
    for side in (DuplicateAlert.project_a, DuplicateAlert.project_b):
        loads += [
            selectinload(side).selectinload(Project.countries),
            selectinload(side).selectinload(Project.participations),
        ]
    return loads


@dataclass(frozen=True, slots=True)
class AlertFilters:
    statuses: tuple[str, ...] = ()
    resolutions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    project_id: int | None = None
    min_score: float | None = None


def list_alerts(
    session: Session,
    *,
    actor: Actor,
    filters: AlertFilters,
    sort: str = "-created_at",
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[DuplicateAlert], int]:
    """One page of the alerts the actor may see, and how many there are in all."""
    conditions: list[ColumnElement[bool]] = []
    visible = _visible(actor)
    if visible is not None:
        conditions.append(visible)
    if filters.statuses:
        conditions.append(DuplicateAlert.status.in_(filters.statuses))
    if filters.resolutions:
        conditions.append(DuplicateAlert.resolution.in_(filters.resolutions))
    if filters.countries:
        in_country = select(project_country.c.project_id).where(
            project_country.c.country_code.in_([c.upper() for c in filters.countries])
        )
        conditions.append(
            or_(
                DuplicateAlert.project_a_id.in_(in_country),
                DuplicateAlert.project_b_id.in_(in_country),
            )
        )
    if filters.project_id is not None:
        conditions.append(
            or_(
                DuplicateAlert.project_a_id == filters.project_id,
                DuplicateAlert.project_b_id == filters.project_id,
            )
        )
    if filters.min_score is not None:
        conditions.append(DuplicateAlert.score >= filters.min_score)
    total = session.scalar(select(func.count(DuplicateAlert.id)).where(*conditions)) or 0
    orders: dict[str, list[UnaryExpression[Any]]] = {
        "-created_at": [DuplicateAlert.id.desc()],
        "created_at": [DuplicateAlert.id.asc()],
        "-score": [DuplicateAlert.score.desc(), DuplicateAlert.id.desc()],
        "score": [DuplicateAlert.score.asc(), DuplicateAlert.id.desc()],
    }
    order = orders[sort]
    rows = session.scalars(
        select(DuplicateAlert)
        .where(*conditions)
        .options(*_eager())
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


def get_alert(session: Session, alert_id: int, *, actor: Actor) -> DuplicateAlert:
    """:raises NotFound: no such alert. :raises Forbidden: it touches nothing of the actor's."""
    alert = (
        session.scalar(
            select(DuplicateAlert).where(DuplicateAlert.id == alert_id).options(*_eager())
        )
        if 0 < alert_id <= MAX_ID
        else None
    )
    if alert is None:
        raise NotFound(f"No alert with id {alert_id}.")
    visible = _visible(actor)
    if visible is not None and not session.scalar(
        select(func.count(DuplicateAlert.id)).where(DuplicateAlert.id == alert_id, visible)
    ):
        raise Forbidden(
            "This alert touches no project of your country or organization."
            if actor.role == Role.FOCAL_POINT
            else "This alert touches no project your organization funds."
        )
    return alert


def resolve_alert(
    session: Session, alert_id: int, *, actor: Actor, resolution: str, note: str | None
) -> DuplicateAlert:
    """Record a coordinator's verdict on a pair; a verdict may be changed later, by a coordinator.

    :raises Forbidden: only coordinators and administrators resolve alerts.
    """
    permissions.require(actor, "alert.resolve")
    alert = get_alert(session, alert_id, actor=actor)
    try:
        verdict = Resolution(resolution)
    except ValueError as error:
        raise InvalidInput("Unknown resolution.", {"resolution": [str(error)]}) from error
    now = utcnow()
    alert.status = AlertStatus.RESOLVED
    alert.resolution = verdict
    alert.note = note
    alert.resolved_at = now
    alert.resolved_by_id = actor.user_id
    alert.updated_at = now
    session.flush()
    session.refresh(alert, ["resolved_by"])
    return alert
