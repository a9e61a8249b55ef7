"""Request-level glue shared by the routes: the current actor, the transaction, content types."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import UnsupportedMediaType

from adam.access import Access, access_of
from adam.auth import service as auth_service
from adam.auth.actor import Actor
from adam.errors import N_, Unauthorized
from adam.session import get_session

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def request_access() -> Access:
    """What the view this request was routed to declares (``adam.access``)."""
    return access_of(current_app.view_functions.get(request.endpoint or ""))


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:  # pragma: no cover - authenticate() runs first on every protected route
        raise Unauthorized(N_("Authentication required."))
    return actor


def commit() -> None:
    get_session().commit()


def _authenticate() -> None:
    # No endpoint: routing failed, and its 404 or 405 answers without a token. The portal's
    # pages recognise people by their sign-in cookie (adam.portal.signin).
    access = request_access()
    if request.endpoint is None or access.public or access.by == "session":
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            N_("Send 'Authorization: Bearer <token>'; get a token with POST /api/v1/auth/tokens.")
        )
    user, record = auth_service.authenticate_token(get_session(), token.strip())
    g.actor = Actor.from_user(user)
    g.token = record


def _require_json_body() -> None:
    if request.method not in BODY_METHODS or request.endpoint is None:
        return
    accepts = request_access().accepts
    if accepts == "form":
        return  # a web form: Flask parses it, and the portal's CSRF check guards it
    if accepts == "multipart":
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType(
                "Send the file as multipart/form-data (a 'file' field), not "
                f"{request.mimetype or 'no content type'}."
            )
        return
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
    if has_body and not request.is_json:
        raise UnsupportedMediaType(
            f"Send the body as JSON (Content-Type: application/json), not "
            f"{request.mimetype or 'no content type'}."
        )


def _no_store(response: Response) -> Response:
    # Responses carry data visible only to the caller; shared caches must not keep them.
    if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_authenticate)
    app.before_request(_require_json_body)
    app.after_request(_no_store)
