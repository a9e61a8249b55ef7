"""The flask-smorest Api and Blueprint, wrapped once so every error has one JSON shape.

Every non-2xx answer is ``{"error": {"status", "code", "message", "details"}}``; ``details``
maps a field (dotted for nested ones, e.g. ``budget.amount``) to its messages.
"""

from __future__ import annotations

import http
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import flask_smorest
import marshmallow as ma
from apispec import BasePlugin
from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from adam import etags
from adam.errors import N_, AdamError, flatten_messages
from adam.portal.i18n import label as label  # for routes, which may not reach the portal
from adam.portal.i18n import language as language
from adam.portal.i18n import translate
from adam.session import rollback_request_session

log = logging.getLogger(__name__)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}

DEFAULT_MESSAGES = {
    400: N_("The request is malformed."),
    413: N_("The request body is larger than this service accepts."),
    422: N_("The request has invalid fields; see details."),
}


class ErrorBodySchema(ma.Schema):
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    details = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True
    )


class ErrorSchema(ma.Schema):
    """The error envelope (documentation only)."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)


def if_match(*, required: bool) -> dict[str, Any]:
    """The If-Match header parameter, for ``Blueprint.doc(parameters=[...])``: its presence
    documents 412 (and 428 when required) on the operation, by ERROR_RESPONSES."""
    return {
        "in": "header",
        "name": "If-Match",
        "required": required,
        # Blank counts as absent (428): a value has something other than white space.
        "schema": {"type": "string", "pattern": r"\S"},
        "description": "The ETag of the version you read (GET answers it); * for any version",
    }


def if_none_match(what: str) -> dict[str, Any]:
    """The If-None-Match header parameter of a read that answers 304 for ``what`` ("the
    need's"), for ``Blueprint.doc(parameters=[...])``."""
    return {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": f"ETags you hold; 304 when one is {what}",
    }


def link(method: str, path: str, parameters: Mapping[str, str]) -> dict[str, Any]:
    """An OpenAPI link to the operation ``method path`` (its full path, /api/v1 included),
    for ``Blueprint.doc(responses={201: {"links": {...}}})``: clients and fuzzers then know
    that an id (or ETag) an answer gives is what that operation takes."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": dict(parameters)}


# --- Answers that carry a versioned record -------------------------------------------------

NOT_MODIFIED = "Not modified (If-None-Match held the ETag)."

T = TypeVar("T")


class Versioned(Protocol):
    """A record whose ETag is its id and version (a project, a need, an event, ...)."""

    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


def etag_header(record: Versioned) -> dict[str, str]:
    """The headers of an answer carrying ``record``: its ETag, what If-Match then takes."""
    return {"ETag": etags.etag(record.id, record.version)}


def created_headers(record: Versioned, location: str) -> dict[str, str]:
    """The headers of a 201 answer: the new record's ETag and where to read it."""
    return {**etag_header(record), "Location": location}


def read_answer(answer: T, record: Versioned) -> tuple[T, int, dict[str, str]] | Response:
    """A read of ``record`` answering ``answer``: 304 (with the ETag, no body) when the
    request's If-None-Match already holds this version, else 200."""
    if etags.matches(request.headers.get("If-None-Match"), record.id, record.version):
        return Response(status=304, headers=etag_header(record))
    return answer, 200, etag_header(record)


# --- The errors each operation documents ---------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """What the rules below look at: one operation of the document, as apispec holds it."""

    method: str
    path: str
    doc: Mapping[str, Any]

    @property
    def has_body(self) -> bool:
        return "requestBody" in self.doc

    @property
    def has_path_parameters(self) -> bool:
        return "{" in self.path

    @property
    def has_query_parameters(self) -> bool:
        return any(
            isinstance(p, Mapping) and p.get("in") == "query"
            for p in self.doc.get("parameters", [])
        )

    @property
    def answers_several_formats(self) -> bool:
        """Some success answers in more than one media type (JSON, CSV, Excel), by Accept."""
        return any(
            str(status).startswith("2") and len(response.get("content", {})) > 1
            for status, response in self.doc.get("responses", {}).items()
            if isinstance(response, Mapping)
        )

    def has_header(self, name: str, *, required: bool | None = None) -> bool:
        return any(
            isinstance(p, Mapping)
            and p.get("in") == "header"
            and p.get("name", "").lower() == name.lower()
            and (required is None or bool(p.get("required")) == required)
            for p in self.doc.get("parameters", [])
        )


def _always(_operation: Operation) -> bool:
    return True


def _writes(operation: Operation) -> bool:
    return operation.method in {"post", "put", "patch", "delete"}


# Every error status an operation may answer and which operations answer it, in one table:
# an error that every route gains (a rate limit's 429, say) is one more line here.
ERROR_RESPONSES: tuple[tuple[int, Callable[[Operation], bool]], ...] = (
    # Malformed JSON or multipart, a body too large, or one of another media type.
    (400, lambda op: op.has_body),
    (413, lambda op: op.has_body),
    (415, lambda op: op.has_body),
    # No token, or one expired or revoked (POST /auth/tokens: wrong password).
    (401, _always),
    # The caller's role may not do this (adam.auth.permissions).
    (403, _always),
    (404, lambda op: op.has_path_parameters),
    # An Accept header that allows none of the formats the operation answers in.
    (406, lambda op: op.answers_several_formats),
    # A natural key taken, or a race lost to another request (adam.api's IntegrityError handler).
    (409, _writes),
    # If-Match that names another version / no If-Match where one is required (projects).
    (412, lambda op: op.has_header("If-Match")),
    (428, lambda op: op.has_header("If-Match", required=True)),
    # Invalid fields, in the query or in the body, or a rule the service checks.
    (422, lambda op: op.has_query_parameters or _writes(op)),
    # The database is not answering.
    (503, _always),
)


class ErrorResponses(BasePlugin):
    """apispec plugin: documents on each operation the error statuses ERROR_RESPONSES gives it,
    each as flask-smorest's response component of that status (the error envelope)."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any
    ) -> None:
        for method, doc in (operations or {}).items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operation = Operation(method, path or "", doc)
            responses = doc.setdefault("responses", {})
            for status, applies in ERROR_RESPONSES:
                if applies(operation) and str(status) not in responses and status not in responses:
                    responses[str(status)] = http.HTTPStatus(status).name


def error_response(
    status: int,
    message: str,
    details: Mapping[str, list[str]] | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    # The message in the language of Accept-Language, where the catalogue has it; the code
    # stays as it is, for programs.
    body = {
        "error": {
            "status": status,
            "code": code or ERROR_CODES.get(status, "error"),
            "message": translate(message),
            "details": {k: [translate(m) for m in v] for k, v in (details or {}).items()},
        }
    }
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema
    # Each operation lists the errors it gives (ERROR_RESPONSES), so a client and a fuzzer can
    # tell an undocumented status from a documented one; a catch-all "default" would hide that.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        plugin = ErrorResponses()
        plugin.init_spec(self.spec)
        self.spec.plugins.append(plugin)

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        details: dict[str, list[str]] = {}
        messages = data.get("errors") or data.get("messages")
        if messages:
            # webargs keys messages by location ("json", "query"); users need the field names.
            if isinstance(messages, Mapping) and set(messages) <= {
                "json",
                "query",
                "form",
                "files",
            }:
                for location_messages in messages.values():
                    for key, value in flatten_messages(location_messages).items():
                        details.setdefault(key, []).extend(value)
            else:
                details = flatten_messages(messages)
        message = data.get("message")
        if status == 400 and details.get("_request") == ["Invalid JSON body."]:
            message, details = N_("The request body is not valid JSON."), {}
        if not message:
            message = DEFAULT_MESSAGES.get(status) or error.description or error.name
        if status >= 500:
            log.error("HTTP %s: %s", status, error)
        # Keep the exception's own headers (Allow on 405, Retry-After...), not its HTML type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        return error_response(status, message, details, headers=headers)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AdamError)
    def _adam_error(error: AdamError) -> Response:
        rollback_request_session()
        headers = {"WWW-Authenticate": 'Bearer realm="adam"'} if error.status == 401 else None
        return error_response(
            error.status, error.message, error.details, code=error.code, headers=headers
        )

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError) -> Response:
        rollback_request_session()
        # Services check natural keys first; this catches the race where two requests
        # insert the same key at once. Nothing was written: the transaction rolled back.
        log.info("integrity error: %s", error.orig)
        return error_response(409, N_("The request conflicts with data stored meanwhile; retry."))

    @app.errorhandler(OperationalError)
    def _operational_error(error: OperationalError) -> Response:
        log.exception("database unavailable")
        return error_response(503, N_("The database is not answering; retry shortly."))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        rollback_request_session()
        if isinstance(error, HTTPException):
            return app.extensions["adam.api"].handle_http_exception(error)
        log.exception("unhandled error")
        return error_response(500, N_("An unexpected error occurred; it has been logged."))


class Blueprint(flask_smorest.Blueprint):
    """Project-wide blueprint (one place to change behaviour shared by every resource)."""
