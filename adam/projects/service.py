"""Register, edit, withdraw and restore projects; every change is recorded in the history.

Order inside each write (from CKAN's actions): resolve references, check access, save, record.
The caller owns the transaction and commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.auth.permissions import ProjectScope
from adam.db import utcnow
from adam.errors import N_, Conflict, Forbidden, InvalidInput, PreconditionFailed
from adam.projects.facts import refresh_facts
from adam.projects.filters import fold
from adam.projects.models import (
    OrganizationRole,
    Project,
    ProjectCodeCounter,
    ProjectHistory,
    ProjectHistoryAction,
    ProjectOrganization,
)
from adam.projects.reading import (
    get_project,
    history_of,
    load_projects,
    order_projects,
    project_history,
    search_projects,
    write_mark,
)
from adam.projects.references import References, resolve_references
from adam.reference.models import Country, Organization

# The public interface of projects: the writes defined here, the reads of ``reading`` and the
# code lookups of ``references``.
__all__ = [
    "NewProject",
    "References",
    "add_projects",
    "get_project",
    "history_of",
    "load_projects",
    "new_project",
    "order_projects",
    "project_history",
    "register_project",
    "restore_project",
    "scope_of",
    "search_projects",
    "snapshot",
    "update_project",
    "withdraw_project",
    "write_mark",
]


def _scope(
    countries: Sequence[Country],
    donors: Sequence[Organization],
    implementers: Sequence[Organization],
) -> ProjectScope:
    return ProjectScope(
        countries=frozenset(c.code for c in countries),
        donors=frozenset(o.id for o in donors),
        implementers=frozenset(o.id for o in implementers),
    )


def scope_of(project: Project) -> ProjectScope:
    return _scope(project.countries, project.donors, project.implementers)


def snapshot(project: Project) -> dict[str, Any]:
    """The project's user-visible fields as JSON values: what the history compares."""
    return {
        "title": project.title,
        "description": project.description,
        "donors": [o.code for o in project.donors],
        "implementers": [o.code for o in project.implementers],
        "countries": [c.code for c in project.countries],
        "themes": [t.slug for t in project.themes],
        "status": str(project.status),
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "budget": (
            {"amount": f"{project.budget_amount:.2f}", "currency": project.budget_currency}
            if project.budget_amount is not None
            else None
        ),
        "iati_identifier": project.iati_identifier,
        "language": project.language,
        "contact": (
            {"name": project.contact_name, "email": project.contact_email}
            if project.contact_name is not None or project.contact_email is not None
            else None
        ),
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"old": before.get(key), "new": value}
        for key, value in after.items()
        if before.get(key) != value
    }


def _apply(project: Project, data: dict[str, Any], refs: dict[str, Any]) -> None:
    for name in ("title", "description", "status", "start_date", "end_date", "language"):
        if name in data:
            setattr(project, name, data[name])
    if "budget" in data:
        budget = data["budget"]
        project.budget_amount = budget["amount"] if budget else None
        project.budget_currency = budget["currency"] if budget else None
    if "iati_identifier" in data:
        project.iati_identifier = data["iati_identifier"] or None
    if "contact" in data:
        contact = data["contact"] or {}
        project.contact_name = contact.get("name") or None
        project.contact_email = contact.get("email") or None
    # Sorted as the relationships load them, so every answer lists them in one order.
    if "countries" in refs:
        project.countries = sorted(refs["countries"], key=lambda c: c.code)
    if "themes" in refs:
        project.themes = sorted(refs["themes"], key=lambda t: t.slug)
    if "donors" in refs or "implementers" in refs:
        donors = refs.get("donors", project.donors)
        implementers = refs.get("implementers", project.implementers)
        wanted = [(o, OrganizationRole.DONOR) for o in donors] + [
            (o, OrganizationRole.IMPLEMENTER) for o in implementers
        ]
        current = {(p.organization_id, p.role): p for p in project.participations}
        kept = []
        for position, (org, role) in enumerate(wanted):
            link = current.get((org.id, role)) or ProjectOrganization(organization=org, role=role)
            link.position = position
            kept.append(link)
        project.participations = kept
    project.search_text = fold(f"{project.title}\n{project.description or ''}")


