"""A country's page: its projects by theme, by donor and per year, open duplicate alerts
touching its projects, documents of its projects, and its focal points.

The charts are ``project_table`` and ``project_timeline`` with the country as a filter (plus
whatever filters the URL carries, e.g. from the map), drawn from their answers, i.e. what
``/api/v1/stats/projects?by=theme&country=XX`` and ``/api/v1/stats/timeline?country=XX``
answer; each links to the statistics page that draws it again, and its downloads are that
page's.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal

from adam.access import page
from adam.auth import permissions
from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.documents import service as documents_service
from adam.duplicates import service as duplicates_service
from adam.errors import InvalidInput, NotFound
from adam.indicators import catalogue
from adam.indicators import service as indicators_service
from adam.paging import page_count
from adam.portal import filter_titles, query
from adam.portal.blueprint import portal_blueprint
from adam.portal.categories import category_label
from adam.portal.charts import CHART_FIELDS, figure_of
from adam.portal.forms import form_int
from adam.portal.i18n import localized, translate
from adam.portal.views.project_page import language_name
from adam.projects.filters import ProjectFilters
from adam.projects.schemas import ProjectQuerySchema
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country
from adam.session import get_session
from adam.stats import answers
from adam.stats import service as stats_service
from adam.stats.service import StatsTable
from adam.stats.timeline import Timeline, project_timeline
from adam.web import current_actor

blp = portal_blueprint("portal_countries", __name__)

QUERY = ProjectQuerySchema()
ALERTS_SHOWN = 20
DOCUMENTS_PER_PAGE = 20
# Not filters of the projects: the page's own paging.
OWN = ("documents_page",)


def _country(code: str) -> Country:
    """:raises NotFound: no country has that code."""
    found = reference_service.get_country(get_session(), code) if len(code) == 2 else None
    if found is None:
        raise NotFound(refusals.no_such("country", code, known=refusals.KnownCodes()))
    return found


def _tables(actor: Actor, args: dict[str, Any]) -> tuple[dict[str, StatsTable], Timeline]:
    """The country's projects by theme and by donor (one GROUP BY each), and per year.

    :raises Forbidden: withdrawn projects asked for by someone who may not see them.
    """
    filters = ProjectFilters.from_args(args)
    session = get_session()
    tables = {
        by: stats_service.project_table(session, actor=actor, by=[by], filters=filters)
        for by in ("theme", "donor")
    }
    return tables, project_timeline(session, actor=actor, filters=filters)


def _alerts(actor: Actor, country: Country) -> tuple[list[Any], int] | None:
    """Open alerts touching the country's projects that the reader may see (the inbox's
    rules); None for those who see no alerts (viewers)."""
    if not permissions.allowed(actor, "alert.read"):
        return None
    return duplicates_service.list_alerts(
        get_session(),
        actor=actor,
        filters=duplicates_service.AlertFilters(statuses=("open",), countries=(country.code,)),
        sort="-score",
        per_page=ALERTS_SHOWN,
    )


def _charts(
    country: Country, tables: dict[str, StatsTable], timeline: Timeline, filters: list[str]
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """The answers and figures of the three charts: by theme, by donor, per year."""
    drop = ("country", *OWN, *CHART_FIELDS)
    words = [f"{query.FIELD_TITLES['country']}: {localized(country)}", *filters]
    found = {by: answers.table_answer(table) for by, table in tables.items()}
    found["timeline"] = answers.timeline_answer(timeline)
    charts = {}
    for name, answer in found.items():
        kind = "timeline" if name == "timeline" else "bars"
        # The statistics page's query for this chart: it draws it again and downloads it.
        chart = {"chart": "timeline"} if kind == "timeline" else {"by": name}
        stats_query = query.url_with("", drop=drop, **chart, country=country.code)
        charts[name] = (
            answer,
            figure_of(
                answer,
                kind=kind,
                filters=words,
                link=url_for("portal_statistics.statistics") + stats_query,
                downloads={
                    fmt: url_for(f"portal_statistics.download_{fmt}") + stats_query
                    for fmt in ("csv", "xlsx")
                },
                projects_drop=drop,
                projects_filters={"country": country.code},
                every_year=True,
            ),
        )
    return charts


def _indicators(country: Country) -> list[dict[str, Any]]:
    """The country's fact-sheet figures, one table and chart per indicator (years as columns)."""
    _, series = indicators_service.country_series(get_session(), country.code)
    shown = []
    for one in series:
        unit = translate(catalogue.UNIT_NAMES[one.indicator.unit][0])
        sources = sorted({f.source for f in one.figures if f.source})
        shown.append(
            {
                "code": one.indicator.code,
                "name": translate(one.indicator.name_en),
                "unit": unit,
                "years": [f.year for f in one.figures],
                "values": [format_decimal(f.value) for f in one.figures],
                "sources": sources,
                "illustrative": any(f.illustrative for f in one.figures),
                # What indicators.js draws: the years and the plain numbers.
                "chart": {
                    "name": translate(one.indicator.name_en),
                    "unit": unit,
                    "years": [str(f.year) for f in one.figures],
                    "values": [float(f.value) for f in one.figures],
                },
            }
        )
    return shown


@page
@blp.route("/countries/<code>")
def country(code: str) -> ResponseReturnValue:
    """A country's projects by theme and donor, its open alerts, documents and focal points."""
    found = _country(code)
    if code != found.code:
        return redirect(query.url_with(url_for("portal_countries.country", code=found.code)), 301)
    actor = current_actor()
    session = get_session()
    args, errors = query.parse(QUERY)
    tables = timeline = None
    if not errors:
        args["country"] = [found.code]
        try:
            tables, timeline = _tables(actor, args)
        except InvalidInput as error:
            errors = query.messages(error.details) or [translate(error.message)]
    documents_page = form_int(request.args.get("documents_page")) or 1
    documents, documents_total = documents_service.documents_of_country(
        session, found.code, actor=actor, page=documents_page, per_page=DOCUMENTS_PER_PAGE
    )
    filters_query = query.url_with("", drop=("country", "measure", *OWN))
    shown_filters = {k: v for k, v in args.items() if k != "country"}
    filters = filter_titles.describe(session, shown_filters) if not errors else []
    context: dict[str, Any] = {
        "country": found,
        "name": localized(found),
        "errors": errors,
        "tables": tables,
        "charts": _charts(found, tables, timeline, filters) if tables and timeline else None,
        "filters": filters,
        "filters_query": filters_query,
        "projects_url": query.url_with(
            url_for("portal_projects.search"), drop=("country", "measure", *OWN), country=found.code
        ),
        "map_url": query.url_with(url_for("portal_map.world_map"), drop=("country", *OWN)),
        "alerts": _alerts(actor, found),
        "documents": documents,
        "documents_total": documents_total,
        "documents_page": documents_page,
        "documents_pages": page_count(documents_total, DOCUMENTS_PER_PAGE),
        "indicators": _indicators(found),
        "may_enter_indicators": permissions.allowed(actor, "indicator.write", found.code),
        "focal_points": auth_service.focal_points(session, country_code=found.code, actor=actor),
        "may_manage_users": permissions.allowed(actor, "user.manage"),
        "category_label": category_label,
        "language_name": language_name,
        "format_decimal": format_decimal,
        "url": query.url_with,
    }
    return render_template("portal/country.html", **context), 422 if errors else 200
