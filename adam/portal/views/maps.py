"""The map: every country coloured by the projects (or the budget in one currency) that the
filters select, with its legend, its table and its downloads.

The figures are one query, ``project_table(by=["country"])``, embedded in the page exactly as
``GET /api/v1/stats/projects?by=country`` answers it, so the map, its table and the API
never disagree. ``static/map.js`` draws the shapes (Natural Earth, vendored from the
``world-atlas`` package) with d3-geo; the shapes carry ISO 3166-1 numeric ids, which the page
maps to our alpha-2 codes; Kosovo, which has none, is found by its name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import Session

from adam.access import page
from adam.auth.actor import Actor
from adam.errors import N_, InvalidInput
from adam.fields import Text
from adam.gaps import service as gaps_service
from adam.portal import filter_titles, query
from adam.portal.blueprint import portal_blueprint
from adam.portal.errors import page_for
from adam.portal.i18n import language, localized, translate
from adam.projects import service as projects_service
from adam.projects.filters import ProjectFilters
from adam.projects.schemas import STATUSES, ProjectQuerySchema
from adam.reference import service as reference_service
from adam.reference.codes import is_currency, numeric_codes
from adam.reference.models import Region
from adam.session import get_session, get_settings
from adam.stats import answers
from adam.stats import service as stats_service
from adam.stats.service import StatsTable
from adam.web import current_actor
from adam.workflows import search as search_workflow

blp = portal_blueprint("portal_map", __name__)

STATIC = Path(__file__).resolve().parents[1] / "static"
ATLAS = "vendor/world-atlas-2.0.2/countries-50m.json"
# Natural Earth gives Kosovo no ISO numeric id; its shape is found by its name.
BY_NAME = {"Kosovo": "XK"}
# The regions framed when the map opens: the routes from Afghanistan to Europe and Russia.
FRAMED = (
    Region.AFGHANISTAN_AND_NEIGHBOURS,
    Region.CENTRAL_ASIA,
    Region.GULF,
    Region.RUSSIAN_FEDERATION,
    Region.SOUTH_EASTERN_EUROPE,
)
PROJECTS = "projects"
# The gap layer: countries coloured by the themes where they have a gap, or an overlap
# (the gap view's cells, adam.gaps.service); a click opens the country's row of /gaps.
GAP_MEASURES = ("gaps", "overlaps")
DONORS_LISTED = 25
# Filters the form has no field for: kept from the URL as hidden fields.
KEPT = (
    "country",
    "implementer",
    "active_on",
    "start_from",
    "end_to",
    "budget_min",
    "budget_max",
    "currency",
    "withdrawn",
)


def _measure(value: str) -> None:
    if value != PROJECTS and value.lower() not in GAP_MEASURES and not is_currency(value):
        raise ma.ValidationError(
            N_("Show projects, gaps, overlaps, or the budget in a currency (USD, EUR...).")
        )


class MapQuerySchema(ProjectQuerySchema):
    """The search filters, and what colours the map: the number of projects, or the budget
    in one currency (projects budgeted in others are then left out, and counted)."""

    measure = Text(single_line=True, strip=True, load_default=PROJECTS, validate=_measure)

    @ma.pre_load
    def _upper_measure(self, data: Any, **_: Any) -> Any:
        measure = data.get("measure") if hasattr(data, "get") else None
        if isinstance(measure, str) and measure.strip().lower() in GAP_MEASURES:
            data = {**data, "measure": measure.strip().lower()}
        elif isinstance(measure, str) and measure.strip().lower() != PROJECTS:
            data = {**data, "measure": measure.strip().upper()}
        return data


QUERY = MapQuerySchema()
TITLES = {**query.FIELD_TITLES, "measure": lazy_gettext("Show")}


@cache
def _atlas_ids() -> frozenset[str]:
    """The numeric ids of the shapes in the vendored atlas."""
    topology = json.loads((STATIC / ATLAS).read_text(encoding="utf-8"))
    geometries = topology["objects"]["countries"]["geometries"]
    return frozenset(str(g["id"]) for g in geometries if g.get("id") is not None)


def shape_ids(session: Session) -> dict[str, str]:
    """Our alpha-2 code of each shape's ISO numeric id, for the countries we know."""
    numeric = numeric_codes()
    return {
        numeric[c.alpha3]: c.code
        for c in reference_service.list_countries(session)
        if c.alpha3 in numeric
    }


def _parse() -> tuple[dict[str, Any], list[str]]:
    try:
        return QUERY.load(query.as_data(QUERY, request.args)), []
    except ma.ValidationError as error:
        found = error.messages if isinstance(error.messages, dict) else {"": error.messages}
        return {}, query.messages(found, TITLES)


