"""marshmallow fields shared by the API's schemas."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import marshmallow as ma

from adam.errors import N_

# NUL cannot be stored in PostgreSQL text; other C0 controls in a one-line field are garbage.
_NUL = "\x00"
# Half a UTF-16 pair ("\ud800" in JSON) is no character: no database can store it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Text(ma.fields.String):
    """A string kept as given (any script) but without NUL; ``single_line`` refuses controls."""

    def __init__(self, *, single_line: bool = False, strip: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.single_line = single_line
        self.strip = strip

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _NUL in text or (self.single_line and _LINE_CONTROLS.search(text)):
            raise ma.ValidationError("Contains control characters.")
        if _SURROGATE.search(text):
            raise ma.ValidationError("Contains an unpaired UTF-16 surrogate.")
        if self.strip:
            text = text.strip()
        return text


class CodeList(ma.fields.List):
    """A list of codes that also accepts one comma-separated string (``?country=AF,TJ``)."""

    def __init__(self, inner: ma.fields.Field | None = None, **kwargs: Any) -> None:
        super().__init__(inner or Text(single_line=True, strip=True), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = [part for v in value for part in v.split(",") if part.strip()]
        items = super()._deserialize(value, attr, data, **kwargs)
        seen: set[Any] = set()
        unique = []
        for item in items:
            key = item.lower() if isinstance(item, str) else item
            if key not in seen:
                seen.add(key)
                unique.append(item)
        return unique


class StrictList(ma.fields.List):
    """A JSON list of codes, de-duplicated in order (a code given twice counts once)."""

    def __init__(self, inner: ma.fields.Field | None = None, **kwargs: Any) -> None:
        super().__init__(inner or Text(single_line=True, strip=True), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        items = super()._deserialize(value, attr, data, **kwargs)
        seen: set[Any] = set()
        unique = []
        for item in items:
            key = item.lower() if isinstance(item, str) else item
            if key not in seen:
                seen.add(key)
                unique.append(item)
        return unique


class FilePart(ma.fields.Field):
    """A file part of a multipart/form-data body (anything with ``stream`` and ``filename``)."""

    default_error_messages = {
        "invalid": "Send a file in this field (multipart/form-data), not text.",
        "empty": "No file was chosen.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"type": "string", "format": "binary"})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not hasattr(value, "stream") or not hasattr(value, "filename"):
            raise self.make_error("invalid")
        if not value.filename:  # what a browser sends when no file was picked
            raise self.make_error("empty")
        return value


class StrictBoolean(ma.fields.Boolean):
    """A JSON ``true`` or ``false`` and nothing else: ``0``, ``1`` or ``"yes"`` are not booleans
    (marshmallow's Boolean takes them, and ``1 in {True}`` holds in Python)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(ma.fields.Boolean):
    """A boolean in a query string: ``true``/``false`` (as the document says) or ``1``/``0``."""

    truthy = {"true", "1"}
    falsy = {"false", "0"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in self.truthy:
            return True
        if isinstance(value, str) and value.lower() in self.falsy:
            return False
        raise self.make_error("invalid", input=value)


class PatchSchema(ma.Schema):
    """A PATCH body: only the fields sent change, and at least one must be sent (the OpenAPI
    document says ``minProperties: 1``; adam.openapi)."""

    @ma.validates_schema(pass_original=True)
    def _something_to_change(self, _data: Any, original: Any, **_: Any) -> None:
        if not original:
            raise ma.ValidationError(N_("Send at least one field to change."))


class Money(ma.fields.Decimal):
    """An amount as a JSON string of digits with at most two decimal places, e.g.
    ``"1250000.00"``: as the API writes amounts, and exact (a JSON number may not be). The
    OpenAPI document gives the pattern, which is the whole rule with ``maximum``."""

    # No sign, no exponent, no leading zeros; at most 16 digits before the point (whole cents
    # in a 64-bit integer, adam.db.Money).
    PATTERN = r"^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$"

    default_error_messages = {
        "not_text": 'Give the amount as a string of digits, e.g. "1250000.00".',
        "negative": "The budget cannot be negative.",
        "places": "Use at most two decimal places.",
        "too_large": "The budget is implausibly large.",
        "format": 'Write the amount as plain digits, e.g. "1250000.00".',
    }

    def __init__(self, *, maximum: Decimal, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"type": "string", "pattern": self.PATTERN})
        super().__init__(as_string=True, allow_nan=False, **kwargs)
        self.maximum = maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("not_text")
        number = super()._deserialize(value, attr, data, **kwargs)
        if re.fullmatch(self.PATTERN, value) and number <= self.maximum:
            return number
        exponent = number.as_tuple().exponent
        if number < 0:
            raise self.make_error("negative")
        if isinstance(exponent, int) and exponent < -2:
            raise self.make_error("places")
        if number > self.maximum:
            raise self.make_error("too_large")
        raise self.make_error("format")
