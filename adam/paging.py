"""One way to page a list: the query's ``page`` and ``per_page``, the statement's slice, and
the answer's envelope ``{"items", "page", "per_page", "total"}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVarTuple

import marshmallow as ma
from marshmallow import validate
from sqlalchemy import Select

# Deep pages are refused: an offset of millions scans as many rows for nothing.
MAX_PAGE = 100_000
MAX_PER_PAGE = 100

_Columns = TypeVarTuple("_Columns")


class PageQuerySchema(ma.Schema):
    """A list's paging parameters, 20 a page unless asked otherwise."""

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class LongPageQuerySchema(PageQuerySchema):
    """Paging for lists of short rows (organizations, deliveries): 50 a page."""

    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The answer schema of a list of ``item`` (``name`` is its OpenAPI component's name)."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item)),
            "page": ma.fields.Integer(),
            "per_page": ma.fields.Integer(),
            "total": ma.fields.Integer(),
        },
        name=name,
    )


def one_page(statement: Select[*_Columns], *, page: int, per_page: int) -> Select[*_Columns]:
    """``statement`` narrowed to page ``page`` (from 1) of ``per_page`` rows."""
    return statement.limit(per_page).offset((page - 1) * per_page)


def page_answer(items: Sequence[Any], total: int, args: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope a list answers, for the page ``args`` asked for."""
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill, ``per_page`` a page; an empty list has one page."""
    return max(1, -(-total // per_page))
