"""Import parsed IATI activities one by one: resolve organizations, validate, register or update,
check for duplicates, and say what became of each.

Each activity is its own transaction: one that fails (invalid, outside the actor's scope, a
conflict) is rolled back alone and reported with its line, identifier and reason; the others
are kept. The caller reads the file; this module never sees Flask.

One module although above 400 lines: the one-by-one path and the batch path (``import_batch``)
share the screening, the report entry, the input built from an activity and the failure text,
and a batch writes its updates one by one (its new activities too, when saving them together
fails); kept side by side, the two cannot drift apart. Organizations are resolved in
``organizations``.
"""

from __future__ import annotations

import logging
import re
from collections import ChainMap
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.duplicates import service as duplicates_service
from adam.duplicates.settings import MatcherSettings
from adam.errors import AdamError, Forbidden, error_text, messages_text
from adam.iati import organizations
from adam.iati.models import ImportOutcome
from adam.iati.parse import Activity, MappingRules, OrganizationRef
from adam.projects import service as project_service
from adam.projects.models import Project
from adam.projects.schemas import ProjectInSchema
from adam.reference.models import Country, Theme
from adam.workflows import projects as project_workflows

log = logging.getLogger(__name__)

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_DERIVED_CODE = 60


@dataclass(slots=True)
class Entry:
    """One line of the report."""

    line: int
    iati_identifier: str | None
    outcome: ImportOutcome
    reason: str | None = None
    project_id: int | None = None
    alerts: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "iati_identifier": self.iati_identifier,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "project_id": self.project_id,
            "alerts": self.alerts,
            "notes": self.notes,
        }


@dataclass(slots=True)
class Importer:
    """What stays the same across one file's activities, and what it learnt on the way."""

    actor: Actor
    matcher: MatcherSettings
    # ADAM's own reporting org: "{ref}-{code}" is how its export names a project that has no
    # IATI identifier of its own, so such an activity is read back into that project.
    reporting_org_ref: str | None = None
    # Organizations resolved in committed activities: lookup key -> ADAM code.
    known_organizations: dict[str, str] = field(default_factory=dict)
    # iati-identifier -> line of its first activity in this file.
    seen: dict[str, int] = field(default_factory=dict)
    schema: ProjectInSchema = field(default_factory=ProjectInSchema)
    # Projects ``import_batch`` saved, left to be indexed and checked for duplicates once all
    # are in; and their index rows, to be weighed then (``index.insert_weighed``).
    written: list[int] = field(default_factory=list)
    unindexed: list[dict[str, Any]] = field(default_factory=list)


def mapping_rules(
    session: Session,
    *,
    default_theme: str | None,
    publisher_org: str | None,
    countries: frozenset[str] = frozenset(),
) -> MappingRules:
    """What the parser needs to know of this database; ``countries`` narrows the scope."""
    known = frozenset(session.scalars(select(Country.code)))
    return MappingRules(
        theme_slugs=frozenset(session.scalars(select(Theme.slug))),
        country_codes=known & countries if countries else known,
        default_theme=default_theme,
        publisher_org=publisher_org,
    )


def import_activity(session: Session, activity: Activity, importer: Importer) -> Entry:
    """Write one activity in a transaction of its own and commit it, or roll it back alone."""
    entry = _screen(activity, importer)
    if entry.reason is None:
        _import_one(session, activity, importer, entry)
    return entry


def _screen(activity: Activity, importer: Importer) -> Entry:
    """The activity's report entry, with a reason already when it is not to be imported."""
    entry = Entry(activity.line, activity.iati_identifier, ImportOutcome.SKIPPED)
    entry.notes = list(activity.notes)
    identifier = activity.iati_identifier
    if activity.skip:
        entry.reason = activity.skip
        return entry
    assert identifier is not None  # parse skips activities without one
    if identifier in importer.seen:
        entry.reason = (
            f"the file has this iati-identifier already, at line {importer.seen[identifier]}"
        )
        return entry
    importer.seen[identifier] = activity.line
    return entry


def _import_one(session: Session, activity: Activity, importer: Importer, entry: Entry) -> None:
    pending: dict[str, str] = {}
    try:
        _write(session, activity, importer, entry, pending)
        session.commit()
    except Exception as error:  # one activity's failure must not stop the others
        session.rollback()
        entry.project_id, entry.alerts = None, 0
        _fail(entry, error, activity)
        return
    importer.known_organizations.update(pending)


def _fail(entry: Entry, error: Exception, activity: Activity) -> None:
    entry.outcome, entry.reason = _failure(error)
    if entry.outcome == ImportOutcome.FAILED and not isinstance(
        error, AdamError | ma.ValidationError | IntegrityError
    ):
        log.exception("IATI import of %s (line %s) failed", activity.iati_identifier, activity.line)


