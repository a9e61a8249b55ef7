"""Errors named by meaning, raised by services; only the HTTP layer turns them into statuses."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any


class Text(str):
    """A message in English that keeps its template and values, so that a page or an API
    answer can give it in its reader's language (``adam.portal.i18n.translate``)."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: Mapping[str, Any]) -> Text:
        text = super().__new__(cls, template % values if values else template)
        text.template = template
        text.values = dict(values)
        return text


def N_(template: str, **values: Any) -> Text:
    """A message for the translation catalogue (``./dev messages`` extracts the template):
    ``N_("Unknown country code: %(code)s.", code=code)`` reads as the English text."""
    return Text(template, values)


class AdamError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = {key: list(value) for key, value in (details or {}).items()}


class InvalidInput(AdamError):
    """The request is well-formed but names things that do not exist or break a rule."""

    status = 422
    code = "validation_error"


class NotFound(AdamError):
    status = 404
    code = "not_found"


class Forbidden(AdamError):
    status = 403
    code = "forbidden"


class Unauthorized(AdamError):
    status = 401
    code = "unauthorized"


class Conflict(AdamError):
    status = 409
    code = "conflict"


class PreconditionFailed(AdamError):
    """The client's copy is stale: someone changed the record since it was read."""

    status = 412
    code = "precondition_failed"


class PreconditionRequired(AdamError):
    status = 428
    code = "precondition_required"


# --- Errors as text: one rule for the API's details, the import report and the command line ---

# The key of messages about the request (or a record) as a whole, not one of its fields.
WHOLE = "_request"


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"budget.amount": ["..."]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":  # marshmallow's key for "this object as a whole"
                name = prefix or "_request"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for inner_key, inner_value in flatten_messages(value, name).items():
                flat.setdefault(inner_key, []).extend(inner_value)
    elif isinstance(messages, list | tuple):
        # A str is kept as it is: a Text still knows its template, for translation.
        texts = [
            m if isinstance(m, str) else str(m)
            for m in messages
            if not isinstance(m, Mapping | list | tuple)
        ]
        if texts:
            flat.setdefault(prefix or "_request", []).extend(texts)
        for item in messages:
            if isinstance(item, Mapping | list | tuple):
                for inner_key, inner_value in flatten_messages(item, prefix).items():
                    flat.setdefault(inner_key, []).extend(inner_value)
    else:
        text = messages if isinstance(messages, str) else str(messages)
        flat.setdefault(prefix or "_request", []).append(text)
    return flat


def messages_text(messages: Any, *, bare: Collection[str] = (WHOLE,)) -> str:
    """Field messages as one line, ``budget.amount: Not a number.; countries: ...``; the
    messages of the fields in ``bare`` without their name."""
    return "; ".join(
        " ".join(texts) if field in bare else f"{field}: {' '.join(texts)}"
        for field, texts in flatten_messages(messages).items()
    )


def error_text(error: AdamError) -> str:
    """An error as one line: its message, then what it says of each field."""
    return f"{error.message} {messages_text(error.details)}".strip()
