"""Failed sign-ins, counted per account and per client address (Flask-Limiter)."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from adam.session import get_settings

limiter = Limiter(key_func=get_remote_address)


def _account() -> str:
    return request.form.get("email", "").strip().lower() or get_remote_address()


def _failed(response: Response) -> bool:
    # A good password signs in with a redirect; only refusals count against the budget.
    return response.status_code == 401


per_account = limiter.limit(
    lambda: get_settings().portal.sign_in_limit_per_account,
    key_func=_account,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account",
)
per_address = limiter.limit(
    lambda: get_settings().portal.sign_in_limit_per_address,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-address",
)


def init_app(app: Flask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = get_settings(app).portal.rate_limit_storage
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
