"""Finding projects: the search page with its facets, and its downloads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from werkzeug.datastructures import MultiDict

from adam.access import page
from adam.errors import InvalidInput
from adam.exports.downloads import projects_spreadsheet
from adam.iati.downloads import activities_download
from adam.paging import page_count
from adam.portal.blueprint import portal_blueprint
from adam.portal.errors import page_for
from adam.portal.i18n import translate
from adam.projects.filters import ProjectFilters
from adam.projects.schemas import ProjectListQuerySchema
from adam.session import get_session
from adam.web import current_actor
from adam.workflows.search import FACETS, faceted_search

blp = portal_blueprint("portal_projects", __name__)

# The page reads its query string with the API list's own schema.
QUERY = ProjectListQuerySchema()
# The table's sortable columns: (sort key, header).
SORTABLE = {
    "title": lazy_gettext("Title"),
    "start_date": lazy_gettext("Start"),
    "end_date": lazy_gettext("End"),
    "budget": lazy_gettext("Budget"),
    "updated_at": lazy_gettext("Updated"),
}
FACET_TITLES = {
    "country": lazy_gettext("Country"),
    "theme": lazy_gettext("Theme"),
    "donor": lazy_gettext("Donor"),
    "implementer": lazy_gettext("Implementer"),
    "status": lazy_gettext("Status"),
}
FIELD_TITLES = {
    **FACET_TITLES,
    "active_on": lazy_gettext("Running on"),
    "start_from": lazy_gettext("Starting on or after"),
    "end_to": lazy_gettext("Ending on or before"),
    "q": lazy_gettext("Words"),
    "sort": lazy_gettext("Sort"),
    "page": lazy_gettext("Page"),
    "per_page": lazy_gettext("Projects per page"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "budget_min": lazy_gettext("Budget from"),
    "budget_max": lazy_gettext("Budget to"),
    "currency": lazy_gettext("Currency"),
}
PAGE_SIZES = (20, 50, 100)
# Not filters of the downloads: they hold every match.
PAGING = ("page", "per_page")


def _as_data(args: MultiDict[str, str]) -> dict[str, Any]:
    """The query string as the schema's input: lists for list fields; empty fields (what a
    GET form sends for an input left blank) left out; names the schema lacks ignored."""
    data: dict[str, Any] = {}
    for name, field in QUERY.fields.items():
        if isinstance(field, ma.fields.List):
            values = [v for v in args.getlist(name) if v.strip()]
            if values:
                data[name] = values
        elif args.get(name, "").strip():
            data[name] = args[name]
    return data


def _messages(errors: Mapping[str, Any]) -> list[str]:
    """Validation errors as sentences a person reads: the field's name, then the problem."""
    found = []
    for name, problems in errors.items():
        if isinstance(problems, Mapping):  # a list field's errors, by position
            problems = [p for item in problems.values() for p in item]
        title = FIELD_TITLES.get(name)
        for problem in problems if isinstance(problems, list) else [problems]:
            text = translate(problem if isinstance(problem, str) else str(problem))
            found.append(f"{title}: {text}" if title else text)
    return found


def _parse() -> tuple[dict[str, Any], list[str]]:
    try:
        return QUERY.load(_as_data(request.args)), []
    except ma.ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"": error.messages}
        return {}, _messages(messages)


def _url(path: str, *, drop: tuple[str, ...] = (), **changes: Any) -> str:
    """``path`` with this page's query, without ``drop`` and with ``changes`` (None removes)."""
    pairs = [
        (k, v) for k, v in request.args.items(multi=True) if k not in changes and k not in drop
    ]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _sorting(sort: str) -> list[dict[str, Any]]:
    headers = []
    for key, title in SORTABLE.items():
        direction = "ascending" if sort == key else "descending" if sort == f"-{key}" else None
        following = f"-{key}" if direction == "ascending" else key
        headers.append(
            {
                "key": key,
                "title": str(title),
                "aria_sort": direction,
                "url": _url(request.path, sort=following, page=None),
            }
        )
    return headers


@page
@blp.route("/projects")
def search() -> ResponseReturnValue:
    """Projects, with the list's filters as facets, sortable and paged; shareable by URL."""
    args, errors = _parse()
    result = None
    if not errors:
        try:
            result = faceted_search(
                get_session(),
                actor=current_actor(),
                filters=ProjectFilters.from_args(args),
                sort=args["sort"],
                page=args["page"],
                per_page=args["per_page"],
            )
        except InvalidInput as error:
            errors = _messages(error.details) or [translate(error.message)]
    context: dict[str, Any] = {
        "args": args,
        "errors": errors,
        "result": result,
        "facet_titles": FACET_TITLES,
        "facet_order": tuple(FACETS),
        "page_sizes": PAGE_SIZES,
        "url": _url,
    }
    if result is not None:
        context.update(
            headers=_sorting(args["sort"]),
            pages=page_count(result.total, args["per_page"]),
            downloads={
                fmt: _url(f"/projects.{fmt}", drop=PAGING) for fmt in ("csv", "xlsx", "iati.xml")
            },
        )
    return render_template("portal/search.html", **context), 422 if errors else 200


def _download(fmt: str) -> ResponseReturnValue:
    args, errors = _parse()
    if errors:
        return page_for(422, " ".join(errors))
    filters = ProjectFilters.from_args(args)
    if fmt == "xml":
        return activities_download(actor=current_actor(), filters=filters, sort=args["sort"])
    return projects_spreadsheet(actor=current_actor(), filters=filters, sort=args["sort"], fmt=fmt)


@page
@blp.route("/projects.csv")
def download_csv() -> ResponseReturnValue:
    """Every project the search matches, as CSV (the API list's export)."""
    return _download("csv")


@page
@blp.route("/projects.xlsx")
def download_xlsx() -> ResponseReturnValue:
    """Every project the search matches, as an Excel workbook (the API list's export)."""
    return _download("xlsx")


@page
@blp.route("/projects.iati.xml")
def download_iati() -> ResponseReturnValue:
    """Every project the search matches, as IATI 2.03 activity XML (the API's export)."""
    return _download("xml")
