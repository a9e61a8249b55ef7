"""A page's query string read with an API schema, its errors as sentences, and links to it.

The search, the statistics, the map and the country page read their filters this way, so the
same URL means the same projects on every page and in the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from flask_babel import lazy_gettext
from werkzeug.datastructures import MultiDict

from adam.portal.i18n import translate

FILTER_TITLES = {
    "country": lazy_gettext("Country"),
    "theme": lazy_gettext("Theme"),
    "donor": lazy_gettext("Donor"),
    "implementer": lazy_gettext("Implementer"),
    "status": lazy_gettext("Status"),
}
FIELD_TITLES = {
    **FILTER_TITLES,
    "active_on": lazy_gettext("Running on"),
    "start_from": lazy_gettext("Starting on or after"),
    "end_to": lazy_gettext("Ending on or before"),
    "year": lazy_gettext("Year"),
    "q": lazy_gettext("Words"),
    "sort": lazy_gettext("Sort"),
    "page": lazy_gettext("Page"),
    "per_page": lazy_gettext("Projects per page"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "budget_min": lazy_gettext("Budget from"),
    "budget_max": lazy_gettext("Budget to"),
    "currency": lazy_gettext("Currency"),
}


def as_data(schema: ma.Schema, args: MultiDict[str, str]) -> dict[str, Any]:
    """The query string as the schema's input: lists for list fields; empty fields (what a
    GET form sends for an input left blank) left out; names the schema lacks ignored."""
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if isinstance(field, ma.fields.List):
            values = [v for v in args.getlist(name) if v.strip()]
            if values:
                data[name] = values
        elif args.get(name, "").strip():
            data[name] = args[name]
    return data


def messages(errors: Mapping[str, Any], titles: Mapping[str, Any] = FIELD_TITLES) -> list[str]:
    """Validation errors as sentences a person reads: the field's name, then the problem."""
    found = []
    for name, problems in errors.items():
        if isinstance(problems, Mapping):  # a list field's errors, by position
            problems = [p for item in problems.values() for p in item]
        title = titles.get(name)
        for problem in problems if isinstance(problems, list) else [problems]:
            text = translate(problem if isinstance(problem, str) else str(problem))
            found.append(f"{title}: {text}" if title else text)
    return found


def parse(
    schema: ma.Schema,
    titles: Mapping[str, Any] = FIELD_TITLES,
    hints: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """This request's query loaded by ``schema``, or no arguments and the errors (a field
    of ``hints`` refused says its hint instead of the schema's words)."""
    try:
        return schema.load(as_data(schema, request.args)), []
    except ma.ValidationError as error:
        found = error.messages if isinstance(error.messages, dict) else {"": error.messages}
        if hints:
            found = {
                name: [str(hints[name])] if name in hints else problems
                for name, problems in found.items()
            }
        return {}, messages(found, titles)


def chosen(*names: str) -> dict[str, set[str]]:
    """The values this request's query chose for each filter of ``names``, case-folded (so a
    form can tick them)."""
    return {
        name: {v.strip().lower() for v in request.args.getlist(name) if v.strip()} for name in names
    }


def url_with(path: str, *, drop: tuple[str, ...] = (), **changes: Any) -> str:
    """``path`` with this page's query, without ``drop`` and with ``changes`` (None removes)."""
    pairs = [
        (k, v) for k, v in request.args.items(multi=True) if k not in changes and k not in drop
    ]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    return f"{path}?{urlencode(pairs)}" if pairs else path
