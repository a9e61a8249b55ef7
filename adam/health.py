"""Health check: does the database answer?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from adam.access import public
from adam.session import get_session

blp = Blueprint("health", __name__)


def _check() -> Response:
    try:
        get_session().execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not healthy"; say so instead of a 500
        response = jsonify({"status": "unavailable", "database": str(error.__class__.__name__)})
        response.status_code = 503
        return response
    return jsonify({"status": "ok", "database": "ok"})


@public
@blp.get("/healthz")
def healthz() -> Response:
    return _check()


@public
@blp.get("/api/v1/healthz")
def api_healthz() -> Response:
    return _check()
