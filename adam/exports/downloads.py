"""The project spreadsheets as download answers, for the API's list and the portal's search."""

from __future__ import annotations

from flask import Response

from adam.auth.actor import Actor
from adam.exports.formats import (
    csv_download,
    dated_filename,
    export_chunk_size,
    public_url,
    then_close,
    xlsx_download,
)
from adam.exports.project_rows import export_projects
from adam.exports.xlsx_stream import write_xlsx
from adam.projects.filters import ProjectFilters
from adam.session import new_session


def projects_spreadsheet(*, actor: Actor, filters: ProjectFilters, sort: str, fmt: str) -> Response:
    """Every project the filters match, as CSV (``fmt="csv"``, streamed) or Excel (built,
    then streamed).

    The export reads through a session of its own, opened here and closed when the answer
    is (its snapshot transaction spans the whole download; the request's session is closed
    when the view returns).

    :raises Forbidden: withdrawn projects asked for by someone who may not see them.
    :raises InvalidInput: a filter names a country, theme or organization that does not exist.
    """
    session = new_session()
    try:
        export = export_projects(
            session,
            actor=actor,
            filters=filters,
            sort=sort,
            public_url=public_url(),
            chunk_size=export_chunk_size(),
        )
    except BaseException:
        session.close()
        raise
    filename = dated_filename("projects", fmt)
    if fmt == "xlsx":
        with session:
            workbook = write_xlsx(export.columns, export.rows(), sheet_title="Projects")
        return xlsx_download(workbook, filename)
    rows = then_close(export.rows(), session.close)
    return csv_download(export.columns, rows, filename, on_close=session.close)