def import_batch(
    session: Session, activities: Sequence[Activity], importer: Importer
) -> list[Entry]:
    """Import activities together, for a large file: one transaction for all that are new.

    Activities that update a project go one by one (``import_activity``). The new ones are
    each checked in a savepoint (one that fails leaves nothing, not even the organizations it
    created), then saved together. Their indexing and duplicate check are left to the caller,
    once the whole file is in (``Importer.written``, ``Importer.unindexed``): checked one by
    one, each would count its words and search the index alone, ten times the cost. Should
    saving them together fail (a conflict with data written meanwhile), they are imported
    one by one instead.
    """
    entries = [_screen(activity, importer) for activity in activities]
    wanted = [
        (activity, entry)
        for activity, entry in zip(activities, entries, strict=True)
        if entry.reason is None
    ]
    existing = _existing(session, [activity for activity, _ in wanted], importer)
    references = project_service.References(session)
    fresh: list[tuple[Activity, Entry]] = []
    for activity, entry in wanted:
        project = existing.get(activity.iati_identifier or "")
        if project is None:
            fresh.append((activity, entry))
        elif not _unchanged(session, activity, importer, entry, project, references):
            _import_one(session, activity, importer, entry)
    created: dict[str, str] = {}
    ready: list[tuple[Activity, Entry, project_service.NewProject]] = []
    _prefetch(references, [activity for activity, _ in fresh], importer)
    for activity, entry in fresh:
        mine: dict[str, str] = {}
        try:
            with session.begin_nested():
                data = importer.schema.load(
                    _raw(session, activity, importer, ChainMap(mine, created))
                )
                new = project_service.new_project(
                    session,
                    actor=importer.actor,
                    data=data,
                    references=references,
                    identifier_checked=True,  # by ``_existing``, for the whole batch
                )
        except Exception as error:
            _fail(entry, error, activity)
            # Organizations it created are gone with its savepoint; so must their rows be.
            references = project_service.References(session)
            continue
        created |= mine
        ready.append((activity, entry, new))
    if not ready:
        return entries
    try:
        project_service.add_projects(
            session, actor=importer.actor, projects=[new for _, _, new in ready]
        )
        duplicates_service.insert_match_keys(session, [new.project for _, _, new in ready])
        session.commit()
    except Exception:
        session.rollback()
        log.warning("IATI import: saving %s activities together failed; one by one.", len(ready))
        for activity, entry, _ in ready:
            _import_one(session, activity, importer, entry)
        return entries
    importer.known_organizations.update(created)
    for _, entry, new in ready:
        entry.outcome, entry.project_id = ImportOutcome.CREATED, new.project.id
        importer.written.append(new.project.id)
        importer.unindexed.append(duplicates_service.index_values(new.project))
    session.expunge_all()  # the batch's rows: memory stays flat over a large file
    return entries


def _prefetch(
    references: project_service.References, activities: Sequence[Activity], importer: Importer
) -> None:
    """Read the batch's countries, themes and known organizations in three statements, not
    one for each code as an activity first names it (2,800 statements for 10,000 activities)."""
    references.countries({code for activity in activities for code in activity.countries})
    references.themes({slug for activity in activities for slug in activity.themes})
    known = importer.known_organizations
    references.organizations(
        {
            code
            for activity in activities
            for org in (*activity.donors, *activity.implementers)
            if (code := known.get(organizations.organization_key(org)))
        }
    )


def _existing(
    session: Session, activities: Sequence[Activity], importer: Importer
) -> dict[str, Project]:
    """The stored projects the activities name (by their identifier, or ADAM's own made up for
    a project without one), withdrawn ones too, with their links: by identifier."""
    known = sorted({a.iati_identifier for a in activities if a.iati_identifier})
    found = {
        p.iati_identifier: p
        for p in project_service.load_projects(session, Project.iati_identifier.in_(known))
        if p.iati_identifier
    }
    own = {
        code: identifier
        for identifier in known
        if identifier not in found and (code := _own_code(identifier, importer.reporting_org_ref))
    }
    if own:
        for project in project_service.load_projects(
            session, Project.code.in_(own), Project.iati_identifier.is_(None)
        ):
            found[own[project.code]] = project
    return found


def _unchanged(
    session: Session,
    activity: Activity,
    importer: Importer,
    entry: Entry,
    project: Project,
    references: project_service.References,
) -> bool:
    """Is the activity what its project holds already? Then it is reported ``unchanged``
    without a write, as a one-by-one update would find it: a file published again is mostly
    that. Anything else (a change, a new organization, an error, a withdrawn project, one
    outside the uploader's scope) is for ``_import_one`` to handle and report."""
    if project.is_withdrawn:
        return False
    if permissions.denial(importer.actor, "project.update", project_service.scope_of(project)):
        return False
    # Organizations found here exist (committed): the importer may remember them.
    raw = _raw(session, activity, importer, importer.known_organizations, create=False)
    if None in raw["donors"] or None in raw["implementers"]:
        return False
    if project.iati_identifier is None:
        raw["iati_identifier"] = None  # ADAM's own identifier: the project keeps having none
    try:
        with session.no_autoflush:
            data = importer.schema.load(raw)
            new = project_service.new_project(
                session,
                actor=importer.actor,
                data=data,
                references=references,
                identifier_checked=True,
            )
    except Exception:  # whatever it is, the one-by-one update says it properly
        return False
    if project_service.snapshot(new.project) != project_service.snapshot(project):
        return False
    entry.outcome, entry.project_id = ImportOutcome.UNCHANGED, project.id
    if project.iati_identifier is None:
        entry.notes.append(_own_note(project.code))
    return True


