"""The statistics page: a chart of the filtered projects and its table, at the press of a button.

The page reads its query string with the tables' API schema (plus the chart's own choices), so
its URL reproduces the chart; the chart is drawn in the browser (``static/charts.js``) from the
very JSON the API answers, and the downloads are the API's files.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from marshmallow import validate

from adam.access import page
from adam.errors import N_, InvalidInput
from adam.fields import Text
from adam.portal import filter_titles, query
from adam.portal.blueprint import portal_blueprint
from adam.portal.charts import DIMENSION_TITLES, figure_of
from adam.portal.errors import page_for
from adam.portal.i18n import translate
from adam.projects.filters import ProjectFilters
from adam.reference import refusals
from adam.reference.codes import is_currency
from adam.session import get_session
from adam.stats import answers, timeline
from adam.stats import service as stats_service
from adam.stats.schemas import StatsQuerySchema
from adam.stats.service import DIMENSIONS
from adam.web import current_actor
from adam.workflows.search import FACETS, SearchResult, faceted_search

blp = portal_blueprint("portal_statistics", __name__)

CHARTS = ("bars", "timeline", "matrix")
MEASURES = ("projects", "budget")
CHART_TITLES = {
    "bars": lazy_gettext("Bars"),
    "timeline": lazy_gettext("Timeline per year"),
    "matrix": lazy_gettext("Who does what where (matrix)"),
}
MEASURE_TITLES = {"projects": lazy_gettext("Projects"), "budget": lazy_gettext("Budget")}
TITLES = {
    **query.FIELD_TITLES,
    "by": lazy_gettext("Group by"),
    "then_by": lazy_gettext("and by"),
    "chart": lazy_gettext("Chart"),
    "measure": lazy_gettext("Show"),
    "chart_currency": lazy_gettext("Currency of the budgets"),
}


def _dimensions(value: str) -> None:
    parts = [p.strip() for p in value.split(",")]
    if len(parts) > 2:
        raise ma.ValidationError(N_("Choose one or two dimensions."))
    for part in parts:
        if part not in DIMENSIONS:
            raise ma.ValidationError(N_("There is no dimension named %(name)s.", name=part))
    if len(set(parts)) != len(parts):
        raise ma.ValidationError(N_("Choose two different dimensions."))


def _currency(value: str) -> None:
    if not is_currency(value):
        raise ma.ValidationError(refusals.unknown_code("currency", value))


class StatisticsPageSchema(StatsQuerySchema):
    """The tables' query (``by`` = one or two dimensions, and every project filter), the second
    dimension as a field of its own (the page's form has a list for each), and the chart."""

    by = ma.fields.String(validate=_dimensions)
    then_by = ma.fields.String(validate=validate.OneOf(DIMENSIONS))
    chart = ma.fields.String(load_default="bars", validate=validate.OneOf(CHARTS))
    measure = ma.fields.String(load_default="projects", validate=validate.OneOf(MEASURES))
    chart_currency = Text(single_line=True, strip=True, validate=_currency)

    @ma.pre_load
    def _upper_chart_currency(self, data: Any, **_: Any) -> Any:
        currency = data.get("chart_currency")
        if isinstance(currency, str):
            data = {**data, "chart_currency": currency.upper()}
        return data

    @ma.validates_schema
    def _fits_the_chart(self, data: dict[str, Any], **_: Any) -> None:
        by = [p.strip() for p in data.get("by", "").split(",") if p.strip()]
        if data.get("then_by"):
            if data["then_by"] in by:
                raise ma.ValidationError(N_("Choose two different dimensions."), "then_by")
            by.append(data["then_by"])
        chart = data.get("chart", "bars")
        if chart == "bars" and not 1 <= len(by) <= 2:
            raise ma.ValidationError(N_("Choose one or two dimensions."), "by")
        if chart == "matrix":
            if len(by) != 2:
                raise ma.ValidationError(N_("A matrix needs two dimensions."), "then_by")
            if "year" in by:
                raise ma.ValidationError(
                    N_("A matrix crosses countries, themes, organisations or statuses."), "by"
                )
        if chart == "timeline":
            if len(by) > 1:
                raise ma.ValidationError(N_("A timeline is split by one dimension at most."), "by")
            if "year" in by:
                raise ma.ValidationError(N_("A timeline is already by year."), "by")

    @ma.post_load
    def _split(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        by = [p.strip() for p in data.pop("by", "").split(",") if p.strip()]
        if then := data.pop("then_by", None):
            by.append(then)
        data["by"] = by
        return data


QUERY = StatisticsPageSchema()
# What the page shows when nothing is asked yet.
DEFAULT_BY = ["country"]


def _parse() -> tuple[dict[str, Any], list[str]]:
    data = query.as_data(QUERY, request.args)
    if not data.get("by") and not data.get("then_by") and data.get("chart") != "timeline":
        data["by"] = ",".join(DEFAULT_BY)
    try:
        args = QUERY.load(data)
    except ma.ValidationError as error:
        found = error.messages if isinstance(error.messages, dict) else {"": error.messages}
        return {}, query.messages(found, TITLES)
    return args, []


def _run(args: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The service's table (or timeline) for the page's query, and its answer (the API's JSON)."""
    filters = ProjectFilters.from_args(args)
    if args["chart"] == "timeline":
        years = timeline.project_timeline(
            get_session(),
            actor=current_actor(),
            filters=filters,
            by=args["by"][0] if args["by"] else None,
        )
        return years, answers.timeline_answer(years)
    table = stats_service.project_table(
        get_session(), actor=current_actor(), by=args["by"], filters=filters
    )
    return table, answers.table_answer(table)


@page
@blp.route("/statistics")
def statistics() -> ResponseReturnValue:
    """A chart of the filtered projects and its table; the URL reproduces it."""
    args, errors = _parse()
    result: SearchResult | None = None
    answer = figure = None
    if not errors:
        try:
            filters = ProjectFilters.from_args(args)
            result = faceted_search(
                get_session(),
                actor=current_actor(),
                filters=filters,
                sort="title",
                page=1,
                per_page=1,
            )
            _, answer = _run(args)
        except InvalidInput as error:
            errors = query.messages(error.details, TITLES) or [translate(error.message)]
    if answer is not None:
        figure = figure_of(
            answer,
            kind=args["chart"],
            measure=args["measure"],
            currency=args.get("chart_currency"),
            filters=filter_titles.describe(get_session(), args),
            link=request.full_path.rstrip("?"),
            downloads={fmt: query.url_with(f"/statistics.{fmt}") for fmt in ("csv", "xlsx")},
        )
    context = {
        "args": args,
        "errors": errors,
        "result": result,
        "answer": answer,
        "figure": figure,
        "facet_titles": query.FILTER_TITLES,
        "facet_order": tuple(FACETS),
        "dimensions": DIMENSIONS,
        "dimension_titles": DIMENSION_TITLES,
        "charts": CHART_TITLES,
        "measures": MEASURE_TITLES,
    }
    return render_template("portal/statistics.html", **context), 422 if errors else 200


def _download(fmt: str) -> ResponseReturnValue:
    args, errors = _parse()
    if errors:
        return page_for(422, " ".join(errors))
    try:
        found, _ = _run(args)
    except InvalidInput as error:
        return page_for(
            422, " ".join(query.messages(error.details, TITLES)) or translate(error.message)
        )
    if args["chart"] == "timeline":
        return answers.timeline_download(found, fmt)
    return answers.table_download(found, fmt)


@page
@blp.route("/statistics.csv")
def download_csv() -> ResponseReturnValue:
    """The chart's table as CSV (the API's file)."""
    return _download("csv")


@page
@blp.route("/statistics.xlsx")
def download_xlsx() -> ResponseReturnValue:
    """The chart's table as an Excel workbook (the API's file)."""
    return _download("xlsx")
