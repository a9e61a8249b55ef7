"""Rate limits (OWASP API4): one Flask-Limiter per app, counting in memory or in Redis.

Three budgets, each counted where ``RATE_LIMIT_STORAGE`` says:

- failed password attempts, per account tried and per client address, one budget for every
  view that takes a password (the portal's sign-in and ``POST /auth/tokens``), so a guesser
  gains nothing by switching between them; a success costs nothing;
- tokens issued, per account;
- the API's requests with a bearer token, per account: its tokens share one budget, so
  issuing more tokens buys no more requests. Requests without a token (the health checks,
  the OpenAPI document, ``POST /auth/tokens``) are not counted in it.

A view that takes a password says so (``@takes_password``), as views declare their access
(``adam.access``); ``init_app`` puts the limits on the app's own limiter, so two apps in one
process (the tests) count apart, and two processes sharing one Redis count together.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.errors import RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix

from adam.api import ErrorSchema, error_response
from adam.errors import N_, Text
from adam.session import get_settings

View = TypeVar("View", bound=Callable[..., Any])

EXTENSION = "adam.limiter"
_ATTRIBUTE = "adam_limits"
_RETRY_AFTER = "adam.retry_after"
REDIS_TIMEOUTS: dict[str, str | int] = {"socket_connect_timeout": 1, "socket_timeout": 1}
# The budgets' names in the storage's keys (and in a 429's message).
PASSWORD_ACCOUNT = "password-account"
PASSWORD_ADDRESS = "password-address"
TOKENS_ISSUED = "tokens-issued"
API_REQUESTS = "api"

# How the OpenAPI document describes a limited operation's 429 (``blp.alt_response``).
TOO_MANY_REQUESTS: dict[str, Any] = {
    "schema": ErrorSchema,
    "description": "A rate limit is reached (code too_many_requests); wait the seconds "
    "Retry-After says.",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


@dataclass(frozen=True)
class TakesPassword:
    account: Callable[[], str]
    issues_tokens: bool


def takes_password(
    *, account: Callable[[], str], issues_tokens: bool = False
) -> Callable[[View], View]:
    """The view checks a password and answers 401 to a wrong one: failed attempts are limited
    per account (``account()`` names the one the request tries) and per client address; with
    ``issues_tokens``, the tokens it issues (201) are limited per account too."""

    def declare(view: View) -> View:
        # On the function Flask registered (flask-smorest's route() returns it), as adam.access.
        setattr(view, _ATTRIBUTE, TakesPassword(account, issues_tokens))
        return view

    return declare


def basic_username() -> str:
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        return ""
    return credentials.username or ""


def form_email() -> str:
    return request.form.get("email", "")


def client_address() -> str:
    # With TRUSTED_PROXY_COUNT set, ProxyFix has put the client's address here already.
    return request.remote_addr or "127.0.0.1"


def init_app(app: Flask) -> None:
    """Call after every blueprint is registered (the declarations are read from the views)
    and after ``adam.web.init_app`` (the API's budget counts the authenticated account)."""
    settings = get_settings(app).limits
    if settings.trusted_proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxy_count
        )
    limiter = Limiter(
        key_func=client_address,
        storage_uri=settings.storage,
        # Redis that does not answer (a host gone, not one refusing) would hold every request
        # for the system's connect timeout, minutes; a query in the URL still wins.
        storage_options=REDIS_TIMEOUTS
        if settings.storage.startswith(("redis:", "rediss:"))
        else {},
        headers_enabled=True,
        key_prefix="adam",
        application_limits=[
            ApplicationLimit(
                lambda: get_settings().limits.api_per_account,
                key_function=_token_account,
                exempt_when=_without_token,
                scope=API_REQUESTS,
            )
        ],
        # Redis unreachable: count in each process meanwhile, rather than answer 500.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    # After-request hooks run last registered first: this one, registered before the
    # limiter's, has the last word on Retry-After.
    app.after_request(_retry_after_header)
    limiter.init_app(app)
    for endpoint, view in list(app.view_functions.items()):
        declared = getattr(view, _ATTRIBUTE, None)
        if isinstance(declared, TakesPassword):
            app.view_functions[endpoint] = _limited(limiter, view, declared)


def _limited(limiter: Limiter, view: Callable[..., Any], declared: TakesPassword) -> Any:
    def account() -> str:
        # As adam.auth.service looks the account up; hashed, so Redis keeps no e-mail address.
        name = declared.account().strip().lower()
        return hashlib.sha256(name.encode()).hexdigest()[:32] if name else client_address()

    limits = [
        limiter.shared_limit(
            lambda: get_settings().limits.sign_in_per_account,
            scope=PASSWORD_ACCOUNT,
            key_func=account,
            methods=["POST"],
            deduct_when=_refused,
        ),
        limiter.shared_limit(
            lambda: get_settings().limits.sign_in_per_address,
            scope=PASSWORD_ADDRESS,
            methods=["POST"],
            deduct_when=_refused,
        ),
    ]
    if declared.issues_tokens:
        limits.append(
            limiter.shared_limit(
                lambda: get_settings().limits.tokens_per_account,
                scope=TOKENS_ISSUED,
                key_func=account,
                methods=["POST"],
                deduct_when=_issued,
            )
        )
    for limit in limits:
        view = limit(view)
    return view


def _refused(response: Response) -> bool:
    # A good password signs in (303 or 201); only refusals count against the guesses.
    return response.status_code == 401


def _issued(response: Response) -> bool:
    return response.status_code == 201


def _token_account() -> str:
    return f"account-{g.actor.user_id}"


def _without_token() -> bool:
    return g.get("token") is None


def _limiter() -> Limiter:
    limiter: Limiter = current_app.extensions[EXTENSION]
    return limiter


def seconds_to_wait() -> int:
    """Whole seconds until the limit this request broke lifts. One more than the whole
    seconds left: Redis gives a key's time to live rounded to the nearest second, so
    rounding up alone could send a client back half a second early."""
    # Kept with the request, so its message and its header say the same number.
    found: int | None = request.environ.get(_RETRY_AFTER)
    if found is None:
        breached = _limiter().current_limit
        reset = breached.window[0] if breached is not None else time.time()
        found = request.environ[_RETRY_AFTER] = max(1, int(reset - time.time()) + 1)
    return found


def _message(scope: Any, seconds: int) -> Text:
    if scope in (PASSWORD_ACCOUNT, PASSWORD_ADDRESS):
        return N_("Too many failed sign-ins; try again in %(seconds)s s.", seconds=seconds)
    if scope == TOKENS_ISSUED:
        return N_(
            "Too many tokens were issued for this account; use one of them, "
            "or try again in %(seconds)s s.",
            seconds=seconds,
        )
    return N_("Too many requests for this account; try again in %(seconds)s s.", seconds=seconds)


def _too_many_requests(error: RateLimitExceeded) -> Response:
    """The API's 429 (the portal's pages answer with a page of their own, adam.portal.errors)."""
    seconds = seconds_to_wait()
    return error_response(
        429, _message(error.limit.scope, seconds), headers={"Retry-After": str(seconds)}
    )


def _retry_after_header(response: Response) -> Response:
    if _limiter().current_limit is None:  # the limiter counted nothing here
        return response
    if response.status_code == 429:
        response.headers["Retry-After"] = str(seconds_to_wait())
    elif response.status_code != 503:
        # Flask-Limiter sends it with every answer it counted; on a success it reads as "wait".
        response.headers.pop("Retry-After", None)
    return response
