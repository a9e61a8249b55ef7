"""The statistics page: a chart of the filtered projects and its table, at the press of a button.

The page reads its query string with the tables' API schema (plus the chart's own choices), so
its URL reproduces the chart; the chart is drawn in the browser (``static/charts.js``) from the
very JSON the API answers, and the downloads are the API's files.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal, gettext, lazy_gettext
from marshmallow import validate

from adam.access import page
from adam.errors import N_, InvalidInput
from adam.fields import Text
from adam.portal import query
from adam.portal.blueprint import portal_blueprint
from adam.portal.errors import page_for
from adam.portal.i18n import label, localized, translate
from adam.projects.filters import ProjectFilters
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
# The page's own fields: how to draw, not which projects (left out of links to the projects).
CHART_FIELDS = ("by", "then_by", "chart", "measure", "chart_currency", "format")
# Dimensions a projects list can be filtered on (a matrix cell opens its projects).
FILTERABLE = ("country", "theme", "donor", "implementer", "status")

DIMENSION_TITLES = {
    "country": lazy_gettext("Country"),
    "theme": lazy_gettext("Theme"),
    "donor": lazy_gettext("Donor"),
    "implementer": lazy_gettext("Implementer"),
    "status": lazy_gettext("Status"),
    "year": lazy_gettext("Start year"),
}
# "Projects by ...": each dimension as the title says it.
BY_PHRASES = {
    "country": lazy_gettext("by country"),
    "theme": lazy_gettext("by theme"),
    "donor": lazy_gettext("by donor"),
    "implementer": lazy_gettext("by implementer"),
    "status": lazy_gettext("by status"),
    "year": lazy_gettext("by start year"),
}
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
        raise ma.ValidationError(N_("Unknown currency code: %(code)s.", code=value))


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
# The answers' notes, for the catalogue (a figure shows its answer's note translated).
# tests/portal/test_statistics.py checks they are the answers' own.
NOTES = (
    N_(
        "A project counts once in each group it belongs to (each of its countries, themes, "
        "donors), with its whole budget; budgets are summed per currency without conversion."
    ),
    N_(
        "A project runs in each calendar year from its start to its end (to the current year "
        "when it has no end date); its budget is spread evenly over those years, per currency. "
        "Projects without a start date are counted as undated."
    ),
)
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


def key_code(dimension: str, key: dict[str, Any] | None) -> str | None:
    """The code a projects list is filtered on for a group's key (None: not filterable)."""
    if key is None or dimension not in FILTERABLE:
        return None
    return str(key.get("slug") or key.get("code"))


def key_name(dimension: str, key: dict[str, Any] | None) -> str:
    """A group's name as the reader reads it."""
    if key is None:
        return gettext("Not given")
    if dimension in ("country", "theme"):
        return localized(_Named(key))
    if dimension == "status":
        return label(key["code"])
    if dimension == "year":
        return str(key["year"])
    return str(key.get("name") or key.get("code"))


class _Named:
    """A label of the answer read as a record by ``localized`` (name_en, name_ru)."""

    def __init__(self, key: dict[str, Any]) -> None:
        self.name_en = key.get("name") or key.get("code") or key.get("slug")
        self.name_ru = key.get("name_ru")


def projects_link(row: dict[str, Any], by: list[str], **changes: Any) -> str | None:
    """The projects list with this page's filters and the row's groups (None when a group is
    not a filter of the list, such as a start year)."""
    for dimension in by:
        code = key_code(dimension, row.get(dimension))
        if code is None:
            return None
        changes[dimension] = code
    return query.url_with("/projects", drop=CHART_FIELDS, **changes)


def _filter_words(args: dict[str, Any], result: SearchResult | None) -> list[str]:
    """The filters in words, for the chart's title: "Country: Tajikistan, Afghanistan"."""
    words = []
    for facet in FACETS:
        codes = {c.lower() for c in args.get(facet, ())}
        if not codes:
            continue
        names = [
            _facet_name(facet, value.record, value.code)
            for value in (result.facets[facet] if result else [])
            if value.code.lower() in codes
        ] or list(args[facet])
        words.append(f"{query.FIELD_TITLES[facet]}: {', '.join(names)}")
    for name in ("active_on", "start_from", "end_to"):
        if args.get(name):
            words.append(f"{query.FIELD_TITLES[name]}: {format_date(args[name])}")
    if args.get("year"):
        words.append(f"{query.FIELD_TITLES['year']}: {args['year']}")
    if args.get("q"):
        words.append(f"{query.FIELD_TITLES['q']}: «{args['q']}»")
    for name in ("budget_min", "budget_max"):
        if args.get(name) is not None:
            words.append(f"{query.FIELD_TITLES[name]}: {format_decimal(args[name])}")
    if args.get("currency"):
        words.append(f"{query.FIELD_TITLES['currency']}: {args['currency']}")
    if args.get("withdrawn"):
        words.append(gettext("Only withdrawn projects"))
    return words


