"""Who is signed in: the portal's cookie, resumed into the actor the services take.

The cookie carries a random token whose session row the server can end (sign-out, idling,
deactivation, a new password); CSRF is checked on every write a page makes.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from adam.auth import portal_sessions
from adam.auth.actor import Actor
from adam.auth.models import User
from adam.session import get_session, get_settings
from adam.web import request_access

COOKIE = "adam_session"
csrf = CSRFProtect()


def _resume() -> ResponseReturnValue | None:
    access = request_access()
    if request.endpoint is None or access.by != "session":
        return None
    token = request.cookies.get(COOKIE)
    user = None
    if token:
        db = get_session()
        idle = dt.timedelta(minutes=get_settings().portal.idle_minutes)
        user = portal_sessions.resume(db, token, idle=idle)
        if db.dirty:
            db.commit()
    if user is not None:
        g.portal_user = user
        g.actor = Actor.from_user(user)
    elif not access.public:
        target = url_for("portal_account.sign_in", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            # htmx swaps answers into the page; it follows this header instead.
            return Response(status=401, headers={"HX-Redirect": target})
        return redirect(target)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        csrf.protect()
    return None


def sign_in(response: Response, user: User) -> Response:
    """Start a session for ``user`` on ``response``: a new token, and a new Flask session so
    nothing set before sign-in (a CSRF secret an attacker planted) carries over."""
    token = portal_sessions.start(get_session(), user)
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    settings = get_settings().portal
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


def sign_out(response: Response) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        portal_sessions.end(get_session(), token)
    session.clear()
    response.delete_cookie(COOKIE, path="/")
    return response


def current_token() -> str | None:
    return request.cookies.get(COOKIE)


def current_user() -> User | None:
    user: User | None = g.get("portal_user")
    return user


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: an open redirect would lend the portal's name to phishing."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def init_app(app: Flask) -> None:
    settings = get_settings(app).portal
    app.config.update(
        # Flask's own (signed) session holds the CSRF secret, the language before sign-in
        # and one-time messages; never who is signed in.
        SESSION_COOKIE_NAME="adam_portal",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # Writes are checked in _resume, for the portal's pages only: the API's callers send
        # bearer tokens, which a browser does not add by itself.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    app.before_request(_resume)
