"""The tables' query and answer."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from adam.projects.schemas import ProjectQuerySchema
from adam.stats.service import DIMENSIONS

TIMELINE_DIMENSIONS = tuple(d for d in DIMENSIONS if d != "year")


def _dimensions(value: str) -> None:
    parts = [p.strip() for p in value.split(",")]
    if not 1 <= len(parts) <= 2:
        raise ma.ValidationError("Group by one or two dimensions, e.g. by=country,theme.")
    unknown = [p for p in parts if p not in DIMENSIONS]
    if unknown:
        raise ma.ValidationError(f"Group by {', '.join(DIMENSIONS)}; not {', '.join(unknown)}.")
    if len(set(parts)) != len(parts):
        raise ma.ValidationError("Name each dimension once.")


class StatsQuerySchema(ProjectQuerySchema):
    by = ma.fields.String(required=True, validate=_dimensions)
    format = ma.fields.String(
        validate=ma.validate.OneOf(("json", "csv", "xlsx")),
        metadata={"description": "csv or xlsx: the table as a spreadsheet; wins over Accept"},
    )

    @ma.post_load
    def _split(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["by"] = [p.strip() for p in data["by"].split(",")]
        return data


def _timeline_dimension(value: str) -> None:
    if value not in TIMELINE_DIMENSIONS:
        raise ma.ValidationError(f"Split the years by one of {', '.join(TIMELINE_DIMENSIONS)}.")


class TimelineQuerySchema(ProjectQuerySchema):
    by = ma.fields.String(
        validate=_timeline_dimension,
        metadata={"description": "Split each year by one of " + ", ".join(TIMELINE_DIMENSIONS)},
    )
    format = ma.fields.String(
        validate=ma.validate.OneOf(("json", "csv", "xlsx")),
        metadata={"description": "csv or xlsx: the timeline as a spreadsheet; wins over Accept"},
    )


class BudgetSumSchema(ma.Schema):
    currency = ma.fields.String()
    amount = ma.fields.String(metadata={"description": "Decimal, two places"})
    projects = ma.fields.Integer(metadata={"description": "Projects in this currency's sum"})


class StatsRowSchema(ma.Schema):
    """One group: an entry per dimension asked (e.g. ``country``, ``theme``) plus the sums."""

    class Meta:
        unknown = ma.INCLUDE

    country = ma.fields.Dict(allow_none=True)
    theme = ma.fields.Dict(allow_none=True)
    donor = ma.fields.Dict(allow_none=True)
    implementer = ma.fields.Dict(allow_none=True)
    status = ma.fields.Dict(allow_none=True)
    year = ma.fields.Dict(allow_none=True)
    projects = ma.fields.Integer()
    budget = ma.fields.List(ma.fields.Nested(BudgetSumSchema))


class StatsTableSchema(ma.Schema):
    by = ma.fields.List(ma.fields.String())
    currencies = ma.fields.List(ma.fields.String())
    total_projects = ma.fields.Integer(metadata={"description": "Filtered projects, each once"})
    totals = ma.fields.List(
        ma.fields.Nested(BudgetSumSchema),
        metadata={"description": "Per currency over the filtered projects, each once"},
    )
    no_budget = ma.fields.Integer(metadata={"description": "Filtered projects without a budget"})
    rows = ma.fields.List(ma.fields.Nested(StatsRowSchema))
    note = ma.fields.String()


class YearRowSchema(ma.Schema):
    """One year (and value of ``by``, under its name, e.g. ``theme``) with its figures."""

    class Meta:
        unknown = ma.INCLUDE

    year = ma.fields.Integer()
    country = ma.fields.Dict(allow_none=True)
    theme = ma.fields.Dict(allow_none=True)
    donor = ma.fields.Dict(allow_none=True)
    implementer = ma.fields.Dict(allow_none=True)
    status = ma.fields.Dict(allow_none=True)
    active = ma.fields.Integer(metadata={"description": "Projects running in the year"})
    starting = ma.fields.Integer(metadata={"description": "Projects starting in the year"})
    ending = ma.fields.Integer(metadata={"description": "Projects ending in the year"})
    budget = ma.fields.List(
        ma.fields.Nested(BudgetSumSchema),
        metadata={"description": "The year's share of each running project's budget"},
    )


class TimelineSchema(ma.Schema):
    by = ma.fields.String(allow_none=True)
    years = ma.fields.List(ma.fields.Integer())
    currencies = ma.fields.List(ma.fields.String())
    undated = ma.fields.Integer(metadata={"description": "Projects without a start date"})
    note = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(YearRowSchema))
