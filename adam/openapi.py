"""The OpenAPI document: what apispec cannot tell from the schemas alone, said once here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from apispec import BasePlugin

from adam.api import Api
from adam.fields import PatchSchema, Text

_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def decimal_bounds_as_numbers(
    self: Any, field: ma.fields.Field, ret: dict[str, Any], **_: Any
) -> dict[str, Any]:
    """apispec writes a Range's bounds as the field serializes them, and Flask's JSON writes a
    Decimal as a string; OpenAPI wants numbers there."""
    if not isinstance(field, ma.fields.Decimal):
        return {}
    return {k: _number(Decimal(ret[k])) for k in _BOUNDS if isinstance(ret.get(k), Decimal | str)}


def nullable_enums(
    self: Any, field: ma.fields.Field, ret: dict[str, Any], **_: Any
) -> dict[str, Any]:
    """A code list given as metadata (adam.reference.codes.enum) on a field that takes null:
    in OpenAPI 3.0 null must then be one of the values, or ``nullable`` says nothing."""
    values = ret.get("enum")
    if ret.get("nullable") and isinstance(values, list) and None not in values:
        return {"enum": [*values, None]}
    return {}


# What adam.fields.Text refuses, as a pattern (ECMA and Python read \x the same way).
NO_NUL = r"^[^\x00]*$"
ONE_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def text_characters(
    self: Any, field: ma.fields.Field, ret: dict[str, Any], **_: Any
) -> dict[str, Any]:
    """Text refuses NUL, and on one line other control characters too; where a field has no
    pattern of its own, the document says so."""
    if not isinstance(field, Text) or "pattern" in ret or "enum" in ret:
        return {}
    return {"pattern": ONE_LINE if field.single_line else NO_NUL}


class PatchBodies(BasePlugin):
    """A PATCH body must name at least one field (adam.fields.PatchSchema refuses ``{}``)."""

    def schema_helper(
        self, name: str, definition: dict[str, Any], schema: Any = None, **_: Any
    ) -> dict[str, Any] | None:
        schema_class = schema if isinstance(schema, type) else type(schema)
        if isinstance(schema_class, type) and issubclass(schema_class, PatchSchema):
            return {"minProperties": 1}
        return None


def init_app(api: Api) -> None:
    api.ma_plugin.converter.add_attribute_function(decimal_bounds_as_numbers)
    api.ma_plugin.converter.add_attribute_function(nullable_enums)
    api.ma_plugin.converter.add_attribute_function(text_characters)
    plugin = PatchBodies()
    plugin.init_spec(api.spec)
    api.spec.plugins.append(plugin)  # Components holds this same list
