"""Errors on pages: a page in the reader's language, with the status the API would give."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from adam.errors import AdamError
from adam.portal.i18n import translate
from adam.session import rollback_request_session


def _titles() -> dict[int, str]:
    return {
        400: gettext("The request could not be understood."),
        401: gettext("Please sign in."),
        403: gettext("You may not do this."),
        404: gettext("This page does not exist."),
        405: gettext("This page does not accept that."),
        409: gettext("Someone changed this meanwhile."),
        412: gettext("Someone changed this meanwhile."),
        413: gettext("The file is larger than the portal accepts."),
        422: gettext("Some fields need attention."),
        429: gettext("Too many attempts. Wait a few minutes, then try again."),
    }


def page_for(status: int, message: str | None = None) -> tuple[str, int]:
    title = _titles().get(status, gettext("Something went wrong; it has been logged."))
    return render_template("portal/error.html", status=status, title=title, message=message), status


def _adam_error(error: AdamError) -> tuple[str, int]:
    rollback_request_session()
    return page_for(error.status, translate(error.message))


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return page_for(
        400, gettext("The form had expired. Go back, reload the page and send it again.")
    )


def _rate_limited(error: RateLimitExceeded) -> tuple[str, int]:
    return page_for(429)


def _http_error(error: HTTPException) -> tuple[str, int]:
    rollback_request_session()
    return page_for(error.code or 500)


def register(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(AdamError, _adam_error)
    blueprint.register_error_handler(CSRFError, _csrf_error)
    blueprint.register_error_handler(RateLimitExceeded, _rate_limited)
    blueprint.register_error_handler(HTTPException, _http_error)


def _routing_error(error: HTTPException) -> ResponseReturnValue:
    """An address no view answers: a page for people, the JSON error under /api/."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return current_app.extensions["adam.api"].handle_http_exception(error)
    return page_for(error.code or 404)


def register_routing_errors(app: Flask) -> None:
    for error in (NotFound, MethodNotAllowed):
        app.register_error_handler(error, _routing_error)
