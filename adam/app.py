"""The application factory."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from adam import access, limits, openapi, session, web
from adam.api import Api, register_error_handlers
from adam.auth.routes import blp as auth_blp
from adam.config import load_config
from adam.coverage.routes import blp as links_blp
from adam.documents.routes import blp as documents_blp
from adam.documents.routes import event_blp as event_documents_blp
from adam.duplicates.routes import blp as alerts_blp
from adam.gaps.routes import blp as gaps_blp
from adam.health import blp as health_blp
from adam.iati.routes import blp as iati_blp
from adam.indicators.routes import blp as indicators_blp
from adam.needs.routes import blp as needs_blp
from adam.notifications.routes import blp as webhooks_blp
from adam.pact.routes import blp as pact_blp
from adam.portal import setup as portal
from adam.projects.routes import blp as projects_blp
from adam.reference.routes import blp as reference_blp
from adam.settings import Settings
from adam.stats.routes import blp as stats_blp

API_PREFIX = "/api/v1"
BLUEPRINTS = (
    auth_blp,
    reference_blp,
    projects_blp,
    needs_blp,
    pact_blp,
    documents_blp,
    event_documents_blp,
    iati_blp,
    stats_blp,
    gaps_blp,
    alerts_blp,
    links_blp,
    webhooks_blp,
    indicators_blp,
)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask("adam", instance_relative_config=True)
    load_config(app, overrides)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    app.config.update(
        API_TITLE="ADAM",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Served by the app (vendored from the npm registry): no CDN in a closed network.
        OPENAPI_SWAGGER_UI_URL=app.config.get(
            "SWAGGER_UI_URL", "/static/portal/vendor/swagger-ui-5.36.0/"
        ),
        API_SPEC_OPTIONS={
            "info": {
                "description": "Coordination of counter-narcotics technical assistance. "
                "Authenticate with 'Authorization: Bearer <token>' (POST /auth/tokens)."
            },
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "basic": {"type": "http", "scheme": "basic"},
                }
            },
            "security": [{"bearer": []}],
        },
    )
    session.init_app(app, Settings.from_config(app.config, instance_path=Path(app.instance_path)))
    api = Api(app)
    openapi.init_app(api)  # before the blueprints: their schemas are converted as registered
    app.extensions["adam.api"] = api
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(health_blp)
    _declare_library_views(app, api)
    web.init_app(app)
    portal.init_app(app)
    # Last: it reads the views' declarations, and counts the account web.init_app found.
    limits.init_app(app)
    register_error_handlers(app)
    return app


def _declare_library_views(app: Flask, api: Api) -> None:
    """Flask's static files and flask-smorest's OpenAPI document and its viewer answer without
    a token. The libraries register those views themselves (the OpenAPI ones as methods of the
    Api, on which no declaration can be set), so they are declared here, as registered."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or getattr(view, "__self__", None) is api:
            app.view_functions[rule.endpoint] = access.public(_as_function(view))


def _as_function(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def call(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    return call
