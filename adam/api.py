"""The flask-smorest Api and Blueprint, wrapped once so every error has one JSON shape.

Every non-2xx answer is ``{"error": {"status", "code", "message", "details"}}``; ``details``
maps a field (dotted for nested ones, e.g. ``budget.amount``) to its messages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import flask_smorest
import marshmallow as ma
from flask import Flask, Response, jsonify
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from adam.errors import N_, AdamError, flatten_messages
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
    status = ma.fields.Integer()
    code = ma.fields.String()
    message = ma.fields.String()
    details = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))


class ErrorSchema(ma.Schema):
    """The error envelope (documentation only)."""

    error = ma.fields.Nested(ErrorBodySchema)


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
