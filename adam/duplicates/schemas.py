"""The alert API contract, the possible duplicates a registration answer lists, and a dry-run
check's answer."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from adam.duplicates.models import AlertStatus, Resolution
from adam.fields import CodeList, Text
from adam.paging import PageQuerySchema, page_schema
from adam.reference.schemas import CountryRefSchema, NamedCodeSchema, UserRefSchema

RESOLUTIONS = [r.value for r in Resolution]
ALERT_SORTS = ("-created_at", "created_at", "-score", "score")


class ReasonSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "title, description, organizations, ..."})
    score = ma.fields.Float(metadata={"description": "This evidence's own strength, 0-100"})
    detail = ma.fields.String(metadata={"description": "What matched, for a reviewer"})
    contribution = ma.fields.Float(
        metadata={"description": "Log-odds it added to the score; negative is evidence against"}
    )


class ProjectSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    donors = ma.fields.List(ma.fields.Nested(NamedCodeSchema))
    countries = ma.fields.List(ma.fields.Nested(NamedCodeSchema))


class ScoredDuplicateSchema(ma.Schema):
    """A stored project that looks like the checked one: what an alert about the pair shows."""

    project = ma.fields.Nested(ProjectSummarySchema)
    score = ma.fields.Float()
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))


class PossibleDuplicateSchema(ScoredDuplicateSchema):
    alert_id = ma.fields.Integer(allow_none=True)


class DuplicateCheckSchema(ma.Schema):
    """A dry-run check's answer: what a registration of the body would list, no alert raised."""

    possible_duplicates = ma.fields.List(
        ma.fields.Nested(ScoredDuplicateSchema),
        metadata={"description": "Likely duplicates, best first (no alert is raised)"},
    )
    duplicate_check = ma.fields.String(
        metadata={"description": "done; or failed (the matcher could not run)"}
    )


class AlertProjectSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    donors = ma.fields.List(ma.fields.Nested(NamedCodeSchema))
    implementers = ma.fields.List(ma.fields.Nested(NamedCodeSchema))
    countries = ma.fields.List(ma.fields.Nested(CountryRefSchema))
    status = ma.fields.String()
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    withdrawn = ma.fields.Boolean(attribute="is_withdrawn")


class AlertSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    score = ma.fields.Float()
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    projects = ma.fields.List(ma.fields.Nested(AlertProjectSchema))
    raised_by_project_id = ma.fields.Integer()
    resolution = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    resolved_at = ma.fields.DateTime(allow_none=True)
    resolved_by = ma.fields.Nested(UserRefSchema, allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class AlertQuerySchema(PageQuerySchema):
    status = CodeList(Text(validate=validate.OneOf([s.value for s in AlertStatus])))
    resolution = CodeList(Text(validate=validate.OneOf(RESOLUTIONS)))
    country = CodeList(metadata={"description": "Either project benefits one of these"})
    project = ma.fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "Alerts about this project"},
    )
    min_score = ma.fields.Float(validate=validate.Range(min=0, max=100))
    sort = ma.fields.String(load_default="-created_at", validate=validate.OneOf(ALERT_SORTS))


AlertPageSchema = page_schema(AlertSchema, "AlertPageSchema")


class ResolutionSchema(ma.Schema):
    resolution = ma.fields.String(required=True, validate=validate.OneOf(RESOLUTIONS))
    note = Text(allow_none=True, strip=True, validate=validate.Length(max=5000))
