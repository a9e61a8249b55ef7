"""marshmallow fields shared by the API's schemas."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma

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
