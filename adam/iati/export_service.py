"""The IATI export's reading side: check, then page through the matching projects in chunks.

No Flask here: the route hands in the filters, the sort and the settings.

Memory stays flat: the ordered ids come through one streamed query (a server-side cursor on
PostgreSQL; SQLite steps its cursor lazily), and each chunk of ids is loaded with its
countries, themes and organizations by selectin eager loads, and its live documents in one
more query, turned into elements and written before the next chunk is read. The whole
export reads one snapshot (the project spreadsheets' ``matching_ids_in_snapshot``), so a project
edited meanwhile is wholly in or wholly out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from adam.auth import permissions
from adam.auth.actor import Actor
from adam.documents import service as documents_service
from adam.exports.project_rows import matching_ids_in_snapshot
from adam.iati.export import ExportSettings, activity_element, document_chunks
from adam.projects.filters import ProjectFilters
from adam.projects.models import Project

# Projects loaded per chunk (four queries each); tests patch it smaller.
CHUNK_SIZE = 500


@dataclass(slots=True)
class ActivityExport:
    """Checked and started; ``chunks()`` reads the projects while the answer is written."""

    session: Session
    ids: Select[Any]
    settings: ExportSettings
    chunk_size: int
    generated_at: dt.datetime

    def activities(self) -> Iterator[etree._Element]:
        result = self.session.execute(self.ids.execution_options(yield_per=self.chunk_size))
        try:
            for part in result.partitions():
                yield from self._chunk([row[0] for row in part])
        finally:
            result.close()

    def chunks(self) -> Iterator[bytes]:
        return document_chunks(self.activities(), generated_at=self.generated_at)

    def _chunk(self, ids: list[int]) -> Iterator[etree._Element]:
        loaded = self.session.scalars(
            select(Project)
            .where(Project.id.in_(ids))
            .options(
                selectinload(Project.countries),
                selectinload(Project.themes),
                selectinload(Project.participations),  # organizations join-load with them
            )
        ).all()
        by_id = {project.id: project for project in loaded}
        documents = documents_service.documents_for_projects(self.session, ids)
        for project_id in ids:
            project = by_id.get(project_id)
            if project is None:  # pragma: no cover - the snapshot holds every id it listed
                continue
            yield activity_element(project, documents.get(project_id, ()), self.settings)
        # Let go of the chunk now rather than when the identity map's weak references lapse.
        for project in loaded:
            self.session.expunge(project)


def export_activities(
    session: Session,
    *,
    actor: Actor,
    filters: ProjectFilters,
    sort: str = "-created_at",
    settings: ExportSettings,
    chunk_size: int | None = None,
) -> ActivityExport:
    """Check access and the filters now and start the snapshot; the projects are read later.

    Everything that can be refused is refused here, before the answer's first byte (a
    streamed answer cannot change its status). The caller closes the session after reading,
    which ends the snapshot.

    :raises Forbidden: someone other than a coordinator or administrator asks for withdrawn
        projects.
    :raises InvalidInput: a filter names a country, theme or organization that does not exist.
    """
    permissions.require(actor, "project.read")
    ids = matching_ids_in_snapshot(session, actor=actor, filters=filters, sort=sort)
    return ActivityExport(
        session=session,
        ids=ids,
        settings=settings,
        chunk_size=chunk_size or CHUNK_SIZE,
        generated_at=dt.datetime.now(dt.UTC),
    )
