"""The needs API contract: what comes in, what goes out, and the list's filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate

from adam.db import MAX_ID
from adam.errors import N_
from adam.fields import CodeList, Money, PatchSchema, StrictList, Text
from adam.needs.models import Need, NeedState, Priority
from adam.paging import PageQuerySchema, page_schema
from adam.reference import refusals
from adam.reference.codes import country_codes, currency_codes, enum, is_currency, theme_slugs
from adam.reference.models import Pillar
from adam.reference.schemas import CountryRefSchema, ThemeRefSchema, UserRefSchema

PRIORITIES = [p.value for p in Priority]
STATES = [s.value for s in NeedState]
PILLARS = [p.value for p in Pillar]
# As project budgets: whole cents in a 64-bit integer (adam.db.Money).
MAX_COST = Decimal("9999999999999999.99")
SORT_KEYS = (
    "title",
    "priority",
    "start_date",
    "end_date",
    "cost",
    "created_at",
    "updated_at",
    "id",
)


def _currency(value: str) -> None:
    if not is_currency(value):
        raise ma.ValidationError(refusals.unknown_code("currency", value))


def _country(value: str) -> None:
    if value.upper() not in country_codes():
        raise ma.ValidationError(refusals.unknown_code("country", value))


class CostSchema(ma.Schema):
    """An estimated cost: an amount and its currency, always both."""

    amount = Money(
        required=True,
        maximum=MAX_COST,
        metadata={"example": "450000.00"},
        error_messages={
            "required": N_("Give the amount of the estimated cost with its currency."),
            "negative": "The estimated cost cannot be negative.",
            "too_large": "The estimated cost is implausibly large.",
        },
    )
    currency = Text(
        required=True,
        single_line=True,
        strip=True,
        validate=_currency,
        metadata={"example": "USD", **enum(currency_codes())},
        error_messages={"required": N_("Give the currency of the estimated cost.")},
    )

    @ma.pre_load
    def _upper_currency(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("currency"), str):
            data = {**data, "currency": data["currency"].upper()}
        return data


class NeedInSchema(ma.Schema):
    """A need as registered. On PATCH every field is optional; themes given replace the stored."""

    country = Text(
        required=True,
        single_line=True,
        strip=True,
        validate=_country,
        metadata={"description": "ISO 3166-1 alpha-2 code", **enum(country_codes())},
    )
    title = Text(
        required=True,
        single_line=True,
        strip=True,
        validate=validate.Length(min=1, max=500, error="Give a title of 1 to 500 characters."),
    )
    description = Text(allow_none=True, validate=validate.Length(max=20000))
    location = Text(
        allow_none=True,
        single_line=True,
        strip=True,
        validate=validate.Length(max=200),
        metadata={"description": "The region or province where the need is felt"},
    )
    themes = StrictList(
        Text(single_line=True, strip=True, metadata=enum(theme_slugs())),
        required=True,
        validate=validate.Length(min=1, max=20, error="Name 1 to 20 themes."),
        metadata={"description": "Theme slugs, see GET /themes."},
    )
    priority = ma.fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    estimated_cost = ma.fields.Nested(CostSchema, allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    recommendation_id = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The recommendation the need answers, if any"},
    )

    @ma.pre_load
    def _upper_country(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("country"), str):
            data = {**data, "country": data["country"].upper()}
        return data

    @ma.validates_schema(skip_on_field_errors=False)
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            raise ma.ValidationError("The end date is before the start date.", "end_date")


class NeedCreateSchema(NeedInSchema):
    """Registration may give the state a need starts in (open unless said)."""

    state = ma.fields.String(
        load_default=NeedState.OPEN.value,
        validate=validate.OneOf([s for s in STATES if s != NeedState.WITHDRAWN.value]),
    )


class NeedPatchSchema(NeedInSchema, PatchSchema):
    """The fields of registration, all optional (use with ``partial=True``); the state changes
    through POST /needs/{id}/state."""


class NeedStateSchema(ma.Schema):
    state = ma.fields.String(required=True, validate=validate.OneOf(STATES))
    note = Text(allow_none=True, validate=validate.Length(max=5000))


class NeedOutSchema(ma.Schema):
    id = ma.fields.Integer()
    country = ma.fields.Nested(CountryRefSchema)
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    location = ma.fields.String(allow_none=True)
    themes = ma.fields.List(ma.fields.Nested(ThemeRefSchema))
    priority = ma.fields.String()
    estimated_cost = ma.fields.Method("_cost", allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    recommendation_id = ma.fields.Integer(allow_none=True)
    state = ma.fields.String()
    illustrative = ma.fields.Boolean()
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    created_by = ma.fields.Nested(UserRefSchema, allow_none=True)

    def _cost(self, need: Need) -> dict[str, str] | None:
        if need.cost_amount is None:
            return None
        return {"amount": f"{need.cost_amount:.2f}", "currency": need.cost_currency or ""}


def valid_sort(value: str) -> None:
    for part in value.split(","):
        if part.strip().lstrip("-") not in SORT_KEYS:
            raise ma.ValidationError(f"Sort by one of {', '.join(SORT_KEYS)}, '-' for descending.")


class NeedListQuerySchema(PageQuerySchema):
    country = CodeList(metadata={"description": "ISO alpha-2; repeat or comma-separate for any of"})
    theme = CodeList(metadata={"description": "Theme slug; repeat for any of"})
    pillar = CodeList(Text(validate=validate.OneOf(PILLARS)))
    priority = CodeList(Text(validate=validate.OneOf(PRIORITIES)))
    state = CodeList(
        Text(validate=validate.OneOf(STATES)),
        metadata={"description": "Any of these states; without it, all but withdrawn"},
    )
    recommendation = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    q = Text(single_line=True, strip=True, validate=validate.Length(max=200))
    sort = ma.fields.String(load_default="-created_at", validate=valid_sort)


NeedPageSchema = page_schema(NeedOutSchema, "NeedPageSchema")


class NeedHistoryEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    version = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor = ma.fields.Nested(UserRefSchema, allow_none=True)
    changes = ma.fields.Dict()
    note = ma.fields.String(allow_none=True)
