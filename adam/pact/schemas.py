"""The Paris Pact API contract: events, recommendations, their state, follow-up and notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import validate

from adam import errors
from adam.db import MAX_ID
from adam.errors import N_
from adam.fields import CodeList, PatchSchema, QueryBoolean, StrictBoolean, StrictList, Text
from adam.pact.models import (
    Addressee,
    DatePrecision,
    EventKind,
    FollowUpStatus,
    RecommendationState,
    Route,
)
from adam.paging import PageQuerySchema, page_schema
from adam.reference.codes import country_codes, enum, theme_slugs
from adam.reference.models import Pillar
from adam.reference.schemas import CountryRefSchema, NamedCodeSchema, ThemeRefSchema, UserRefSchema

KINDS = [k.value for k in EventKind]
PILLARS = [p.value for p in Pillar]
ROUTES = [r.value for r in Route]
ADDRESSEES = [a.value for a in Addressee]
STATES = [s.value for s in RecommendationState]
FOLLOW_UPS = [f.value for f in FollowUpStatus]
PRECISIONS = [p.value for p in DatePrecision]
# Participation figures: a meeting of thousands is a typing error.
MAX_PARTICIPANTS = 100_000
# A readable reference, as "EWG-2023-SOFIA/3": letters, digits and a few separators.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$"
YEARS = validate.Range(min=1900, max=2200, error=N_("Give a year from 1900 to 2200."))

# A sentence per kind of code rather than the kind as a placeholder: Russian declines the
# kind's name and makes the rest of the sentence agree with it.
_UNKNOWN: dict[str, errors.Text] = {
    "event kind": N_("Unknown event kind '%(input)s': use one of %(choices)s."),
    "pillar": N_("Unknown pillar '%(input)s': use one of %(choices)s."),
    "date precision": N_("Unknown date precision '%(input)s': use one of %(choices)s."),
    "route": N_("Unknown route '%(input)s': use one of %(choices)s."),
    "addressee": N_("Unknown addressee '%(input)s': use one of %(choices)s."),
    "state": N_("Unknown state '%(input)s': use one of %(choices)s."),
    "follow-up status": N_("Unknown follow-up status '%(input)s': use one of %(choices)s."),
    "format": N_("Unknown format '%(input)s': use one of %(choices)s."),
}


class _OneOf(validate.OneOf):
    """marshmallow's OneOf refusing with a catalogue message that keeps the value given and
    the choices as values (its own ``error`` is formatted into a plain string, which the
    catalogue cannot look up)."""

    def __init__(self, choices: list[str], message: errors.Text) -> None:
        super().__init__(choices)
        self.message = message

    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ma.ValidationError:
            values = {"input": value, "choices": self.choices_text}
            raise ma.ValidationError(errors.Text(self.message.template, values)) from None


def one_of(kind: str, values: list[str]) -> validate.OneOf:
    """A choice whose refusal names what was given and every allowed value."""
    return _OneOf(values, _UNKNOWN[kind])


def _country(value: str) -> None:
    if value.upper() not in country_codes():
        raise ma.ValidationError(N_("Unknown country code: %(code)s.", code=value))


def _countries() -> StrictList:
    return StrictList(
        Text(single_line=True, strip=True, validate=_country, metadata=enum(country_codes())),
        load_default=list,
        validate=validate.Length(max=80, error=N_("Name at most 80 countries.")),
        metadata={"description": "ISO 3166-1 alpha-2 codes"},
    )


def _routes() -> StrictList:
    return StrictList(
        Text(single_line=True, strip=True, validate=one_of("route", ROUTES)),
        load_default=list,
        metadata={"description": "The trafficking routes it concerns"},
    )


def _upper_countries(data: Any) -> Any:
    if isinstance(data, dict) and isinstance(data.get("countries"), list):
        data = {
            **data,
            "countries": [c.upper() if isinstance(c, str) else c for c in data["countries"]],
        }
    return data


def _count(description: str) -> ma.fields.Integer:
    return ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_PARTICIPANTS),
        metadata={"description": description},
    )


class ParticipantsSchema(ma.Schema):
    """How many took part, as the event's report gives it (any of the three may be unknown)."""

    countries = _count("Participating countries")
    organizations = _count("Participating organizations")
    people = _count("Participants")


