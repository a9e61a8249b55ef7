"""Finding projects: the search page with its facets, and its downloads."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from adam.access import page
from adam.errors import InvalidInput
from adam.exports.downloads import projects_spreadsheet
from adam.iati.downloads import activities_download
from adam.paging import page_count
from adam.portal import query
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
PAGE_SIZES = (20, 50, 100)
# Not filters of the downloads: they hold every match.
PAGING = ("page", "per_page")


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
                "url": query.url_with(request.path, sort=following, page=None),
            }
        )
    return headers


@page
@blp.route("/projects")
def search() -> ResponseReturnValue:
    """Projects, with the list's filters as facets, sortable and paged; shareable by URL."""
    args, errors = query.parse(QUERY)
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
            errors = query.messages(error.details) or [translate(error.message)]
    context: dict[str, Any] = {
        "args": args,
        "errors": errors,
        "result": result,
        "facet_titles": query.FILTER_TITLES,
        "facet_order": tuple(FACETS),
        "page_sizes": PAGE_SIZES,
        "url": query.url_with,
    }
    if result is not None:
        context.update(
            headers=_sorting(args["sort"]),
            pages=page_count(result.total, args["per_page"]),
            downloads={
                fmt: query.url_with(f"/projects.{fmt}", drop=PAGING)
                for fmt in ("csv", "xlsx", "iati.xml")
            },
        )
    return render_template("portal/search.html", **context), 422 if errors else 200


def _download(fmt: str) -> ResponseReturnValue:
    args, errors = query.parse(QUERY)
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
