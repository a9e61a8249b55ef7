"""Country indicators: the catalogue, figures by filter, a country's series, entering a figure,
its history, importing a CSV or Excel file of them."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from adam.access import protected
from adam.api import Blueprint, error_response, translate
from adam.idempotency.decorator import idempotent
from adam.indicators import catalogue, service
from adam.indicators.models import CountryIndicator, IndicatorHistory
from adam.indicators.schemas import (
    CatalogueEntrySchema,
    CountrySeriesSchema,
    FigureInSchema,
    FigurePageSchema,
    FigureQuerySchema,
    FigureWrittenSchema,
    ImportRefusedSchema,
    ImportReportSchema,
    IndicatorHistoryEntrySchema,
    IndicatorUploadSchema,
)
from adam.paging import page_answer
from adam.session import get_session
from adam.uploads import accept_uploads
from adam.web import commit, current_actor

blp = Blueprint("indicators", __name__, description="Country indicators (Paris Pact fact sheets)")

accept_uploads(blp, max_bytes=lambda: service.MAX_FILE_BYTES, too_large=service.too_large)


@protected
@blp.route("/indicators/catalogue")
@blp.response(200, CatalogueEntrySchema(many=True))
def indicator_catalogue() -> list[dict[str, Any]]:
    """The indicators a fact sheet holds: code, unit, names in English and Russian."""
    return [
        {
            "code": i.code,
            "unit": i.unit,
            "name": translate(i.name_en),
            "name_en": str(i.name_en),
            "name_ru": i.name_ru,
        }
        for i in catalogue.CATALOGUE
    ]


@protected
@blp.route("/indicators")
@blp.arguments(FigureQuerySchema, location="query", unknown="raise")
@blp.response(200, FigurePageSchema)
def list_figures(args: dict[str, Any]) -> dict[str, Any]:
    """Figures by country, indicator and years (year_from, year_to inclusive)."""
    items, total = service.search_figures(
        get_session(),
        countries=args.get("country", []),
        indicators=args.get("indicator", []),
        year_from=args.get("year_from"),
        year_to=args.get("year_to"),
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/countries/<code>/indicators")
@blp.response(200, CountrySeriesSchema)
def country_indicators(code: str) -> dict[str, Any]:
    """A country's figures as time series, one per indicator, with unit and source."""
    country, series = service.country_series(get_session(), code)
    return {
        "country": country.code,
        "series": [
            {
                "indicator": s.indicator.code,
                "name_en": str(s.indicator.name_en),
                "name_ru": s.indicator.name_ru,
                "unit": s.indicator.unit,
                "figures": s.figures,
            }
            for s in series
        ],
    }


@protected
@blp.route("/countries/<code>/indicators/<indicator>/<int:year>", methods=["PUT"])
@blp.arguments(FigureInSchema)
@blp.response(200, FigureWrittenSchema)
@blp.alt_response(201, schema=FigureWrittenSchema, description="The figure was new.")
def put_figure(
    data: dict[str, Any], code: str, indicator: str, year: int
) -> tuple[dict[str, Any], int]:
    """Enter or replace a figure (coordinators, administrators, the country's focal points)."""
    figure, outcome = service.put_figure(
        get_session(),
        actor=current_actor(),
        country_code=code,
        indicator_code=indicator,
        year=year,
        value=data["value"],
        source=data.get("source"),
        note=data.get("note"),
    )
    commit()
    return _written(figure, outcome), 201 if outcome == "created" else 200


@protected
@blp.route("/countries/<code>/indicators/<indicator>/<int:year>/history")
@blp.response(200, IndicatorHistoryEntrySchema(many=True))
def figure_history(code: str, indicator: str, year: int) -> list[IndicatorHistory]:
    """Every recorded change of a figure: who, when, how, old and new value and source, note."""
    return service.figure_history(
        get_session(), country_code=code, indicator_code=indicator, year=year
    )


def _written(figure: CountryIndicator, outcome: str) -> dict[str, Any]:
    fields = ("country_code", "indicator", "year", "value", "unit", "source", "illustrative")
    return {
        **{name: getattr(figure, name) for name in fields},
        "updated_at": figure.updated_at,
        "outcome": outcome,
    }


@protected(accepts="multipart")
@blp.route("/indicators/imports", methods=["POST"])
@idempotent
@blp.arguments(IndicatorUploadSchema, location="files")
@blp.response(200, ImportReportSchema)
@blp.alt_response(
    422,
    schema=ImportRefusedSchema,
    description="Invalid file or rows: nothing was written; with rows wrong, the whole report.",
)
def import_figures(data: dict[str, Any]) -> dict[str, Any] | Response:
    """Import a CSV or XLSX file of figures: every row, or none when any row is wrong."""
    upload = data["file"]
    try:
        report = service.import_figures(
            get_session(),
            actor=current_actor(),
            filename=upload.filename or "",
            data=upload.stream.read(),
        )
    except service.ImportRefused as refused:
        body = error_response(422, refused.message, refused.details).get_json()
        body["report"] = ImportReportSchema().dump(_report(refused.report))
        response = jsonify(body)
        response.status_code = 422
        return response
    commit()
    return _report(report)


def _report(report: service.ImportReport) -> dict[str, Any]:
    return {
        "counts": report.counts,
        "rows": [
            {
                "row": r.row,
                "outcome": r.outcome,
                "country": r.country,
                "indicator": r.indicator,
                "year": r.year,
                "errors": [translate(e) for e in r.errors],
            }
            for r in report.rows
        ],
    }