def _facet_name(facet: str, record: Any, code: str) -> str:
    if facet in ("country", "theme"):
        return localized(record)
    if facet == "status":
        return label(code)
    return str(getattr(record, "name", code))


def chart_title(kind: str, by: list[str], measure: str, currency: str | None) -> str:
    """What the chart shows, e.g. "Projects by donor and by country"."""
    if kind == "timeline":
        if not by and currency:
            what = gettext(
                "Projects running and budget in %(currency)s per year", currency=currency
            )
        elif measure == "budget" and currency:
            what = gettext("Budget in %(currency)s per year", currency=currency)
        else:
            what = gettext("Projects running per year")
    elif measure == "budget" and currency:
        what = gettext("Budget in %(currency)s", currency=currency)
    else:
        what = gettext("Projects")
    phrases = [str(BY_PHRASES[d]) for d in by]
    if len(phrases) == 2:
        title = gettext(
            "%(what)s %(first)s and %(second)s", what=what, first=phrases[0], second=phrases[1]
        )
    elif phrases:
        title = f"{what} {phrases[0]}"
    else:
        title = what
    if kind == "matrix":
        title = gettext("Who does what where: %(title)s", title=title)
    return title


def _left_out(answer: dict[str, Any], currency: str | None) -> str | None:
    """The projects a chart in ``currency`` leaves out, as a sentence (None: none left out)."""
    if currency is None:
        return None
    counted = next((t["projects"] for t in answer["totals"] if t["currency"] == currency), 0)
    others = [(t["currency"], t["projects"]) for t in answer["totals"] if t["currency"] != currency]
    parts = [
        gettext("projects in %(currency)s: %(num)s", currency=c, num=format_decimal(n))
        for c, n in others
    ]
    if answer["no_budget"]:
        parts.append(
            gettext("projects without a budget: %(num)s", num=format_decimal(answer["no_budget"]))
        )
    if not parts:
        return None
    return gettext(
        "Budgets in %(currency)s: %(counted)s of %(total)s projects counted. Left out: %(parts)s.",
        currency=currency,
        counted=format_decimal(counted),
        total=format_decimal(answer["total_projects"]),
        parts="; ".join(parts),
    )


def _chart_currency(answer: dict[str, Any], asked: str | None) -> str | None:
    """The currency asked, else the one most projects' budgets are in."""
    if asked:
        return asked
    counts: dict[str, int] = {}
    if "totals" in answer:
        counts = {t["currency"]: t["projects"] for t in answer["totals"]}
    else:  # a timeline: the most projects a currency has in one year
        for row in answer["rows"]:
            for budget in row["budget"]:
                currency = budget["currency"]
                counts[currency] = max(counts.get(currency, 0), budget["projects"])
    if not counts:
        return None
    return max(counts, key=lambda c: (counts[c], c == "USD"))


def _undated(answer: dict[str, Any]) -> str | None:
    if not answer.get("undated"):
        return None
    return gettext(
        "Projects without a start date are not on the timeline: %(num)s.",
        num=format_decimal(answer["undated"]),
    )