def _table(session: Session, actor: Actor, args: dict[str, Any]) -> StatsTable:
    """The one query the map's figures come from.

    :raises Forbidden: withdrawn projects asked for by someone who may not see them.
    """
    filters = ProjectFilters.from_args(args)
    return stats_service.project_table(session, actor=actor, by=["country"], filters=filters)


def _donors(session: Session, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The donors the form offers: those funding the most projects under the other filters
    (as the search page's facet counts them, and from its cache), and any chosen."""
    others = dataclasses.replace(ProjectFilters.from_args(args), donors=())
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), "donor", others)
    mark = projects_service.write_mark(session)
    counts = search_workflow.COUNTS.get(key, mark)
    if counts is None:
        counts = stats_service.counts_by(session, actor=actor, by="donor", filters=others)
        search_workflow.COUNTS.put(key, mark, counts)
    chosen = {c.lower() for c in args.get("donor", ())}
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:DONORS_LISTED]
    codes = {code for code, _ in top} | chosen
    orgs = reference_service.organizations_by_code(session, codes)
    listed = [
        {"code": org.code, "name": org.name, "count": counts.get(org.code, 0)}
        for org in orgs.values()
    ]
    return sorted(listed, key=lambda d: d["name"].casefold())


def _projects_link(args: dict[str, Any]) -> str:
    """The search page's URL for this map's filters; the script adds ``country``."""
    return query.url_with(url_for("portal_projects.search"), drop=("measure", "country"))


def _config(session: Session, args: dict[str, Any], table: StatsTable) -> dict[str, Any]:
    """What the script needs besides the table: shapes to codes, names, frame, texts."""
    measure = args["measure"]
    countries = reference_service.list_countries(session)
    config = {
        "atlas": url_for("static_portal", filename=ATLAS),
        "ids": shape_ids(session),
        "by_name": BY_NAME,
        "names": {c.code: localized(c) for c in countries},
        "frame": sorted(c.code for c in countries if c.region in FRAMED),
        "measure": measure,
        "locale": language(),
        "projects_url": _projects_link(args),
        "title": map_title(session, args),
        "filename": f"adam-map-{dt.date.today().isoformat()}",
        "texts": {
            "aria": gettext(
                "%(country)s, projects: %(projects)s", country="{country}", projects="{projects}"
            ),
            "budget_in": gettext("Budget in %(currency)s", currency="{currency}"),
            "failed": gettext("The map could not be drawn; the table below holds its figures."),
            "legend": gettext("Projects")
            if measure == PROJECTS
            else gettext("Budget in %(currency)s", currency=measure),
            "none": gettext("No projects"),
            "no_budget": gettext("Projects, none budgeted in %(currency)s", currency=measure),
            "projects": gettext("Projects"),
            "left_out": gettext("Left out (budget in another currency or none)"),
            "open": gettext("Click to list its projects"),
            "source": gettext("Shapes: Natural Earth. Figures: ADAM."),
            "map_label": gettext("Map of the projects by country"),
            "world": gettext("Show the whole world"),
            "region": gettext("Show the routes region"),
        },
    }
    if measure in GAP_MEASURES:
        config["gaps_url"] = url_for("portal_gaps.gaps")
        config["texts"].update(
            aria=gettext(
                "%(country)s, themes with a gap: %(gaps)s, with an overlap: %(overlaps)s",
                country="{country}",
                gaps="{gaps}",
                overlaps="{overlaps}",
            ),
            legend=gettext("Themes with a gap")
            if measure == "gaps"
            else gettext("Themes with an overlap"),
            none=gettext("No gap") if measure == "gaps" else gettext("No overlap"),
            gaps=gettext("Themes with a gap"),
            overlaps=gettext("Themes with an overlap"),
            open=gettext("Click for its gaps and overlaps"),
            map_label=gettext("Map of the gaps and overlaps by country"),
        )
    return config


def map_title(session: Session, args: dict[str, Any]) -> str:
    if args["measure"] in GAP_MEASURES:
        # Only the theme filter applies to the gap layer: the heading names no other filter,
        # nor "all projects", which it does not count.
        what = (
            gettext("Themes with a gap, by country")
            if args["measure"] == "gaps"
            else gettext("Themes with an overlap, by country")
        )
        themes = {"theme": args.get("theme")}
        return filter_titles.title(
            session, what, themes, dt.date.today(), everything=gettext("all themes")
        )
    if args["measure"] == PROJECTS:
        what = gettext("Projects by country")
    else:
        what = gettext("Budget in %(currency)s by country", currency=args["measure"])
    return filter_titles.title(session, what, args, dt.date.today())


