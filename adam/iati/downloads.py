"""The IATI activity XML of the filtered projects as a download, for the API and the portal."""

from __future__ import annotations

import datetime as dt

from flask import Response

from adam.auth.actor import Actor
from adam.exports.formats import dated_filename, public_url, then_close
from adam.iati import export_service
from adam.iati.export import ExportSettings
from adam.projects.filters import ProjectFilters
from adam.session import get_settings, new_session

XML = "application/xml"


def _export_settings() -> ExportSettings:
    return ExportSettings(
        reporting_org=get_settings().reporting_org,
        public_url=public_url(),
        today=dt.datetime.now(dt.UTC).date(),
    )


def activities_download(*, actor: Actor, filters: ProjectFilters, sort: str) -> Response:
    """An IATI 2.03 iati-activities document, one activity per matching project, streamed.

    Flask (3.1) tears the request down, closing its session, as soon as the view returns,
    even under stream_with_context; so the export reads through a session of its own,
    closed after the last chunk or when the client leaves (as the spreadsheets do).

    :raises Forbidden: withdrawn projects asked for by someone who may not see them.
    :raises InvalidInput: a filter names a country, theme or organization that does not exist.
    """
    session = new_session()
    try:
        export = export_service.export_activities(
            session, actor=actor, filters=filters, sort=sort, settings=_export_settings()
        )
    except BaseException:
        session.close()
        raise
    response = Response(
        then_close(export.chunks(), session.close), content_type=f"{XML}; charset=utf-8"
    )
    response.call_on_close(session.close)
    filename = dated_filename("adam-activities", "xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