def figure_of(
    answer: dict[str, Any],
    *,
    kind: str,
    measure: str = "projects",
    currency: str | None = None,
    filters: list[str] | None = None,
    link: str | None = None,
    downloads: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What ``chart_figure`` (templates/portal/charts.html) draws besides the answer: title,
    texts in the reader's language, names of the groups, links to their projects."""
    by = (
        list(answer["by"])
        if isinstance(answer["by"], list)
        else [answer["by"]]
        if answer["by"]
        else []
    )
    # A timeline without groups draws its budget line beside the projects running.
    # A matrix's cells give the projects and the budget.
    with_budget = measure == "budget" or kind == "matrix" or (kind == "timeline" and not by)
    currency = _chart_currency(answer, currency) if with_budget else None
    date = format_date(dt.date.today(), "long")
    subtitle = " · ".join([*(filters or []), gettext("As of %(date)s", date=date)])
    left_out = _undated(answer) if kind == "timeline" else _left_out(answer, currency)
    names = [[key_name(d, row.get(d)) for d in by] for row in answer["rows"]]
    if kind == "timeline":
        links = [projects_link(row, by, year=row["year"]) for row in answer["rows"]]
    else:
        links = [projects_link(row, by) for row in answer["rows"]]
    return {
        "kind": kind,
        "by": by,
        "measure": measure,
        "currency": currency,
        "title": chart_title(kind, by, measure, currency),
        "subtitle": subtitle,
        "left_out": left_out,
        "names": names,
        "links": links,
        "table": _table(answer, kind, by, names, links),
        "note": translate(answer["note"]) if answer.get("note") else None,
        "link": link,
        "downloads": downloads or {},
        "texts": {
            "dimensions": {d: str(t) for d, t in DIMENSION_TITLES.items()},
            "projects": gettext("Projects"),
            "budget": gettext("Budget"),
            "running": gettext("Projects running"),
            "starting": gettext("Starting"),
            "ending": gettext("Ending"),
            "year": gettext("Year"),
            "other": gettext("Others"),
            "open": gettext("Click to open these projects"),
        },
        "filename": "-".join(["projects", kind, *by, dt.date.today().isoformat()]),
    }


def _amount(amount: str | None) -> str:
    return "" if amount is None else format_decimal(Decimal(amount), format="#,##0.00")


def _cell(text: Any, *, number: bool = False, link: str | None = None) -> dict[str, Any]:
    if number and isinstance(text, int):
        text = format_decimal(text)
    return {"text": str(text), "number": number, "link": link}


def _table(
    answer: dict[str, Any],
    kind: str,
    by: list[str],
    names: list[list[str]],
    links: list[str | None],
) -> dict[str, Any]:
    """The answer as the table under the chart: header cells, rows (the first cell heads its
    row), and the totals of the filtered projects; numbers formatted for the reader."""
    currencies = answer["currencies"]
    budget_heads = [
        _cell(gettext("Budget (%(currency)s)", currency=c), number=True) for c in currencies
    ]
    if kind == "timeline":
        head = [_cell(gettext("Year"))]
        head += [_cell(DIMENSION_TITLES[d]) for d in by]
        head += [
            _cell(gettext("Projects running"), number=True),
            _cell(gettext("Starting"), number=True),
            _cell(gettext("Ending"), number=True),
            *budget_heads,
        ]
        rows = []
        for row, row_names, row_link in zip(answer["rows"], names, links, strict=True):
            budgets = {b["currency"]: b["amount"] for b in row["budget"]}
            rows.append(
                [
                    _cell(row["year"]),
                    *[_cell(n) for n in row_names],
                    _cell(row["active"], number=True, link=row_link),
                    _cell(row["starting"], number=True),
                    _cell(row["ending"], number=True),
                    *[_cell(_amount(budgets.get(c)), number=True) for c in currencies],
                ]
            )
        return {"head": head, "rows": rows, "foot": None}
    head = [_cell(DIMENSION_TITLES[d]) for d in by]
    head += [_cell(gettext("Projects"), number=True), *budget_heads]
    rows = []
    for row, row_names, row_link in zip(answer["rows"], names, links, strict=True):
        budgets = {b["currency"]: b["amount"] for b in row["budget"]}
        rows.append(
            [
                *[_cell(n) for n in row_names],
                _cell(row["projects"], number=True, link=row_link),
                *[_cell(_amount(budgets.get(c)), number=True) for c in currencies],
            ]
        )
    totals = {t["currency"]: t["amount"] for t in answer["totals"]}
    foot = [
        _cell(gettext("All these projects, each once")),
        *[_cell("") for _ in by[1:]],
        _cell(answer["total_projects"], number=True),
        *[_cell(_amount(totals.get(c)), number=True) for c in currencies],
    ]
    return {"head": head, "rows": rows, "foot": foot}


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
            filters=_filter_words(args, result),
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
