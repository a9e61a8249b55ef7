"""The indicators API contract: a figure as entered and answered, the filters, the catalogue,
the import's report."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import validate

from adam.errors import N_
from adam.fields import CodeList, FilePart, Text
from adam.indicators import catalogue
from adam.paging import PageQuerySchema, page_schema
from adam.reference.codes import enum
from adam.reference.schemas import UserRefSchema


class Value(ma.fields.Decimal):
    """A figure as a JSON string of digits with at most three decimals, e.g. ``"1250.5"``:
    exact, as budgets' amounts are (a JSON number may not be). No sign: figures are >= 0."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "pattern": catalogue.VALUE_PATTERN, "example": "1250.5"}
        )
        super().__init__(as_string=True, allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ma.ValidationError(N_('Give the figure as a string of digits, e.g. "1250.5".'))
        parsed = catalogue.parse_value(value)
        if not re.fullmatch(catalogue.VALUE_PATTERN, value) or isinstance(parsed, str):
            raise ma.ValidationError(
                parsed if isinstance(parsed, str) else N_("Write the figure as plain digits.")
            )
        return parsed


class FigureInSchema(ma.Schema):
    """PUT body: the figure and where it comes from (the unit is the indicator's)."""

    value = Value(required=True)
    source = Text(
        single_line=True,
        strip=True,
        allow_none=True,
        validate=validate.Length(max=300),
        metadata={"example": "National drug control agency, annual report 2022"},
    )
    note = Text(
        strip=True,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "Why the figure is entered or changed; kept in its history",
            "example": "Revised figure of the 2022 annual report",
        },
    )


class FigureOutSchema(ma.Schema):
    country = ma.fields.String(attribute="country_code")
    indicator = ma.fields.String()
    year = ma.fields.Integer()
    value = ma.fields.Decimal(places=3, as_string=True, metadata={"example": "1250.500"})
    unit = ma.fields.String(metadata={"description": "kg, litres or persons"})
    source = ma.fields.String(allow_none=True)
    illustrative = ma.fields.Boolean(
        metadata={"description": "A figure made up for a demonstration, not a reported one"}
    )
    updated_at = ma.fields.DateTime()


class FigureWrittenSchema(FigureOutSchema):
    outcome = ma.fields.String(metadata={"description": "created, updated or unchanged"})


class FigureQuerySchema(PageQuerySchema):
    country = CodeList(
        metadata={"description": "Country codes (ISO 3166 alpha-2), comma-separated or repeated"},
    )
    indicator = CodeList(
        Text(validate=validate.OneOf(catalogue.CODES)),
        metadata={"description": "Indicator codes of GET /indicators/catalogue"},
    )
    year_from = ma.fields.Integer(validate=validate.Range(min=0, max=9999))
    year_to = ma.fields.Integer(validate=validate.Range(min=0, max=9999))


FigurePageSchema = page_schema(FigureOutSchema, "FigurePageSchema")


class CatalogueEntrySchema(ma.Schema):
    code = ma.fields.String(metadata=enum(list(catalogue.CODES)))
    unit = ma.fields.String()
    name = ma.fields.String(metadata={"description": "In the language of Accept-Language"})
    name_en = ma.fields.String()
    name_ru = ma.fields.String()


class YearFigureSchema(ma.Schema):
    year = ma.fields.Integer()
    value = ma.fields.Decimal(places=3, as_string=True)
    source = ma.fields.String(allow_none=True)
    illustrative = ma.fields.Boolean()


class SeriesSchema(ma.Schema):
    indicator = ma.fields.String()
    name_en = ma.fields.String()
    name_ru = ma.fields.String()
    unit = ma.fields.String()
    figures = ma.fields.List(ma.fields.Nested(YearFigureSchema))


class CountrySeriesSchema(ma.Schema):
    country = ma.fields.String()
    series = ma.fields.List(
        ma.fields.Nested(SeriesSchema),
        metadata={"description": "One per indicator the country has figures of, by year"},
    )


class IndicatorUploadSchema(ma.Schema):
    file = FilePart(
        required=True,
        metadata={
            "description": "A CSV (UTF-8) or XLSX file; first row: country, indicator, year, "
            "value, source, note (or страна, показатель, год, значение, источник, "
            "примечание); source and note may be left out. country: a code or the "
            "country's English or Russian name; indicator: a code or its English or Russian "
            'name; value: "455,5" and "1 900" are read as 455.5 and 1900'
        },
    )


class ReportRowSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "The row in the file; the header is row 1"})
    outcome = ma.fields.String(
        metadata={
            "description": "created, updated, unchanged, error, or not_written (a good row of "
            "a file refused for other rows)"
        }
    )
    country = ma.fields.String(allow_none=True)
    indicator = ma.fields.String(allow_none=True)
    year = ma.fields.Integer(allow_none=True)
    errors = ma.fields.List(ma.fields.String())


class ImportReportSchema(ma.Schema):
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    rows = ma.fields.List(ma.fields.Nested(ReportRowSchema))


class _ErrorBody(ma.Schema):
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    details = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True
    )


class ImportRefusedSchema(ma.Schema):
    """The error envelope, with the whole report when rows were wrong (nothing written)."""

    error = ma.fields.Nested(_ErrorBody, required=True)
    report = ma.fields.Nested(ImportReportSchema)


class IndicatorHistoryEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String(metadata=enum(["create", "update"]))
    via = ma.fields.String(
        metadata={
            **enum(["entry", "import"]),
            "description": "entry: one figure entered (API or page); import: a row of a file",
        }
    )
    at = ma.fields.DateTime()
    actor = ma.fields.Nested(UserRefSchema, allow_none=True)
    old_value = ma.fields.Decimal(
        places=3,
        as_string=True,
        allow_none=True,
        metadata={"description": "None when the change created the figure"},
    )
    new_value = ma.fields.Decimal(places=3, as_string=True)
    old_source = ma.fields.String(allow_none=True)
    new_source = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
