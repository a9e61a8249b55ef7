"""Errors named by meaning, raised by services; only the HTTP layer turns them into statuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


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
