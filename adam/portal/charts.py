"""Charts of the stats answers: what ``chart_figure`` (templates/portal/charts.html) needs
besides the answer itself.

A page runs a stats service, gives its answer (``adam.stats.answers.table_answer`` or
``timeline_answer``) to ``figure_of`` and both to the macro: the title (what, the filters in
words, the date), the groups' names in the reader's language, the links to their projects, and
the table under the chart with its numbers formatted for the reader.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import format_date, format_decimal, gettext, lazy_gettext

from adam.errors import N_
from adam.portal import query
from adam.portal.i18n import label, localized, translate

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


def projects_link(
    row: dict[str, Any], by: list[str], *, drop: tuple[str, ...] = CHART_FIELDS, **changes: Any
) -> str | None:
    """The projects list with this page's filters (without ``drop``, the page's own fields)
    and the row's groups (None when a group is not a filter of the list, a start year)."""
    for dimension in by:
        code = key_code(dimension, row.get(dimension))
        if code is None:
            return None
        changes[dimension] = code
    return query.url_with("/projects", drop=drop, **changes)


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
    projects_drop: tuple[str, ...] = CHART_FIELDS,
    projects_filters: dict[str, Any] | None = None,
    every_year: bool = False,
) -> dict[str, Any]:
    """What ``chart_figure`` (templates/portal/charts.html) draws besides the answer: title,
    texts in the reader's language, names of the groups, links to their projects.

    The links to a group's projects carry this page's query without ``projects_drop``, plus
    ``projects_filters`` (a page whose path names a filter, e.g. a country's page). With
    ``every_year`` the table of a timeline without groups has a row for each year of its span,
    zeros in a year without projects, as its chart has."""
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
    extra = projects_filters or {}
    if kind == "timeline":
        links = [
            projects_link(row, by, drop=projects_drop, **extra, year=row["year"])
            for row in answer["rows"]
        ]
    else:
        links = [projects_link(row, by, drop=projects_drop, **extra) for row in answer["rows"]]
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
        "table": _table(answer, kind, by, names, links, every_year=every_year and not by),
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
    *,
    every_year: bool = False,
) -> dict[str, Any]:
    """The answer as the table under the chart: header cells, rows (the first cell heads its
    row), and the totals of the filtered projects; numbers formatted for the reader.
    ``every_year``: a row for each year of a timeline's span (zeros where it has none)."""
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
        if every_year:
            found = {row["year"]: cells for row, cells in zip(answer["rows"], rows, strict=True)}
            zero = [_cell(0, number=True)] * 3 + [_cell("", number=True) for _ in currencies]
            rows = [found.get(year) or [_cell(year), *zero] for year in answer["years"]]
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
