"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from adam import events, session, web
from adam.api import Api, register_error_handlers
from adam.auth.routes import blp as auth_blp
from adam.config import ConfigError, load_config
from adam.documents.routes import blp as documents_blp
from adam.duplicates.routes import blp as alerts_blp
from adam.duplicates.settings import MatcherSettings, SettingsError
from adam.health import blp as health_blp
from adam.iati.routes import blp as iati_blp
from adam.notifications import service as notifications_service
from adam.notifications import settings as notification_settings
from adam.notifications.routes import blp as webhooks_blp
from adam.projects.routes import blp as projects_blp
from adam.reference.routes import blp as reference_blp
from adam.stats.routes import blp as stats_blp

API_PREFIX = "/api/v1"
BLUEPRINTS = (
    auth_blp,
    reference_blp,
    projects_blp,
    documents_blp,
    iati_blp,
    stats_blp,
    alerts_blp,
    webhooks_blp,
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
        OPENAPI_SWAGGER_UI_URL=app.config.get(
            "SWAGGER_UI_URL", "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
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
    session.init_app(app)
    try:
        app.extensions["adam.matcher"] = MatcherSettings.from_config(app.config)
    except SettingsError as error:
        raise ConfigError(str(error)) from error
    try:
        notify = notification_settings.NotificationSettings.from_config(app.config)
    except notification_settings.SettingsError as error:
        raise ConfigError(str(error)) from error
    # Every session carries the notification settings, so enqueue() needs no Flask; events
    # published in a transaction (alert.created) land in the outbox in that same transaction.
    notification_settings.install(app.extensions["adam.sessionmaker"], notify)
    events.subscribe("notifications.outbox", notifications_service.enqueue_many)
    api = Api(app)
    app.extensions["adam.api"] = api
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(health_blp)
    web.init_app(app)
    register_error_handlers(app)
    return app