def _check_dates(project: Project) -> None:
    if project.start_date and project.end_date and project.end_date < project.start_date:
        raise InvalidInput(
            N_("The end date is before the start date."),
            {"end_date": [N_("The end date is before the start date.")]},
        )


def _check_iati_identifier(session: Session, project: Project) -> None:
    if not project.iati_identifier:
        return
    with session.no_autoflush:  # flushing the pending change would hit the unique index
        clash = session.scalar(
            select(Project.code).where(
                Project.iati_identifier == project.iati_identifier, Project.id != project.id
            )
        )
    if clash is not None:
        raise Conflict(
            N_(
                "Project %(project)s already has IATI identifier %(identifier)s.",
                project=clash,
                identifier=project.iati_identifier,
            ),
            {"iati_identifier": [N_("Already used by %(project)s.", project=clash)]},
        )


def _next_codes(session: Session, prefix: str, count: int = 1) -> list[str]:
    """Allocate ``count`` codes ``PREFIX-NNNN`` atomically: the upsert row-locks the counter
    until commit."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ProjectCodeCounter)
        .values(prefix=prefix, last_value=count)
        .on_conflict_do_update(
            index_elements=[ProjectCodeCounter.prefix],
            set_={"last_value": ProjectCodeCounter.last_value + count},
        )
        .returning(ProjectCodeCounter.last_value)
    )
    last = session.execute(statement).scalar_one()
    return [f"{prefix}-{number:04d}" for number in range(last - count + 1, last + 1)]


def _record(
    session: Session,
    project: Project,
    action: ProjectHistoryAction,
    actor: Actor | None,
    changes: dict[str, Any],
) -> None:
    session.add(
        ProjectHistory(
            project=project,
            action=action,
            version=project.version,
            actor_id=actor.user_id if actor else None,
            changes=changes,
        )
    )


def register_project(session: Session, *, actor: Actor, data: dict[str, Any]) -> Project:
    """Register a new project from validated input.

    :raises InvalidInput: unknown countries, themes or organizations.
    :raises Forbidden: the project lies outside the actor's scope.
    :raises Conflict: the IATI identifier is used by another project.
    """
    new = new_project(session, actor=actor, data=data)
    add_projects(session, actor=actor, projects=[new])
    return new.project


@dataclass(frozen=True, slots=True)
class NewProject:
    """A checked project not saved yet, and the prefix of its code (its first country as
    given, and the year)."""

    project: Project
    code_prefix: str


def new_project(
    session: Session,
    *,
    actor: Actor,
    data: dict[str, Any],
    references: References | None = None,
    identifier_checked: bool = False,
) -> NewProject:
    """A new project built from validated input and checked, not yet saved: ``add_projects``
    saves it (an import checks each of its activities, then saves them together).

    ``identifier_checked``: the caller has found the IATI identifier unused (for many at
    once); the unique index still refuses a clash at the flush.

    :raises: as ``register_project``.
    """
    refs = resolve_references(session, data, references)
    permissions.require(
        actor,
        "project.create",
        _scope(refs["countries"], refs["donors"], refs.get("implementers", [])),
    )
    now = utcnow()
    project = Project(
        # What the INSERT writes; known before it, so the creation's history row (which
        # records it) flushes with the project.
        version=1,
        created_at=now,
        updated_at=now,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
    )
    _apply(project, data, refs)
    _check_dates(project)
    if not identifier_checked:
        _check_iati_identifier(session, project)
    return NewProject(project, f"{refs['countries'][0].code}-{now.year}")


def add_projects(session: Session, *, actor: Actor, projects: Sequence[NewProject]) -> None:
    """Save projects from ``new_project``: codes (one counter step per prefix), rows and
    their creation in the history, in one flush whatever their number."""
    by_prefix: dict[str, list[Project]] = {}
    for new in projects:
        by_prefix.setdefault(new.code_prefix, []).append(new.project)
    for prefix, group in sorted(by_prefix.items()):
        for project, code in zip(group, _next_codes(session, prefix, len(group)), strict=True):
            project.code = code
    saved = [new.project for new in projects]
    session.add_all(saved)
    for project in saved:
        _record(session, project, ProjectHistoryAction.CREATE, actor, _diff({}, snapshot(project)))
    session.flush()
    refresh_facts(session, [project.id for project in saved])


def _check_version(project: Project, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != project.version:
        raise PreconditionFailed(
            N_(
                "Project %(project)s changed since you read it (now version %(version)s); "
                "read it again and reapply your change.",
                project=project.code,
                version=project.version,
            )
        )


def _flush_versioned(session: Session, project: Project) -> None:
    code = project.code  # read now: after a failed flush the object cannot be loaded
    try:
        session.flush()
    except StaleDataError as error:
        raise PreconditionFailed(
            N_(
                "Project %(project)s was changed by someone else at the same moment; "
                "read it again and reapply your change.",
                project=code,
            )
        ) from error


def update_project(
    session: Session,
    project_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
) -> tuple[Project, frozenset[str]]:
    """Apply a partial change. Lists given replace the stored ones. Returns the project and
    the fields whose stored value changed (none: nothing was written).

    :raises PreconditionFailed: ``expected_version`` is not the stored version.
    :raises Forbidden: the actor may not edit the project, or the change moves it out of scope.
    """
    project = get_project(session, project_id, actor=actor)
    if project.is_withdrawn:
        raise Conflict(
            N_(
                "Project %(project)s is withdrawn; restore it before editing.",
                project=project.code,
            )
        )
    permissions.require(actor, "project.update", scope_of(project))
    _check_version(project, expected_version)
    refs = resolve_references(session, changes)
    before = snapshot(project)
    _apply(project, changes, refs)
    _check_dates(project)
    _check_iati_identifier(session, project)
    after = snapshot(project)
    diff = _diff(before, after)
    if not diff:
        session.expire(project)
        return get_project(session, project_id, actor=actor), frozenset()
    if any(name in diff for name in ("countries", "donors", "implementers")):
        reason = permissions.denial(actor, "project.update", scope_of(project))
        if reason:
            raise Forbidden(
                N_(
                    "The change would move the project out of your scope. %(reason)s",
                    reason=reason,
                )
            )
    project.updated_at = utcnow()
    project.updated_by_id = actor.user_id
    _flush_versioned(session, project)
    _record(session, project, ProjectHistoryAction.UPDATE, actor, diff)
    session.flush()
    refresh_facts(session, [project.id])
    return project, frozenset(diff)


def withdraw_project(
    session: Session, project_id: int, *, actor: Actor, expected_version: int | None = None
) -> Project:
    """Hide a project from every query; it stays stored and a coordinator can restore it."""
    project = get_project(session, project_id, actor=actor)
    if project.is_withdrawn:
        return project
    permissions.require(actor, "project.withdraw", scope_of(project))
    _check_version(project, expected_version)
    now = utcnow()
    project.withdrawn_at = now
    project.withdrawn_by_id = actor.user_id
    project.updated_at = now
    project.updated_by_id = actor.user_id
    _flush_versioned(session, project)
    _record(
        session,
        project,
        ProjectHistoryAction.WITHDRAW,
        actor,
        {"withdrawn_at": {"old": None, "new": now.isoformat()}},
    )
    session.flush()
    refresh_facts(session, [project.id])
    return project


def restore_project(
    session: Session, project_id: int, *, actor: Actor, expected_version: int | None = None
) -> Project:
    """Bring a withdrawn project back; ``expected_version`` as for ``withdraw_project``."""
    permissions.require(actor, "project.restore")
    project = get_project(session, project_id, actor=actor)
    if not project.is_withdrawn:
        return project
    _check_version(project, expected_version)
    old = project.withdrawn_at
    project.withdrawn_at = None
    project.withdrawn_by_id = None
    project.updated_at = utcnow()
    project.updated_by_id = actor.user_id
    _check_iati_identifier(session, project)
    _flush_versioned(session, project)
    _record(
        session,
        project,
        ProjectHistoryAction.RESTORE,
        actor,
        {"withdrawn_at": {"old": old.isoformat() if old else None, "new": None}},
    )
    session.flush()
    refresh_facts(session, [project.id])
    return project
