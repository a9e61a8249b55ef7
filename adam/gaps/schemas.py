"""The gap view's query and answer, and one cell's drill-through."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from adam.fields import CodeList, Text
from adam.reference.models import Pillar, Region

PILLARS = [p.value for p in Pillar]
REGIONS = [r.value for r in Region]
FORMAT = ma.fields.String(
    validate=validate.OneOf(("json", "csv", "xlsx")),
    metadata={"description": "csv or xlsx: the matrix as a spreadsheet; wins over Accept"},
)


class GapQuerySchema(ma.Schema):
    by = ma.fields.String(
        load_default="theme",
        validate=validate.OneOf(("theme", "pillar")),
        metadata={"description": "Columns: each theme (default) or each pillar"},
    )
    country = CodeList(metadata={"description": "ISO alpha-2; repeat or comma-separate for any of"})
    region = Text(single_line=True, strip=True, validate=validate.OneOf(REGIONS))
    theme = CodeList(metadata={"description": "Theme slug; repeat for any of (by=theme)"})
    pillar = Text(single_line=True, strip=True, validate=validate.OneOf(PILLARS))
    format = FORMAT

    @ma.validates_schema
    def _theme_or_pillar(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("theme") and data.get("pillar"):
            raise ma.ValidationError("Filter by theme or by pillar, not both.", "pillar")
        if data.get("theme") and data.get("by") == "pillar":
            raise ma.ValidationError(
                "The pillar view is filtered by pillar; filter by theme with by=theme.", "theme"
            )


class CellQuerySchema(ma.Schema):
    country = Text(
        single_line=True,
        strip=True,
        validate=validate.Length(min=1, max=3),
        metadata={"description": "ISO alpha-2; leave out for the regional row"},
    )
    theme = Text(single_line=True, strip=True, validate=validate.Length(min=1, max=64))
    pillar = Text(single_line=True, strip=True, validate=validate.OneOf(PILLARS))
    limit = ma.fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Projects listed at most (the figures count them all)"},
    )

    @ma.validates_schema
    def _one_column(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("theme") and data.get("pillar"):
            raise ma.ValidationError("Give theme or pillar, not both.", "pillar")
        if not data.get("theme") and not data.get("pillar"):
            raise ma.ValidationError("Give theme or pillar (one of them).", "theme")


class SumSchema(ma.Schema):
    currency = ma.fields.String()
    amount = ma.fields.String(metadata={"description": "Decimal, two places"})
    projects = ma.fields.Integer(metadata={"description": "Projects in this currency's sum"})


class NeedFiguresSchema(ma.Schema):
    open = ma.fields.Integer(metadata={"description": "Open or partly met needs"})
    high = ma.fields.Integer()
    medium = ma.fields.Integer()
    low = ma.fields.Integer()
    cost = ma.fields.List(ma.fields.Nested(SumSchema), metadata={"description": "Per currency"})
    high_without_active_project = ma.fields.Integer()


class ProjectFiguresSchema(ma.Schema):
    active = ma.fields.Integer()
    budget = ma.fields.List(ma.fields.Nested(SumSchema))
    donors = ma.fields.Integer(metadata={"description": "Distinct donors of the active projects"})


class RecommendationFiguresSchema(ma.Schema):
    endorsed = ma.fields.Integer()
    without_active_project = ma.fields.Integer()


class CellSchema(ma.Schema):
    country = ma.fields.Dict(allow_none=True, metadata={"description": "None: the regional row"})
    theme = ma.fields.Dict()
    pillar = ma.fields.Dict()
    needs = ma.fields.Nested(NeedFiguresSchema)
    projects = ma.fields.Nested(ProjectFiguresSchema)
    recommendations = ma.fields.Nested(RecommendationFiguresSchema)
    gaps = ma.fields.Integer()
    gap = ma.fields.Boolean()
    overlap = ma.fields.Boolean()
    duplicate_alerts = ma.fields.Integer(
        metadata={"description": "Open duplicate alerts between two active projects of the cell"}
    )


class GapViewSchema(ma.Schema):
    by = ma.fields.String()
    as_of = ma.fields.Date()
    overlap_donors = ma.fields.Integer()
    currencies = ma.fields.List(ma.fields.String())
    note = ma.fields.String()
    cells = ma.fields.List(ma.fields.Nested(CellSchema))


class CellNeedSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    priority = ma.fields.String()
    state = ma.fields.String()
    cost = ma.fields.Dict(allow_none=True)
    has_active_project = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    url = ma.fields.String()


class CellRecommendationSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    pillar = ma.fields.String()
    text_en = ma.fields.String(allow_none=True)
    text_ru = ma.fields.String(allow_none=True)
    has_active_project = ma.fields.Boolean()
    url = ma.fields.String()


class CellProjectSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.String()
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    budget = ma.fields.Dict(allow_none=True)
    donors = ma.fields.List(ma.fields.String())
    url = ma.fields.String()


class CellDetailSchema(ma.Schema):
    cell = ma.fields.Nested(CellSchema)
    overlap_donors = ma.fields.Integer()
    needs = ma.fields.List(ma.fields.Nested(CellNeedSchema))
    recommendations = ma.fields.List(ma.fields.Nested(CellRecommendationSchema))
    projects = ma.fields.List(ma.fields.Nested(CellProjectSchema))
    projects_listed = ma.fields.Integer()