# --- Events ---


class EventInSchema(ma.Schema):
    """An event as registered. On PATCH every field is optional; countries given replace."""

    kind = ma.fields.String(required=True, validate=one_of("event kind", KINDS))
    number = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=10_000),
        metadata={"description": "Its number in its series, e.g. 17 for the 17th PCG"},
    )
    title = Text(allow_none=True, single_line=True, strip=True, validate=validate.Length(max=300))
    focus = Text(allow_none=True, validate=validate.Length(max=5000))
    place = Text(allow_none=True, single_line=True, strip=True, validate=validate.Length(max=200))
    host = Text(allow_none=True, single_line=True, strip=True, validate=validate.Length(max=300))
    pillar = ma.fields.String(allow_none=True, validate=one_of("pillar", PILLARS))
    start_date = ma.fields.Date(required=True)
    date_precision = ma.fields.String(
        validate=one_of("date precision", PRECISIONS),
        metadata={"description": "month: the sources give only the month of the start"},
    )
    end_date = ma.fields.Date(allow_none=True)
    countries = _countries()
    routes = _routes()
    participants = ma.fields.Nested(ParticipantsSchema, allow_none=True)
    outcome = Text(allow_none=True, validate=validate.Length(max=20000))
    source = Text(allow_none=True, validate=validate.Length(max=2000))

    @ma.pre_load
    def _upper(self, data: Any, **_: Any) -> Any:
        return _upper_countries(data)

    @ma.validates_schema(skip_on_field_errors=False)
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            raise ma.ValidationError(N_("The end date is before the start date."), "end_date")


class EventPatchSchema(EventInSchema, PatchSchema):
    """The fields of registration, all optional (use with ``partial=True``)."""


class EventWithdrawSchema(ma.Schema):
    note = Text(allow_none=True, validate=validate.Length(max=5000))


class EventRefSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    number = ma.fields.Integer(allow_none=True)
    title = ma.fields.String(allow_none=True)
    place = ma.fields.String(allow_none=True)
    start_date = ma.fields.Date()


class EventOutSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    number = ma.fields.Integer(allow_none=True)
    title = ma.fields.String(allow_none=True)
    focus = ma.fields.String(allow_none=True)
    place = ma.fields.String(allow_none=True)
    host = ma.fields.String(allow_none=True)
    pillar = ma.fields.String(allow_none=True)
    start_date = ma.fields.Date()
    date_precision = ma.fields.String()
    end_date = ma.fields.Date(allow_none=True)
    countries = ma.fields.List(ma.fields.Nested(CountryRefSchema))
    routes = ma.fields.List(ma.fields.String())
    participants = ma.fields.Method("_participants")
    outcome = ma.fields.String(allow_none=True)
    source = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    withdrawn_at = ma.fields.DateTime(allow_none=True)

    def _participants(self, event: Any) -> dict[str, int | None]:
        return {
            "countries": event.participant_countries,
            "organizations": event.participant_organizations,
            "people": event.participant_people,
        }


class EventListQuerySchema(PageQuerySchema):
    kind = CodeList(Text(validate=one_of("event kind", KINDS)))
    pillar = CodeList(Text(validate=one_of("pillar", PILLARS)))
    route = CodeList(Text(validate=one_of("route", ROUTES)))
    country = CodeList(metadata={"description": "ISO alpha-2; repeat or comma-separate for any of"})
    year = ma.fields.Integer(validate=YEARS, metadata={"description": "The year it started"})
    withdrawn = QueryBoolean(
        load_default=False, metadata={"description": "Also list withdrawn events"}
    )


EventPageSchema = page_schema(EventOutSchema, "EventPageSchema")


