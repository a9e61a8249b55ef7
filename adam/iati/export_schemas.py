"""The IATI export's query: the project list's filters and sort (pages do not apply)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

# The list's own check of its sort keys, so both accept the same values.
from adam.projects.schemas import ProjectQuerySchema, valid_sort


class ExportQuerySchema(ProjectQuerySchema):
    sort = ma.fields.String(
        load_default="-created_at", validate=valid_sort, metadata={"description": "As the list's"}
    )
    # Accepted so that a list URL exports as it is; the export holds every match.
    page = ma.fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "Ignored: every match is exported"}
    )
    per_page = ma.fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "Ignored: every match is exported"}
    )
