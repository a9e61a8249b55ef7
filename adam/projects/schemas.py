"""The project API contract: what comes in, what goes out, and the query filters."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate

from adam.fields import CodeList, Money, PatchSchema, QueryBoolean, StrictList, Text
from adam.paging import PageQuerySchema, page_schema
from adam.projects.models import SORT_COLUMNS, Project, ProjectStatus
from adam.reference import refusals
from adam.reference.codes import (
    country_codes,
    currency_codes,
    enum,
    is_currency,
    is_language,
    language_codes,
    theme_slugs,
)
from adam.reference.schemas import (
    CountryRefSchema,
    NamedCodeSchema,
    ThemeRefSchema,
    UserRefSchema,
)

STATUSES = [s.value for s in ProjectStatus]
# IATI asks publishers to avoid / & | ? too, but real ones (the EU's) carry "/", so only
# white space is refused: an identifier with a space is certainly mistyped.
IATI_IDENTIFIER = re.compile(r"^\S+$")
# Budgets are stored as whole cents in a 64-bit integer (see adam.db.Money).
MAX_BUDGET = Decimal("9999999999999999.99")
SORT_KEYS = tuple(SORT_COLUMNS)


def _currency(value: str) -> None:
    if not is_currency(value):
        raise ma.ValidationError(refusals.unknown_code("currency", value))


def _language(value: str) -> None:
    if not is_language(value):
        raise ma.ValidationError(f"Unknown ISO 639-1 language code: {value}.")


class BudgetSchema(ma.Schema):
    amount = Money(required=True, maximum=MAX_BUDGET, metadata={"example": "1250000.00"})
    currency = Text(
        required=True,
        single_line=True,
        strip=True,
        validate=_currency,
        metadata={"example": "USD", **enum(currency_codes())},
    )

    @ma.pre_load
    def _upper_currency(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("currency"), str):
            data = {**data, "currency": data["currency"].upper()}
        return data


class ContactSchema(ma.Schema):
    name = Text(single_line=True, strip=True, validate=validate.Length(max=200), allow_none=True)
    email = ma.fields.Email(validate=validate.Length(max=320), allow_none=True)


class ProjectInSchema(ma.Schema):
    """A project as registered. On PATCH every field is optional; lists replace the stored list."""

    title = Text(
        required=True,
        single_line=True,
        strip=True,
        validate=validate.Length(min=1, max=500, error="Give a title of 1 to 500 characters."),
    )
    description = Text(allow_none=True, validate=validate.Length(max=20000))
    donors = StrictList(
        required=True,
        validate=validate.Length(min=1, max=50, error="Name 1 to 50 donor organizations."),
        metadata={"description": "Organization codes of the funders."},
    )
    implementers = StrictList(
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Organization codes of the implementing organizations."},
    )
    countries = StrictList(
        Text(single_line=True, strip=True, metadata=enum(country_codes())),
        required=True,
        validate=validate.Length(min=1, max=60, error="Name 1 to 60 beneficiary countries."),
        metadata={"description": "ISO 3166-1 alpha-2 codes (XK for Kosovo)."},
    )

    @ma.validates("countries")
    def _known_countries(self, value: list[str], **_: Any) -> None:
        unknown = [c for c in value if c.upper() not in country_codes()]
        if unknown:
            raise ma.ValidationError([refusals.unknown_code("country", c) for c in unknown])

    themes = StrictList(
        Text(single_line=True, strip=True, metadata=enum(theme_slugs())),
        required=True,
        validate=validate.Length(min=1, max=20, error="Name 1 to 20 themes."),
        metadata={"description": "Theme slugs, see GET /themes."},
    )
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    budget = ma.fields.Nested(BudgetSchema, allow_none=True)
    iati_identifier = Text(
        allow_none=True,
        strip=True,
        validate=[
            validate.Length(min=1, max=200),
            validate.Regexp(IATI_IDENTIFIER, error="An IATI identifier has no spaces."),
        ],
    )
    contact = ma.fields.Nested(ContactSchema, allow_none=True)
    language = Text(
        load_default="en",
        single_line=True,
        strip=True,
        validate=_language,
        metadata={
            "description": "ISO 639-1 language of the title and description",
            **enum(language_codes()),
        },
    )

    @ma.pre_load
    def _lower_language(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("language"), str):
            data = {**data, "language": data["language"].lower()}
        return data

    @ma.validates_schema(skip_on_field_errors=False)
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            raise ma.ValidationError("The end date is before the start date.", "end_date")


class ProjectPatchSchema(ProjectInSchema, PatchSchema):
    """The same fields as registration, all optional (use with ``partial=True``)."""


class ProjectOutSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    donors = ma.fields.List(ma.fields.Nested(NamedCodeSchema))
    implementers = ma.fields.List(ma.fields.Nested(NamedCodeSchema))
    countries = ma.fields.List(ma.fields.Nested(CountryRefSchema))
    themes = ma.fields.List(ma.fields.Nested(ThemeRefSchema))
    status = ma.fields.String()
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    budget = ma.fields.Method("_budget", allow_none=True)
    iati_identifier = ma.fields.String(allow_none=True)
    language = ma.fields.String()
    contact = ma.fields.Method("_contact", allow_none=True)
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    created_by = ma.fields.Nested(UserRefSchema, allow_none=True)
    updated_by = ma.fields.Nested(UserRefSchema, allow_none=True)
    withdrawn_at = ma.fields.DateTime(allow_none=True)

    def _budget(self, project: Project) -> dict[str, str] | None:
        if project.budget_amount is None:
            return None
        return {"amount": f"{project.budget_amount:.2f}", "currency": project.budget_currency or ""}

    def _contact(self, project: Project) -> dict[str, str | None] | None:
        if project.contact_name is None and project.contact_email is None:
            return None
        return {"name": project.contact_name, "email": project.contact_email}


class ProjectQuerySchema(ma.Schema):
    """Filters shared by the project list, the tables and the exports."""

    country = CodeList(metadata={"description": "ISO alpha-2; repeat or comma-separate for any of"})
    theme = CodeList(metadata={"description": "Theme slug; repeat for any of"})
    donor = CodeList(metadata={"description": "Organization code; repeat for any of"})
    implementer = CodeList(metadata={"description": "Organization code; repeat for any of"})
    status = CodeList(Text(validate=validate.OneOf(STATUSES)))
    active_on = ma.fields.Date(metadata={"description": "Running on this date"})
    start_from = ma.fields.Date(metadata={"description": "Starting on or after"})
    end_to = ma.fields.Date(metadata={"description": "Ending on or before"})
    year = ma.fields.Integer(
        validate=validate.Range(min=1900, max=2200),
        metadata={"description": "Running at some time in this calendar year"},
    )
    q = Text(single_line=True, strip=True, validate=validate.Length(max=200))
    budget_min = ma.fields.Decimal(allow_nan=False, validate=validate.Range(min=0))
    budget_max = ma.fields.Decimal(allow_nan=False, validate=validate.Range(min=0))
    currency = Text(single_line=True, strip=True, validate=_currency)
    withdrawn = QueryBoolean(
        load_default=False, metadata={"description": "Coordinators: list withdrawn projects"}
    )

    @ma.pre_load
    def _upper_currency(self, data: Any, **_: Any) -> Any:
        currency = data.get("currency") if hasattr(data, "get") else None
        if isinstance(currency, str):
            data = {**data, "currency": currency.upper()}
        return data

    @ma.validates_schema
    def _budget_needs_currency(self, data: dict[str, Any], **_: Any) -> None:
        has_bounds = "budget_min" in data or "budget_max" in data
        if has_bounds and "currency" not in data:
            raise ma.ValidationError("Give the currency of budget_min/budget_max.", "currency")
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError("budget_min is above budget_max.", "budget_min")
        start, end = data.get("start_from"), data.get("end_to")
        if start and end and end < start:
            raise ma.ValidationError("end_to is before start_from.", "end_to")


def valid_sort(value: str) -> None:
    for part in value.split(","):
        if part.strip().lstrip("-") not in SORT_KEYS:
            raise ma.ValidationError(f"Sort by one of {', '.join(SORT_KEYS)}, '-' for descending.")


class ProjectListQuerySchema(ProjectQuerySchema, PageQuerySchema):
    sort = ma.fields.String(load_default="-created_at", validate=valid_sort)
    format = ma.fields.String(
        validate=validate.OneOf(("json", "csv", "xlsx")),
        metadata={
            "description": "csv or xlsx: every match in one file (page and per_page ignored); "
            "wins over the Accept header"
        },
    )


ProjectPageSchema = page_schema(ProjectOutSchema, "ProjectPageSchema")


class HistoryEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    version = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor = ma.fields.Nested(UserRefSchema, allow_none=True)
    changes = ma.fields.Dict()
