"""The gap and overlap pages: a heat map table of countries by themes (or pillars), and the
needs, recommendations and projects behind one cell.

Both read their query with the API's schemas and call the same service as
``GET /api/v1/gaps`` and ``/api/v1/gaps/cell``; the downloads are the API's files. A cell's
state (gap, overlap, both, covered, nothing) is shown by its colour and by a written mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import Session

from adam.access import page
from adam.errors import InvalidInput
from adam.gaps import answers
from adam.gaps import service as gaps_service
from adam.gaps.schemas import PILLARS, REGIONS, CellQuerySchema, GapQuerySchema
from adam.gaps.service import PRIORITIES, Cell, GapView
from adam.portal import query
from adam.portal.blueprint import portal_blueprint
from adam.portal.errors import page_for
from adam.portal.i18n import label, localized, translate
from adam.reference import service as reference_service
from adam.session import get_session, get_settings

blp = portal_blueprint("portal_gaps", __name__)

PAGE_QUERY = GapQuerySchema(exclude=("format",))
CELL_QUERY = CellQuerySchema()
STATES = ("gap", "both", "overlap", "covered", "needs", "nothing")
STATE_TITLES = {
    "gap": lazy_gettext("Gap"),
    "overlap": lazy_gettext("Overlap"),
    "both": lazy_gettext("Gap and overlap"),
    "covered": lazy_gettext("Covered"),
    "needs": lazy_gettext("Open needs, no gap"),
    "nothing": lazy_gettext("Nothing recorded"),
}
STATE_HINTS = {
    "gap": lazy_gettext(
        "A high-priority open need or an endorsed recommendation with no active project"
        " confirmed as linked to it (suggested links do not count)."
    ),
    "overlap": lazy_gettext("Several donors fund active projects here."),
    "both": lazy_gettext("A gap, and several donors funding active projects."),
    "covered": lazy_gettext("Active projects, and no gap."),
    "needs": lazy_gettext("Open needs that are not gaps, and no active project."),
    "nothing": lazy_gettext("No open need, endorsed recommendation or active project."),
}
PRIORITY_TITLES = {
    "high": lazy_gettext("High priority"),
    "medium": lazy_gettext("Medium priority"),
    "low": lazy_gettext("Low priority"),
}
NEED_STATES = {"open": lazy_gettext("Open"), "partly_met": lazy_gettext("Partly met")}
REGION_TITLES = {
    "afghanistan_and_neighbours": lazy_gettext("Afghanistan and its neighbours"),
    "central_asia": lazy_gettext("Central Asia"),
    "south_eastern_europe": lazy_gettext("South-Eastern Europe"),
    "west_asia": lazy_gettext("West Asia"),
    "gulf": lazy_gettext("Gulf"),
    "south_asia": lazy_gettext("South Asia"),
    "russian_federation": lazy_gettext("Russian Federation"),
    "other": lazy_gettext("Other"),
}
TITLES = {
    "by": lazy_gettext("Columns"),
    "country": lazy_gettext("Country"),
    "region": lazy_gettext("Region"),
    "theme": lazy_gettext("Theme"),
    "pillar": lazy_gettext("Pillar"),
    "limit": lazy_gettext("Projects listed"),
}


def state_of(cell: Cell, overlap_donors: int) -> str:
    gap, overlap = cell.gaps > 0, cell.overlap(overlap_donors)
    if gap and overlap:
        return "both"
    if gap:
        return "gap"
    if overlap:
        return "overlap"
    if cell.projects:
        return "covered"
    # Open needs below high priority are no gap, yet something is recorded.
    return "needs" if cell.open_needs else "nothing"


def describe(cell: Cell, overlap_donors: int) -> str:
    """The cell's figures in one sentence (its title, and what a screen reader hears)."""
    priorities = ", ".join(f"{PRIORITY_TITLES[p]}: {cell.needs[p]}" for p in PRIORITIES)
    parts = [
        str(STATE_TITLES[state_of(cell, overlap_donors)]),
        gettext("open needs: %(count)s", count=cell.open_needs) + f" ({priorities})",
        gettext(
            "high-priority needs without an active project: %(count)s",
            count=cell.unassisted_high_needs,
        ),
        gettext("active projects: %(count)s", count=cell.projects),
        gettext("donors: %(count)s", count=cell.donors),
        gettext(
            "recommendations without an active project: %(count)s",
            count=cell.unassisted_recommendations,
        ),
        gettext("open duplicate alerts: %(count)s", count=cell.duplicate_alerts),
    ]
    return "; ".join(parts)


@dataclass(slots=True)
class Column:
    key: str
    title: str
    group: str  # the pillar's name (by theme), or empty


@dataclass(slots=True)
class Row:
    code: str | None  # None: the regional row
    title: str


def _columns(session: Session, view: GapView, args: dict[str, Any]) -> list[Column]:
    if view.matrix.by == "pillar":
        chosen = [args["pillar"]] if args.get("pillar") else PILLARS
        return [Column(p, label(p), "") for p in chosen]
    themes = reference_service.list_themes(session)
    wanted = {t.lower() for t in args.get("theme") or ()}
    picked = [
        t
        for t in themes
        if (not wanted or t.slug in wanted)
        and (not args.get("pillar") or t.pillar.value == args["pillar"])
    ]
    order = {p: i for i, p in enumerate(PILLARS)}
    picked.sort(key=lambda t: (order[t.pillar.value], localized(t).casefold()))
    return [Column(t.slug, localized(t), label(t.pillar)) for t in picked]


