"""Register, edit, withdraw and restore a project, with the duplicate check that goes with each;
and preview a registration's check without registering.

The check runs inside the write's transaction, in a SAVEPOINT, and only adds alerts: it
cannot lose the project. The caller commits both together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from adam.auth.actor import Actor
from adam.coverage.service import Refreshed
from adam.coverage.settings import CoverageSettings
from adam.duplicates import service as duplicates_service
from adam.duplicates.service import CheckOutcome, Found
from adam.duplicates.settings import MatcherSettings
from adam.projects import service as project_service
from adam.projects.models import Project
from adam.workflows import coverage


@dataclass(frozen=True, slots=True)
class Written:
    """A project as written, with what its duplicate check found (the 201/200 answer)."""

    project: Project
    outcome: CheckOutcome
    listed: int
    # The fields whose stored value an edit changed (empty for the other writes).
    changed: frozenset[str] = frozenset()
    # The open needs and endorsed recommendations the project likely serves.
    coverage: Refreshed = field(default_factory=lambda: Refreshed([], []))

    @property
    def serves(self) -> list[dict[str, Any]]:
        return [
            {**s.summary, "link_id": s.link_id, "score": s.score, "reasons": s.reasons}
            for s in self.coverage.suggestions
        ]

    @property
    def possible_duplicates(self) -> list[Found]:
        return self.outcome.found[: self.listed]

    @property
    def duplicate_check(self) -> str:
        if self.outcome.failed:
            return "failed"
        return "done" if self.outcome.ran else "not_needed"


def register(
    session: Session,
    *,
    actor: Actor,
    data: dict[str, Any],
    matcher: MatcherSettings,
    coverage_settings: CoverageSettings | None = None,
) -> Written:
    """Register a project, raise alerts for the stored projects that look like it, and
    suggest the open needs and endorsed recommendations it likely serves."""
    project = project_service.register_project(session, actor=actor, data=data)
    outcome = duplicates_service.check_project(session, project, settings=matcher, new=True)
    served = coverage.suggest_for_project(
        session, project, coverage.settings_of(session, coverage_settings)
    )
    return Written(project, outcome, matcher.listed, coverage=served)


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
    coverage_settings: CoverageSettings | None = None,
) -> Written:
    """Change a project; a change that can make or break a duplicate checks it again, and
    one that can change which needs it serves suggests them again.

    :raises PreconditionFailed: ``expected_version`` is not the stored one.
    """
    project, changed = project_service.update_project(
        session, project_id, actor=actor, changes=changes, expected_version=expected_version
    )
    if duplicates_service.MATCHED_FIELDS.isdisjoint(changed):
        outcome = CheckOutcome(ran=False)
    else:
        outcome = duplicates_service.check_project(session, project, settings=matcher)
    served = Refreshed([], [])
    if not coverage.MATCHED_FIELDS.isdisjoint(changed):
        served = coverage.suggest_for_project(
            session, project, coverage.settings_of(session, coverage_settings)
        )
    return Written(project, outcome, matcher.listed, changed, served)


def withdraw(
    session: Session, project_id: int, *, actor: Actor, expected_version: int | None
) -> Project:
    """Withdraw a project: hidden from queries, kept, restorable; its alerts stay as they are."""
    return project_service.withdraw_project(
        session, project_id, actor=actor, expected_version=expected_version
    )


def restore(
    session: Session,
    project_id: int,
    *,
    actor: Actor,
    matcher: MatcherSettings,
    expected_version: int | None = None,
) -> Written:
    """Restore a withdrawn project and check it again: projects registered while it was
    withdrawn never saw it."""
    project = project_service.restore_project(
        session, project_id, actor=actor, expected_version=expected_version
    )
    outcome = duplicates_service.check_project(session, project, settings=matcher, reindex=False)
    return Written(project, outcome, matcher.listed)