# --- Recommendations ---


def _text(language: str) -> Text:
    return Text(
        allow_none=True,
        strip=True,
        validate=validate.Length(max=20000),
        metadata={"description": f"The recommendation's wording in {language}"},
    )


class RecommendationInSchema(ma.Schema):
    """A recommendation as registered; the text in English, Russian or both."""

    code = Text(
        allow_none=True,
        single_line=True,
        strip=True,
        validate=validate.Regexp(
            CODE_PATTERN,
            error=N_(
                "A code is 1 to 40 letters, digits, '.', '/', '_' or '-', e.g. EWG-2023-SOFIA/3."
            ),
        ),
        metadata={"description": "Unique; made from the event's when not given"},
    )
    text_en = _text("English")
    text_ru = _text("Russian")
    illustrative = StrictBoolean(
        load_default=False,
        metadata={"description": "Stand-in text for a demonstration, not the partnership's"},
    )
    event_id = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The event that agreed it"},
    )
    pillar = ma.fields.String(
        validate=one_of("pillar", PILLARS),
        metadata={"description": "The event's pillar when not given"},
    )
    themes = StrictList(
        Text(single_line=True, strip=True, metadata=enum(theme_slugs())),
        load_default=list,
        validate=validate.Length(max=20, error=N_("Name at most 20 themes.")),
        metadata={"description": "Theme slugs, see GET /themes."},
    )
    countries = _countries()
    routes = _routes()
    addressees = StrictList(
        Text(single_line=True, strip=True, validate=one_of("addressee", ADDRESSEES)),
        load_default=list,
        metadata={"description": "Whom it asks to act"},
    )

    @ma.pre_load
    def _upper(self, data: Any, **_: Any) -> Any:
        return _upper_countries(data)


class RecommendationPatchSchema(RecommendationInSchema, PatchSchema):
    """The fields of registration, all optional (``partial=True``); the state and the
    follow-up change through their own operations."""


class RecommendationStateSchema(ma.Schema):
    state = ma.fields.String(required=True, validate=one_of("state", STATES))
    endorsed_by = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The PCG event that endorsed it (state endorsed)"},
    )
    superseded_by = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The recommendation that replaces it (state superseded)"},
    )
    note = Text(allow_none=True, validate=validate.Length(max=5000))


class FollowUpSchema(ma.Schema):
    status = ma.fields.String(required=True, validate=one_of("follow-up status", FOLLOW_UPS))
    note = Text(
        required=True,
        strip=True,
        validate=validate.Length(
            min=1, max=5000, error=N_("Say in a note why the status changes.")
        ),
        error_messages={"required": N_("Say in a note why the status changes.")},
    )


class ProgressNoteInSchema(ma.Schema):
    noted_on = ma.fields.Date(required=True, metadata={"description": "The day the note speaks of"})
    text = Text(
        required=True,
        strip=True,
        validate=validate.Length(
            min=1, max=20000, error=N_("Write the note (1 to 20000 characters).")
        ),
    )


class ProgressNoteOutSchema(ma.Schema):
    id = ma.fields.Integer()
    recommendation_id = ma.fields.Integer()
    noted_on = ma.fields.Date()
    text = ma.fields.String()
    author = ma.fields.Nested(UserRefSchema, allow_none=True)
    created_at = ma.fields.DateTime()


class RecommendationRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()


class AmountSchema(ma.Schema):
    """An amount of money written as the API writes amounts, with its currency."""

    amount = ma.fields.String(metadata={"example": "450000.00"})
    currency = ma.fields.String()


class LinkedProjectSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.String()
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    budget = ma.fields.Nested(AmountSchema, allow_none=True)
    donors = ma.fields.List(ma.fields.Nested(NamedCodeSchema), attribute="donor_refs")
    url = ma.fields.String()


class RecommendationOutSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    text_en = ma.fields.String(allow_none=True)
    text_ru = ma.fields.String(allow_none=True)
    illustrative = ma.fields.Boolean()
    event = ma.fields.Nested(EventRefSchema)
    pillar = ma.fields.String()
    themes = ma.fields.List(ma.fields.Nested(ThemeRefSchema))
    countries = ma.fields.List(ma.fields.Nested(CountryRefSchema))
    routes = ma.fields.List(ma.fields.String())
    addressees = ma.fields.List(ma.fields.String())
    state = ma.fields.String()
    endorsed_by = ma.fields.Nested(EventRefSchema, allow_none=True)
    superseded_by = ma.fields.Nested(RecommendationRefSchema, allow_none=True)
    follow_up = ma.fields.String()
    version = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class RecommendationDetailSchema(RecommendationOutSchema):
    """One recommendation with its follow-up: the confirmed linked projects, the latest note."""

    projects = ma.fields.List(ma.fields.Nested(LinkedProjectSchema))
    budgets = ma.fields.List(
        ma.fields.Nested(AmountSchema),
        attribute="budget_list",
        metadata={"description": "The linked projects' budgets summed per currency"},
    )
    latest_note = ma.fields.Nested(ProgressNoteOutSchema, allow_none=True)


class RecommendationListQuerySchema(PageQuerySchema):
    state = CodeList(
        Text(validate=one_of("state", STATES)),
        metadata={"description": "Any of these states; without it, all but withdrawn"},
    )
    pillar = CodeList(Text(validate=one_of("pillar", PILLARS)))
    theme = CodeList(metadata={"description": "Theme slug; repeat for any of"})
    country = CodeList(metadata={"description": "ISO alpha-2; repeat or comma-separate for any of"})
    route = CodeList(Text(validate=one_of("route", ROUTES)))
    event = ma.fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Agreed at this event, or endorsed by it"},
    )
    follow_up = CodeList(Text(validate=one_of("follow-up status", FOLLOW_UPS)))
    q = Text(single_line=True, strip=True, validate=validate.Length(max=200))


RecommendationPageSchema = page_schema(RecommendationOutSchema, "RecommendationPageSchema")


class RecommendationHistoryEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    at = ma.fields.DateTime()
    actor = ma.fields.Nested(UserRefSchema, allow_none=True)
    changes = ma.fields.Dict()
    note = ma.fields.String(allow_none=True)


class EventHistoryEntrySchema(RecommendationHistoryEntrySchema):
    """One recorded change of an event; ``changes`` maps each field to ``{old, new}``."""


# --- The follow-up report ---


class FollowUpQuerySchema(ma.Schema):
    event = ma.fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Only what this PCG event endorsed"},
    )
    pillar = ma.fields.String(validate=one_of("pillar", PILLARS))
    format = ma.fields.String(
        load_default="json",
        validate=one_of("format", ["json", "xlsx", "pdf"]),
        metadata={"description": "json, xlsx for an Excel workbook, or pdf for a PDF to print"},
    )


class ReportRecommendationSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    text_en = ma.fields.String(allow_none=True)
    text_ru = ma.fields.String(allow_none=True)
    illustrative = ma.fields.Boolean()
    event = ma.fields.Nested(EventRefSchema)
    endorsed_by = ma.fields.Nested(EventRefSchema, allow_none=True)
    follow_up = ma.fields.String()
    projects = ma.fields.List(ma.fields.Nested(LinkedProjectSchema))
    budgets = ma.fields.List(ma.fields.Nested(AmountSchema), attribute="budget_list")
    latest_note = ma.fields.Nested(ProgressNoteOutSchema, allow_none=True)


class ReportPillarSchema(ma.Schema):
    pillar = ma.fields.String()
    recommendations = ma.fields.List(ma.fields.Nested(ReportRecommendationSchema))


class FollowUpReportSchema(ma.Schema):
    as_of = ma.fields.Date()
    event = ma.fields.Nested(EventRefSchema, allow_none=True)
    pillar = ma.fields.String(allow_none=True)
    pillars = ma.fields.List(ma.fields.Nested(ReportPillarSchema))
