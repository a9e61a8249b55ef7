"""The tables' query and answer."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from adam.projects.schemas import ProjectQuerySchema
from adam.stats.service import DIMENSIONS


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
