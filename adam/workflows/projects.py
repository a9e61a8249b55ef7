"""Register, edit, withdraw and restore a project, with the duplicate check that goes with each;
and preview a registration's check without registering.

The check runs inside the write's transaction, in a SAVEPOINT, and only adds alerts: it
cannot lose the project. The caller commits both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from adam.auth.actor import Actor
from adam.duplicates import service as duplicates_service
from adam.duplicates.service import CheckOutcome, Found
from adam.duplicates.settings import MatcherSettings
from adam.projects import service as project_service
from adam.projects.models import Project


@dataclass(frozen=True, slots=True)
class Written:
    """A project as written, with what its duplicate check found (the 201/200 answer)."""

    project: Project
    outcome: CheckOutcome
    listed: int
    # The fields whose stored value an edit changed (empty for the other writes).
    changed: frozenset[str] = frozenset()

    @property
    def possible_duplicates(self) -> list[Found]:
        return self.outcome.found[: self.listed]

    @property
    def duplicate_check(self) -> str:
        if self.outcome.failed:
            return "failed"
        return "done" if self.outcome.ran else "not_needed"


def register(
    session: Session, *, actor: Actor, data: dict[str, Any], matcher: MatcherSettings
) -> Written:
    """Register a project and raise alerts for the stored projects that look like it."""
    project = project_service.register_project(session, actor=actor, data=data)
    outcome = duplicates_service.check_project(session, project, settings=matcher, new=True)
    return Written(project, outcome, matcher.listed)


@dataclass(frozen=True, slots=True)
class Preview:
    """What a registration of a body would find, nothing written (the dry run's answer)."""

    outcome: CheckOutcome
    listed: int

    @property
    def possible_duplicates(self) -> list[Found]:
        return self.outcome.found[: self.listed]

    @property
    def duplicate_check(self) -> str:
        return "failed" if self.outcome.failed else "done"


def preview(
    session: Session, *, actor: Actor, data: dict[str, Any], matcher: MatcherSettings
) -> Preview:
    """The stored projects a registration of ``data`` would list, checked and permitted as a
    registration is, without writing anything or raising an alert.

    :raises: as ``register`` does before it writes (InvalidInput, Forbidden, Conflict).
    """
    new = project_service.new_project(session, actor=actor, data=data)
    outcome = duplicates_service.dry_check(session, new.project, settings=matcher)
    return Preview(outcome, matcher.listed)


def edit(
    session: Session,
    project_id: int,
    *,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
    matcher: MatcherSettings,
) -> Written:
    """Change a project; a change that can make or break a duplicate checks it again.

    :raises PreconditionFailed: ``expected_version`` is not the stored one.
    """
    project, changed = project_service.update_project(
        session, project_id, actor=actor, changes=changes, expected_version=expected_version
    )
    if duplicates_service.MATCHED_FIELDS.isdisjoint(changed):
        return Written(project, CheckOutcome(ran=False), matcher.listed, changed)
    outcome = duplicates_service.check_project(session, project, settings=matcher)
    return Written(project, outcome, matcher.listed, changed)


def withdraw(
    session: Session, project_id: int, *, actor: Actor, expected_version: int | None
) -> Project:
    """Withdraw a project: hidden from queries, kept, restorable; its alerts stay as they are."""
    return project_service.withdraw_project(
        session, project_id, actor=actor, expected_version=expected_version
    )


def restore(
    session: Session, project_id: int, *, actor: Actor, matcher: MatcherSettings
) -> Written:
    """Restore a withdrawn project and check it again: projects registered while it was
    withdrawn never saw it."""
    project = project_service.restore_project(session, project_id, actor=actor)
    outcome = duplicates_service.check_project(session, project, settings=matcher, reindex=False)
    return Written(project, outcome, matcher.listed)
