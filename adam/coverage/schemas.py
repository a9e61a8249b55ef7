"""The links API contract, and what a registration answer says a project serves."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from adam.db import MAX_ID
from adam.fields import Text
from adam.reference.schemas import UserRefSchema


def _id(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


# A verdict's note, kept with the link's decisions (field "decision" of its reasons).
DECISION = "decision"


class CoverageReasonSchema(ma.Schema):
    field = ma.fields.String(
        metadata={"description": "words, title, themes, pillar, countries, dates"}
    )
    score = ma.fields.Float(metadata={"description": "This evidence's own strength, 0-100"})
    detail = ma.fields.String(metadata={"description": "What matched, for a reviewer"})


class ServedSchema(ma.Schema):
    """A need or recommendation that a project likely serves (a registration answer's)."""

    kind = ma.fields.String(metadata={"description": "need or recommendation"})
    id = ma.fields.Integer()
    code = ma.fields.String(metadata={"description": "A recommendation's reference"})
    title = ma.fields.String()
    country = ma.fields.String(metadata={"description": "A need's country"})
    priority = ma.fields.String(metadata={"description": "A need's priority"})
    state = ma.fields.String()
    url = ma.fields.String()
    link_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The suggested link, to confirm or reject"}
    )
    score = ma.fields.Float()
    reasons = ma.fields.List(ma.fields.Nested(CoverageReasonSchema))


class LinkProjectSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.String()
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    countries = ma.fields.Method("_countries")

    def _countries(self, project: Any) -> list[dict[str, str]]:
        return [{"code": c.code, "name": c.name_en} for c in project.countries]


class DecisionEntrySchema(ma.Schema):
    state = ma.fields.String()
    by = ma.fields.Integer(metadata={"description": "The user who decided"})
    at = ma.fields.String(metadata={"description": "When (UTC, ISO 8601)"})
    note = ma.fields.String()


class LinkSchema(ma.Schema):
    """A project and the need or recommendation it serves: suggested, confirmed or rejected."""

    id = ma.fields.Integer()
    state = ma.fields.String(metadata={"description": "suggested, confirmed or rejected"})
    score = ma.fields.Float(
        allow_none=True, metadata={"description": "The matcher's score 0-100; none by hand"}
    )
    reasons = ma.fields.Method(
        "_reasons", metadata={"description": "What matched, strongest first"}
    )
    decisions = ma.fields.Method(
        "_decisions", metadata={"description": "Each confirmation or rejection, oldest first"}
    )
    project = ma.fields.Nested(LinkProjectSchema)
    need_id = ma.fields.Integer(allow_none=True)
    recommendation_id = ma.fields.Integer(allow_none=True)
    target = ma.fields.Method(
        "_target", metadata={"description": "The need or the recommendation, in short"}
    )
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.Nested(UserRefSchema, allow_none=True)

    def _reasons(self, link: Any) -> list[dict[str, Any]]:
        return CoverageReasonSchema(many=True).dump(
            [r for r in link.reasons or [] if r.get("field") != DECISION]
        )

    def _decisions(self, link: Any) -> list[dict[str, Any]]:
        return DecisionEntrySchema(many=True).dump(
            [r for r in link.reasons or [] if r.get("field") == DECISION]
        )

    def _target(self, link: Any) -> dict[str, Any]:
        if link.need is not None:
            need = link.need
            return {
                "kind": "need",
                "id": need.id,
                "title": need.title,
                "country": need.country_code,
                "state": str(need.state),
                "url": f"/api/v1/needs/{need.id}",
            }
        recommendation = link.recommendation
        return {
            "kind": "recommendation",
            "id": recommendation.id,
            "code": recommendation.code,
            "title": (recommendation.text_en or recommendation.text_ru or "")[:300],
            "state": str(recommendation.state),
            "url": f"/api/v1/recommendations/{recommendation.id}",
        }


class LinkListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(LinkSchema))


class LinkInSchema(ma.Schema):
    """A link made by hand: the project and either a need or a recommendation."""

    project_id = _id(required=True)
    need_id = _id(allow_none=True)
    recommendation_id = _id(allow_none=True)
    note = Text(allow_none=True, strip=True, validate=validate.Length(max=5000))

    @ma.validates_schema(skip_on_field_errors=False)
    def _one_target(self, data: dict[str, Any], **_: Any) -> None:
        given = [k for k in ("need_id", "recommendation_id") if data.get(k) is not None]
        if len(given) != 1:
            message = "Name either a need or a recommendation."
            raise ma.ValidationError({"need_id": [message], "recommendation_id": [message]})


class DecisionSchema(ma.Schema):
    note = Text(allow_none=True, strip=True, validate=validate.Length(max=5000))


__all__ = [
    "DecisionSchema",
    "LinkInSchema",
    "LinkListSchema",
    "LinkSchema",
    "ServedSchema",
]