def _rows(session: Session, view: GapView, args: dict[str, Any]) -> list[Row]:
    codes = {c.country for c in view.cells if c.country is not None}
    codes |= {c.upper() for c in args.get("country") or ()}
    countries = reference_service.countries_by_code(session, codes)
    rows = sorted(
        (Row(code, localized(country)) for code, country in countries.items()),
        key=lambda r: r.title.casefold(),
    )
    if any(c.country is None for c in view.cells):
        rows.append(Row(None, gettext("Regional (no country named)")))
    return rows


def cell_url(code: str | None, by: str, column: str) -> str:
    params: dict[str, Any] = {"country": code} if code else {}
    params[by] = column
    return url_for("portal_gaps.cell", **params)


def _parse(schema: ma.Schema) -> tuple[dict[str, Any], list[str]]:
    try:
        return schema.load(query.as_data(schema, request.args)), []
    except ma.ValidationError as error:
        found = error.messages if isinstance(error.messages, dict) else {"": error.messages}
        return {}, query.messages(found, TITLES)


def _view(args: dict[str, Any]) -> GapView:
    """:raises InvalidInput: unknown countries or themes (see the service)."""
    return gaps_service.gap_view(
        get_session(),
        by=args["by"],
        filters=gaps_service.GapFilters(
            countries=args.get("country") or (),
            region=args.get("region"),
            themes=args.get("theme") or (),
            pillar=args.get("pillar"),
        ),
        overlap_donors=get_settings().gaps.overlap_donors,
    )


@page
@blp.route("/gaps")
def gaps() -> ResponseReturnValue:
    """The heat map table: countries by themes or pillars, each cell's state and figures."""
    args, errors = _parse(PAGE_QUERY)
    session = get_session()
    view = None
    if not errors:
        try:
            view = _view(args)
        except InvalidInput as error:
            errors = query.messages(error.details, TITLES) or [translate(error.message)]
    context: dict[str, Any] = {
        "args": args,
        "errors": errors,
        "view": view,
        "by": args.get("by") or request.args.get("by", "theme"),
        "countries": sorted(reference_service.list_countries(session), key=localized),
        "themes": sorted(reference_service.list_themes(session), key=localized),
        "pillars": PILLARS,
        "regions": [(r, REGION_TITLES[r]) for r in REGIONS],
        "chosen_countries": {c.upper() for c in request.args.getlist("country") if c.strip()},
        "chosen_themes": {t.lower() for t in request.args.getlist("theme") if t.strip()},
        "states": [(s, STATE_TITLES[s], STATE_HINTS[s]) for s in STATES],
    }
    if view is not None:
        grid = {(c.country, c.column): c for c in view.cells}
        context.update(
            columns=_columns(session, view, args),
            rows=_rows(session, view, args),
            grid=grid,
            empty=Cell(None, ""),
            state_of=lambda cell: state_of(cell, view.overlap_donors),
            describe=lambda cell: describe(cell, view.overlap_donors),
            cell_url=lambda code, column: cell_url(code, view.matrix.by, column),
            downloads={
                fmt: query.url_with(url_for(f"portal_gaps.download_{fmt}"))
                for fmt in ("csv", "xlsx")
            },
        )
    return render_template("portal/gaps.html", **context), 422 if errors else 200


def _download(fmt: str) -> ResponseReturnValue:
    args, errors = _parse(PAGE_QUERY)
    if errors:
        return page_for(422, " ".join(errors))
    try:
        view = _view(args)
    except InvalidInput as error:
        return page_for(
            422, " ".join(query.messages(error.details, TITLES)) or translate(error.message)
        )
    return answers.view_download(view, fmt)


@page
@blp.route("/gaps.csv")
def download_csv() -> ResponseReturnValue:
    """The heat map's cells as CSV (the API's file)."""
    return _download("csv")


@page
@blp.route("/gaps.xlsx")
def download_xlsx() -> ResponseReturnValue:
    """The heat map's cells as an Excel workbook (the API's file)."""
    return _download("xlsx")


@page
@blp.route("/gaps/cell")
def cell() -> ResponseReturnValue:
    """One cell's figures, and the needs, recommendations and projects behind it."""
    args, errors = _parse(CELL_QUERY)
    session = get_session()
    detail = None
    if not errors:
        try:
            detail = gaps_service.cell_detail(
                session,
                country=args.get("country"),
                theme=args.get("theme"),
                pillar=args.get("pillar"),
                overlap_donors=get_settings().gaps.overlap_donors,
                limit=args["limit"],
            )
        except InvalidInput as error:
            errors = query.messages(error.details, TITLES) or [translate(error.message)]
    if errors or detail is None:
        return render_template("portal/gap_cell.html", errors=errors, detail=None), 422
    view = detail.view
    code = detail.cell.country
    country = reference_service.countries_by_code(session, [code]).get(code) if code else None
    column = detail.cell.column
    if view.matrix.by == "theme":
        theme = next((t for t in reference_service.list_themes(session) if t.slug == column), None)
        column_title = localized(theme) if theme else column
        back: dict[str, Any] = {"theme": column}
    else:
        column_title = label(column)
        back = {"pillar": column, "by": "pillar"}
    if code:
        back["country"] = code
    context: dict[str, Any] = {
        "errors": [],
        "detail": detail,
        "cell": detail.cell,
        "by": view.matrix.by,
        "country_title": localized(country) if country else gettext("Regional (no country named)"),
        "column_title": column_title,
        "state": state_of(detail.cell, view.overlap_donors),
        "states": STATE_TITLES,
        "priorities": PRIORITY_TITLES,
        "need_states": NEED_STATES,
        "overlap_donors": view.overlap_donors,
        "heat_map_url": url_for("portal_gaps.gaps", **back),
        "money": answers.money,
    }
    return render_template("portal/gap_cell.html", **context)
