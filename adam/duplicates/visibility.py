"""Which duplicate alerts an actor may see, written twice: once in Python for one alert in hand,
once in SQL for listing and counting. Both live here so a change to one is made to the other;
``tests/duplicates/test_visibility.py`` checks that they agree for every role.

Coordinators and administrators see every alert; viewers see none. Anyone else sees an alert
when either of its projects is in their scope: for a focal point, a project benefiting their
country or funded or implemented by their organization; for a donor, a project their
organization funds.
"""

from __future__ import annotations

from sqlalchemy import exists, or_
from sqlalchemy.sql.elements import ColumnElement

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.auth.models import Role
from adam.auth.permissions import ProjectScope
from adam.duplicates.models import DuplicateAlert
from adam.projects.models import OrganizationRole, Project, ProjectOrganization, project_country


def _roles_seen(actor: Actor) -> list[OrganizationRole]:
    """The parts an actor's organization plays in the projects whose alerts the actor sees."""
    if actor.role == Role.DONOR:
        return [OrganizationRole.DONOR]
    return [OrganizationRole.DONOR, OrganizationRole.IMPLEMENTER]


def _scope(project: Project) -> ProjectScope:
    return ProjectScope(
        countries=frozenset(c.code for c in project.countries),
        donors=frozenset(o.id for o in project.donors),
        implementers=frozenset(o.id for o in project.implementers),
    )


def _in_scope(actor: Actor, project: ProjectScope) -> bool:
    if actor.role == Role.FOCAL_POINT and actor.country_code in project.countries:
        return True
    if actor.organization_id is None:
        return False
    roles = _roles_seen(actor)
    return (OrganizationRole.DONOR in roles and actor.organization_id in project.donors) or (
        OrganizationRole.IMPLEMENTER in roles and actor.organization_id in project.implementers
    )


def may_see(actor: Actor, alert: DuplicateAlert) -> bool:
    """Whether the actor may see this alert (it reads both projects' countries and
    organizations)."""
    if permissions.POLICY["alert.read"](actor, alert) is not None:
        return False
    if actor.role in permissions.STAFF:
        return True
    return any(_in_scope(actor, _scope(p)) for p in (alert.project_a, alert.project_b))


def visible_clause(actor: Actor) -> ColumnElement[bool] | None:
    """The alerts the actor may see, as a WHERE clause on DuplicateAlert: None for all.

    :raises Forbidden: the actor's role sees no alerts (viewers).
    """
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
        for column in either:
            conditions.append(
                exists().where(
                    ProjectOrganization.project_id == column,
                    ProjectOrganization.organization_id == actor.organization_id,
                    ProjectOrganization.role.in_(_roles_seen(actor)),
                )
            )
    return or_(*conditions) if conditions else DuplicateAlert.id.is_(None)