def _own_code(identifier: str | None, reporting_org_ref: str | None) -> str | None:
    """The ADAM project code in an identifier ADAM's export made up, ``{ref}-{code}``."""
    if not identifier or not reporting_org_ref:
        return None
    prefix = f"{reporting_org_ref}-"
    if not identifier.upper().startswith(prefix.upper()):
        return None
    return identifier[len(prefix) :] or None


def _own_note(code: str) -> str:
    return f"ADAM's own identifier of project {code}: updated, not copied"


def _failure(error: Exception) -> tuple[ImportOutcome, str]:
    if isinstance(error, Forbidden):
        return ImportOutcome.SKIPPED, f"outside your scope: {error.message}"
    if isinstance(error, ma.ValidationError):
        return ImportOutcome.FAILED, f"invalid: {messages_text(error.messages)}"
    if isinstance(error, AdamError):
        return ImportOutcome.FAILED, error_text(error)
    if isinstance(error, IntegrityError):
        return ImportOutcome.FAILED, "conflicts with data stored meanwhile (retry the import)"
    return ImportOutcome.FAILED, f"unexpected error: {type(error).__name__}"


def _write(
    session: Session,
    activity: Activity,
    importer: Importer,
    entry: Entry,
    pending: dict[str, str],
) -> None:
    actor = importer.actor
    existing = session.execute(
        select(Project.id, Project.withdrawn_at).where(
            Project.iati_identifier == activity.iati_identifier
        )
    ).first()
    own_code = _own_code(activity.iati_identifier, importer.reporting_org_ref)
    if existing is None and own_code is not None:
        existing = session.execute(
            select(Project.id, Project.withdrawn_at).where(
                Project.code == own_code, Project.iati_identifier.is_(None)
            )
        ).first()
        if existing is not None:
            entry.notes.append(_own_note(own_code))
    if existing is not None and existing.withdrawn_at is not None:
        entry.project_id = existing.id
        entry.reason = "its project is withdrawn; restore it to import into it"
        return
    raw = _raw(session, activity, importer, pending)
    # A project found by ADAM's own identifier keeps having none of its own.
    if own_code and existing:
        raw["iati_identifier"] = None
    # The API's own contract: what an import writes, a registration could have written.
    data = importer.schema.load(raw)
    if existing is None:
        written = project_workflows.register(
            session, actor=actor, data=data, matcher=importer.matcher
        )
        entry.outcome = ImportOutcome.CREATED
    else:
        written = project_workflows.edit(
            session,
            existing.id,
            actor=actor,
            changes=data,
            expected_version=None,
            matcher=importer.matcher,
        )
        entry.outcome = ImportOutcome.UPDATED if written.changed else ImportOutcome.UNCHANGED
        if written.changed:
            entry.reason = "changed: " + ", ".join(sorted(written.changed))
    entry.project_id = written.project.id
    entry.alerts = len(written.outcome.new_alerts)
    if written.outcome.failed:
        entry.notes.append("The duplicate check failed (logged); `adam duplicates scan` redoes it.")


def _raw(
    session: Session,
    activity: Activity,
    importer: Importer,
    pending: MutableMapping[str, str],
    *,
    create: bool = True,
) -> dict[str, Any]:
    """The activity as a registration's input (organizations resolved, or created; one that
    ADAM lacks is None when ``create`` is false)."""
    return {
        "title": activity.title,
        "description": activity.description,
        "donors": [
            _organization(session, o, importer, pending, create=create) for o in activity.donors
        ],
        "implementers": [
            _organization(session, o, importer, pending, create=create)
            for o in activity.implementers
        ],
        "countries": activity.countries,
        "themes": activity.themes,
        "status": activity.status,
        "start_date": activity.start_date.isoformat() if activity.start_date else None,
        "end_date": activity.end_date.isoformat() if activity.end_date else None,
        "budget": (
            {"amount": f"{activity.budget[0]:.2f}", "currency": activity.budget[1]}
            if activity.budget
            else None
        ),
        "iati_identifier": activity.iati_identifier,
        "contact": activity.contact,
        "language": activity.language,
    }


def _organization(
    session: Session,
    org: OrganizationRef,
    importer: Importer,
    pending: MutableMapping[str, str],
    *,
    create: bool = True,
) -> str | None:
    """``organizations.resolve_organization`` as the importer's account, with what it learnt."""
    return organizations.resolve_organization(
        session,
        org,
        actor=importer.actor,
        known=importer.known_organizations,
        pending=pending,
        create=create,
    )