def gap_rows(session: Session, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Per country, the themes (of the map's theme filter) with a gap and with an overlap:
    the gap view's cells (the regional row, which names no country, is left out).

    :raises InvalidInput: an unknown theme.
    """
    view = gaps_service.gap_view(
        session,
        by="theme",
        filters=gaps_service.GapFilters(
            countries=args.get("country") or (), themes=args.get("theme") or ()
        ),
        overlap_donors=get_settings().gaps.overlap_donors,
    )
    found: dict[str, dict[str, Any]] = {}
    for cell in view.cells:
        if cell.country is None:
            continue
        row = found.setdefault(
            cell.country,
            {"country": view.matrix.countries.get(cell.country), "gaps": 0, "overlaps": 0},
        )
        row["gaps"] += cell.gaps > 0
        row["overlaps"] += cell.overlap(view.overlap_donors)
    rows = [r for r in found.values() if r["gaps"] or r["overlaps"]]
    return sorted(rows, key=lambda r: (-r["gaps"], -r["overlaps"], r["country"]["code"]))


def _downloads(args: dict[str, Any]) -> dict[str, str]:
    """The table's files: the stats export, or on the gap layer the heat map's (its cells
    for the map's countries and themes)."""
    if args["measure"] in GAP_MEASURES:
        pairs = [("country", c) for c in args.get("country") or ()]
        pairs += [("theme", t) for t in args.get("theme") or ()]
        found = urlencode(pairs)
        return {
            fmt: url_for(f"portal_gaps.download_{fmt}") + (f"?{found}" if found else "")
            for fmt in ("csv", "xlsx")
        }
    return {
        fmt: query.url_with(url_for(f"portal_map.download_{fmt}"), drop=("measure",))
        for fmt in ("csv", "xlsx")
    }


def _not_drawn(session: Session, table: StatsTable) -> list[dict[str, Any]]:
    """Countries with projects that the atlas has no shape for (small islands, overseas
    departments drawn as part of France): named under the map, so none is silently missing."""
    drawable = set(shape_ids(session).items())
    codes = {code for number, code in drawable if number in _atlas_ids()} | set(BY_NAME.values())
    labels = [row.keys["country"] for row in table.rows]
    return [label for label in labels if label is not None and label["code"] not in codes]


@page
@blp.route("/map")
def world_map() -> ResponseReturnValue:
    """Countries coloured by projects or budget for the search filters; a click opens them."""
    args, errors = _parse()
    session = get_session()
    actor = current_actor()
    table = None
    if not errors:
        try:
            table = _table(session, actor, args)
        except InvalidInput as error:
            errors = query.messages(error.details, TITLES) or [translate(error.message)]
    context: dict[str, Any] = {
        "args": args,
        "errors": errors,
        "table": table,
        "themes": sorted(reference_service.list_themes(session), key=localized),
        "statuses": STATUSES,
        "kept": [(k, v) for k, v in request.args.items(multi=True) if k in KEPT and v.strip()],
        "url": query.url_with,
    }
    if table is not None:
        measure = args["measure"]
        currencies = sorted(
            {*table.currencies, *([measure] if measure not in (PROJECTS, *GAP_MEASURES) else [])}
        )
        if measure in GAP_MEASURES:
            try:
                context["gap_rows"] = gap_rows(session, args)
            except InvalidInput as error:
                errors = query.messages(error.details, TITLES) or [translate(error.message)]
                context["errors"] = errors
        context.update(
            answer={"rows": context["gap_rows"]}
            if "gap_rows" in context
            else answers.table_answer(table),
            config=_config(session, args, table),
            currencies=currencies,
            donors=_donors(session, actor, args),
            not_drawn=_not_drawn(session, table),
            title=map_title(session, args),
            downloads=_downloads(args),
            projects_url=_projects_link(args),
            country_query=query.url_with("", drop=("measure", "country")),
        )
    return render_template("portal/map.html", **context), 422 if errors else 200


def _download(fmt: str) -> ResponseReturnValue:
    args, errors = _parse()
    if errors:
        return page_for(422, " ".join(errors))
    table = _table(get_session(), current_actor(), args)
    return answers.table_download(table, fmt)


@page
@blp.route("/map.csv")
def download_csv() -> ResponseReturnValue:
    """The map's table (projects and budgets by country) as CSV: the API's stats export."""
    return _download("csv")


@page
@blp.route("/map.xlsx")
def download_xlsx() -> ResponseReturnValue:
    """The map's table as an Excel workbook: the API's stats export."""
    return _download("xlsx")
