"""The IATI import API contract: the upload form, the job as answered, the list query."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from adam.fields import CodeList, FilePart, Text
from adam.iati.models import ImportJob, ImportStatus
from adam.paging import PageQuerySchema, page_schema
from adam.reference.codes import enum, theme_slugs

STATUSES = [s.value for s in ImportStatus]


class ImportUploadSchema(ma.Schema):
    """The upload form: multipart/form-data with these parts."""

    file = FilePart(
        required=True,
        error_messages={
            "invalid": "Send the IATI XML file in this field (multipart/form-data), not text."
        },
        metadata={"description": "An IATI 2.03 activity file (root iati-activities)."},
    )
    publisher_org = Text(
        single_line=True,
        strip=True,
        validate=validate.Length(max=100),
        metadata={
            "description": "Code of the organization publishing the file: the donor of "
            "activities that name no funding organisation (else their reporting-org is)",
            "example": "gb-fcdo",
        },
    )
    default_theme = Text(
        single_line=True,
        strip=True,
        validate=validate.Length(max=64),
        metadata={
            "description": "Theme slug for activities whose sectors map to no theme "
            "(else they are skipped)",
            "example": "demand-reduction",
            **enum(theme_slugs()),
        },
    )


class ReportEntrySchema(ma.Schema):
    line = ma.fields.Integer(metadata={"description": "Line of the iati-activity in the file"})
    iati_identifier = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(
        metadata={"description": "created, updated, unchanged, skipped or failed"}
    )
    reason = ma.fields.String(allow_none=True)
    project_id = ma.fields.Integer(allow_none=True)
    alerts = ma.fields.Integer()
    notes = ma.fields.List(
        ma.fields.String(), metadata={"description": "What was dropped or changed, and why"}
    )


class ImportUserSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()


def _links(job: ImportJob) -> dict[str, str]:
    return {"self": f"/api/v1/imports/{job.id}"}


def _counters(job: ImportJob) -> dict[str, int]:
    return job.counters()


class ImportAcceptedSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    links = ma.fields.Function(_links)


class ImportSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": ", ".join(STATUSES)})
    filename = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    options = ma.fields.Function(
        lambda job: {k: v for k, v in job.options.items() if k != "system"}
    )
    created_by = ma.fields.Nested(ImportUserSchema)
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    counters = ma.fields.Function(_counters)
    error = ma.fields.String(allow_none=True)
    links = ma.fields.Function(_links)


class ImportJobSchema(ImportSummarySchema):
    report = ma.fields.List(
        ma.fields.Nested(ReportEntrySchema),
        metadata={"description": "One entry per activity, written when the job ends"},
    )


class ImportListQuerySchema(PageQuerySchema):
    status = CodeList(Text(validate=validate.OneOf(STATUSES)))


ImportPageSchema = page_schema(ImportSummarySchema, "ImportPageSchema")
