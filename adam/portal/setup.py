"""Wire the portal into the app: languages, sign-in, CSRF, headers, blueprints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, send_from_directory, url_for
from flask_babel import lazy_gettext

from adam.access import open_page
from adam.auth.models import Role
from adam.portal import errors, headers, i18n, reasons, signin
from adam.portal.views.account import blp as account_blp
from adam.portal.views.admin import blp as admin_blp
from adam.portal.views.alerts import blp as alerts_blp
from adam.portal.views.countries import blp as countries_blp
from adam.portal.views.event_forms import blp as event_forms_blp
from adam.portal.views.events import blp as events_blp
from adam.portal.views.follow_up import blp as follow_up_blp
from adam.portal.views.gaps import blp as gaps_blp
from adam.portal.views.imports import blp as imports_blp
from adam.portal.views.indicators import blp as indicators_blp
from adam.portal.views.maps import blp as map_blp
from adam.portal.views.need_forms import blp as need_forms_blp
from adam.portal.views.needs import blp as needs_blp
from adam.portal.views.organizations import blp as organizations_blp
from adam.portal.views.project_forms import blp as project_forms_blp
from adam.portal.views.project_page import blp as project_page_blp
from adam.portal.views.projects import blp as projects_blp
from adam.portal.views.recommendation_actions import blp as recommendation_actions_blp
from adam.portal.views.recommendation_forms import blp as recommendation_forms_blp
from adam.portal.views.recommendations import blp as recommendations_blp
from adam.portal.views.statistics import blp as statistics_blp
from adam.portal.views.webhooks import blp as webhooks_blp

BLUEPRINTS = (
    account_blp,
    projects_blp,
    project_page_blp,
    project_forms_blp,
    statistics_blp,
    alerts_blp,
    map_blp,
    gaps_blp,
    needs_blp,
    need_forms_blp,
    events_blp,
    event_forms_blp,
    recommendations_blp,
    recommendation_actions_blp,
    recommendation_forms_blp,
    follow_up_blp,
    countries_blp,
    imports_blp,
    indicators_blp,
    organizations_blp,
    webhooks_blp,
    admin_blp,
)
STATIC = Path(__file__).resolve().parent / "static"

WRITERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.FOCAL_POINT, Role.DONOR})
EVERYONE = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})
# The main menu: (endpoint, label, the roles that see it). The pages check permissions
# themselves, with the services' rules; the menu only leaves out what a role cannot use.
MENU = (
    ("portal_statistics.statistics", lazy_gettext("Statistics"), EVERYONE),
    ("portal_project_forms.new_project", lazy_gettext("Register a project"), WRITERS),
    ("portal_map.world_map", lazy_gettext("Map"), EVERYONE),
    ("portal_gaps.gaps", lazy_gettext("Gaps and overlaps"), EVERYONE),
    ("portal_needs.needs", lazy_gettext("Needs"), EVERYONE),
    ("portal_events.events", lazy_gettext("Paris Pact"), EVERYONE),
    ("portal_recommendations.recommendations", lazy_gettext("Recommendations"), EVERYONE),
    ("portal_alerts.inbox", lazy_gettext("Duplicate alerts"), EVERYONE - {Role.VIEWER}),
    ("portal_imports.new_import", lazy_gettext("Import IATI"), WRITERS),
    ("portal_organizations.organizations", lazy_gettext("Organisations"), EVERYONE),
    ("portal_webhooks.webhooks", lazy_gettext("Webhooks"), STAFF),
    ("portal_admin.users", lazy_gettext("Users"), frozenset({Role.ADMIN})),
)


@open_page
def _static(filename: str) -> Response:
    # Vendored files carry their version in their path, so they may be cached for long.
    return send_from_directory(STATIC, filename, max_age=3600)


def nav_items() -> list[dict[str, Any]]:
    user = signin.current_user()
    if user is None:
        return []
    return [
        {"url": url_for(endpoint), "label": str(label)}
        for endpoint, label, roles in MENU
        if endpoint in current_app.view_functions and user.role in roles
    ]


def init_app(app: Flask) -> None:
    i18n.init_app(app)
    signin.init_app(app)
    headers.init_app(app)
    errors.register_routing_errors(app)
    app.add_url_rule("/static/portal/<path:filename>", "static_portal", _static)
    app.jinja_env.globals.update(
        current_user=signin.current_user,
        nav_items=nav_items,
        language=i18n.language,
        reason_texts=reasons.reason_texts,
    )
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
