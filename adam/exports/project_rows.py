"""Every project the list's filters match, one row each, read in chunks from one snapshot.

No Flask here: the routes hand in the filters, the sort and the public URL.

Memory stays flat: the ordered ids come through one streamed query (a server-side cursor on
PostgreSQL; SQLite steps its cursor lazily) a chunk at a time, and each chunk's projects,
countries, themes and organizations are read in four set-based queries of plain columns
(no ORM objects, no lazy loads per row).

Consistency: the whole export reads one snapshot. On PostgreSQL it is a REPEATABLE READ, READ
ONLY transaction; on SQLite (WAL) an explicit BEGIN, whose first read fixes the snapshot
(Python's sqlite3 would otherwise run each SELECT in a transaction of its own). A project
registered or edited while the rows stream is therefore wholly in or wholly out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.exports.table import Column, Kind
from adam.projects.filters import ProjectFilters, apply_filters
from adam.projects.models import (
    OrganizationRole,
    Project,
    ProjectOrganization,
    project_country,
    project_theme,
)

# The list's own ordering (sort keys, then id), so the rows come in the JSON list's order.
from adam.projects.service import order_projects
from adam.reference.models import Country, Organization, Theme

# Ids per chunk: four queries of this many ids each; about 1 MB of rows in flight.
CHUNK_SIZE = 1000
# Between several codes or names in one cell; names hold commas ("Foreign, Commonwealth & ...").
SEPARATOR = "; "
_NONE = ("", "")  # no countries (or themes, donors, implementers): empty codes and names

COLUMNS: tuple[Column, ...] = (
    Column("code", width=16),
    Column("title", width=50),
    Column("description", width=60),
    Column("status", width=14),
    Column("countries", width=12),
    Column("country_names", width=30),
    Column("themes", width=24),
    Column("theme_names", width=36),
    Column("donors", width=16),
    Column("donor_names", width=40),
    Column("implementers", width=16),
    Column("implementer_names", width=40),
    Column("start_date", Kind.DATE, width=12),
    Column("end_date", Kind.DATE, width=12),
    Column("budget_amount", Kind.AMOUNT, width=16),
    Column("budget_currency", width=9),
    Column("iati_identifier", width=28),
    Column("contact_name", width=24),
    Column("contact_email", width=28),
    Column("created_at", Kind.DATETIME, width=20),
    Column("updated_at", Kind.DATETIME, width=20),
    Column("withdrawn_at", Kind.DATETIME, width=20),
    Column("url", width=40),
)

_project = Project.__table__
_organization = ProjectOrganization.__table__
_FIELDS = (
    _project.c.id,
    _project.c.code,
    _project.c.title,
    _project.c.description,
    _project.c.status,
    _project.c.start_date,
    _project.c.end_date,
    _project.c.budget_amount,
    _project.c.budget_currency,
    _project.c.iati_identifier,
    _project.c.contact_name,
    _project.c.contact_email,
    _project.c.created_at,
    _project.c.updated_at,
    _project.c.withdrawn_at,
)


@dataclass(slots=True)
class ProjectExport:
    """Checked and started; ``rows()`` reads the projects when the answer is written."""

    columns: tuple[Column, ...]
    session: Session
    ids: Select[Any]
    public_url: str
    chunk_size: int

    def rows(self) -> Iterator[tuple[Any, ...]]:
        result = self.session.execute(self.ids.execution_options(yield_per=self.chunk_size))
        try:
            for part in result.partitions():
                yield from self._chunk([row[0] for row in part])
        finally:
            result.close()

    def _chunk(self, ids: list[int]) -> Iterator[tuple[Any, ...]]:
        session = self.session
        pg = session.get_bind().dialect.name == "postgresql"
        projects = {
            row[0]: row
            for row in session.execute(select(*_FIELDS).where(_among(_project.c.id, ids, pg)))
        }
        countries = _joined(
            session.execute(
                select(project_country.c.project_id, Country.code, Country.name_en)
                .join(Country, Country.code == project_country.c.country_code)
                .where(_among(project_country.c.project_id, ids, pg))
                .order_by(project_country.c.project_id, Country.code)
            )
        )
        themes = _joined(
            session.execute(
                select(project_theme.c.project_id, Theme.slug, Theme.name_en)
                .join(Theme, Theme.id == project_theme.c.theme_id)
                .where(_among(project_theme.c.project_id, ids, pg))
                .order_by(project_theme.c.project_id, Theme.slug)
            )
        )
        by_role: dict[OrganizationRole, list[tuple[int, str, str]]] = defaultdict(list)
        for project_id, role, code, name in session.execute(
            select(
                _organization.c.project_id,
                _organization.c.role,
                Organization.code,
                Organization.name,
            )
            .join(Organization, Organization.id == _organization.c.organization_id)
            .where(_among(_organization.c.project_id, ids, pg))
            .order_by(_organization.c.project_id, _organization.c.position)
        ):
            by_role[role].append((project_id, code, name))
        donors = _joined(by_role[OrganizationRole.DONOR])
        implementers = _joined(by_role[OrganizationRole.IMPLEMENTER])
        url = f"{self.public_url}/api/v1/projects/"
        for project_id in ids:
            row = projects.get(project_id)
            if row is None:  # pragma: no cover - the snapshot holds every id it listed
                continue
            (_, code, title, description, status, start, end, amount, currency, iati,
             contact_name, contact_email, created, updated, withdrawn) = row  # fmt: skip
            yield (
                code,
                title,
                description,
                str(status),
                *countries.get(project_id, _NONE),
                *themes.get(project_id, _NONE),
                *donors.get(project_id, _NONE),
                *implementers.get(project_id, _NONE),
                start,
                end,
                amount,
                currency,
                iati,
                contact_name,
                contact_email,
                created,
                updated,
                withdrawn,
                f"{url}{project_id}",
            )


def _among(column: Any, ids: list[int], pg: bool) -> ColumnElement[bool]:
    """``column`` is one of ``ids``.

    On PostgreSQL one array parameter (``= ANY($1)``): a 1,000-item IN list took longer to
    render and for the driver to parse than the query took to run (profiled: a third of the
    export's time). SQLite has no arrays; its IN list is cheap to send.
    """
    if pg:
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _joined(rows: Iterable[Any]) -> dict[int, tuple[str, str]]:
    """Per project, its codes and its names, each joined (rows come in the project's order)."""
    codes: dict[int, list[str]] = defaultdict(list)
    names: dict[int, list[str]] = defaultdict(list)
    for project_id, code, name in rows:
        codes[project_id].append(code)
        names[project_id].append(name)
    return {pid: (SEPARATOR.join(c), SEPARATOR.join(names[pid])) for pid, c in codes.items()}


def matching_ids_in_snapshot(
    session: Session, *, actor: Actor, filters: ProjectFilters, sort: str
) -> Select[Any]:
    """The ordered ids of the projects an export lists, read in a snapshot begun now.

    :raises Forbidden: someone other than a coordinator or administrator asks for withdrawn
        projects.
    """
    if filters.withdrawn:
        permissions.require(actor, "project.read_withdrawn")
    begin_snapshot(session)
    return order_projects(apply_filters(session, select(Project.id), filters), sort)


def begin_snapshot(session: Session) -> None:
    """Open the read-only transaction the whole export reads from.

    :raises RuntimeError: when ``session`` already has a transaction open; its isolation could
        no longer be chosen.
    """
    if session.in_transaction():
        raise RuntimeError("Begin the export's snapshot on a session with no transaction open.")
    if session.get_bind().dialect.name == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        return
    connection = session.connection()
    driver = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN")


def export_projects(
    session: Session,
    *,
    actor: Actor,
    filters: ProjectFilters,
    sort: str = "-created_at",
    public_url: str,
    chunk_size: int = CHUNK_SIZE,
) -> ProjectExport:
    """Check access and the filters now, and start the snapshot; the rows are read later.

    Everything that can be refused is refused here, before the answer's first byte: once a
    streamed download has started its status can no longer change. The caller closes the
    session after reading the rows (which ends the snapshot).

    :raises Forbidden: when someone other than a coordinator or administrator asks for
        withdrawn projects.
    :raises InvalidInput: when a filter names a country, theme or organization that does not
        exist.
    """
    ids = matching_ids_in_snapshot(session, actor=actor, filters=filters, sort=sort)
    return ProjectExport(
        columns=COLUMNS,
        session=session,
        ids=ids,
        public_url=public_url.rstrip("/"),
        chunk_size=chunk_size,
    )
