"""Read projects: one by id, some with their links, a page of a search in the API's order."""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import Select, UnaryExpression, func, select
from sqlalchemy.orm import Session, selectinload

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.db import MAX_ID
from adam.errors import N_, NotFound
from adam.paging import one_page
from adam.projects.filters import ProjectFilters, apply_filters
from adam.projects.models import SORT_COLUMNS, Project, ProjectHistory


def _load(session: Session, project_id: int) -> Project | None:
    query = select(Project).where(Project.id == project_id).options(*_eager())
    return session.scalar(query)


def load_projects(session: Session, *conditions: Any) -> list[Project]:
    """The projects meeting ``conditions``, with their links (countries, themes,
    organizations) loaded, in a few statements whatever their number."""
    return list(session.scalars(select(Project).where(*conditions).options(*_eager())))


def _eager() -> list[Any]:
    return [
        selectinload(Project.countries),
        selectinload(Project.themes),
        selectinload(Project.participations),
        selectinload(Project.created_by),
        selectinload(Project.updated_by),
    ]


def get_project(session: Session, project_id: int, *, actor: Actor) -> Project:
    """A project by id. Withdrawn projects exist only for coordinators and administrators.

    :raises NotFound: no such project, or withdrawn and the actor may not see it.
    """
    project = _load(session, project_id) if 0 < project_id <= MAX_ID else None
    if project is None or (
        project.is_withdrawn and not permissions.allowed(actor, "project.read_withdrawn")
    ):
        raise NotFound(N_("No project with id %(id)s.", id=project_id))
    return project


def project_history(session: Session, project_id: int, *, actor: Actor) -> list[ProjectHistory]:
    return history_of(session, get_project(session, project_id, actor=actor))


def history_of(session: Session, project: Project) -> list[ProjectHistory]:
    """The history of a project the caller has read with ``get_project`` (which checked that
    the actor may see it), oldest first."""
    return list(
        session.scalars(
            select(ProjectHistory)
            .where(ProjectHistory.project_id == project.id)
            .order_by(ProjectHistory.id)
        )
    )


_Columns = TypeVarTuple("_Columns")


def order_projects(query: Select[*_Columns], sort: str) -> Select[*_Columns]:
    """``query`` ordered by the API's sort keys (``-`` for descending), then newest id first."""
    clauses: list[UnaryExpression[Any]] = []
    for part in sort.split(","):
        part = part.strip()
        column = SORT_COLUMNS[part.lstrip("-")]
        if not part.startswith("-"):
            clauses.append(column.asc())
        elif column.property.columns[0].nullable:
            clauses.append(column.desc().nulls_last())
        else:
            # No NULLS LAST on a column without nulls: PostgreSQL then reads an index on it
            # backwards (the search page's first 20 by creation) instead of sorting.
            clauses.append(column.desc())
    clauses.append(Project.id.desc())
    return query.order_by(*clauses)


def search_projects(
    session: Session,
    *,
    actor: Actor,
    filters: ProjectFilters,
    sort: str = "-created_at",
    page: int = 1,
    per_page: int = 20,
    count: bool = True,
) -> tuple[list[Project], int]:
    """One page of the projects matching ``filters``, and how many match in all.

    The page's ids and the total come from one pass over the matches (a window count),
    which reads only narrow index entries; only the page's own rows are read whole, in the
    same statement, so the total and the items come from one snapshot. ``count=False``: the
    caller knows the total otherwise (the search page, from its facet counts), so the page
    is read without passing over every match, and the total returned is -1.
    """
    if filters.withdrawn:
        permissions.require(actor, "project.read_withdrawn")
    if not count:
        wanted = one_page(
            order_projects(apply_filters(session, select(Project.id), filters), sort),
            page=page,
            per_page=per_page,
        ).subquery("wanted_ids")
        listed = order_projects(select(Project).join(wanted, wanted.c.id == Project.id), sort)
        return list(session.scalars(listed.options(*_eager()))), -1
    matches = apply_filters(
        session, select(Project.id, func.count().over().label("total")), filters
    )
    ids = one_page(order_projects(matches, sort), page=page, per_page=per_page)
    page_ids = ids.subquery("page_ids")
    query = order_projects(
        select(Project, page_ids.c.total).join(page_ids, page_ids.c.id == Project.id), sort
    ).options(*_eager())
    rows = session.execute(query).all()
    if rows:
        return [row[0] for row in rows], rows[0][1]
    if page == 1:
        return [], 0
    # Past the last page the window has no row to carry the total.
    total = session.scalar(
        select(func.count()).select_from(
            apply_filters(session, select(Project.id), filters).subquery()
        )
    )
    return [], total or 0


def write_mark(session: Session) -> tuple[int, int]:
    """What changes whenever a project is written: the highest project id and history id
    (every registration, edit, withdrawal and restore adds a history row). Two primary-key
    lookups, cheap enough to ask before every cached answer."""
    row = session.execute(
        select(
            select(func.max(Project.id)).scalar_subquery(),
            select(func.max(ProjectHistory.id)).scalar_subquery(),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)
