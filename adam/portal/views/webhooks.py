"""Webhook subscriptions for coordinators and administrators: list, subscribe, deactivate;
the same services and permission (webhook.manage) as the API's /webhooks routes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, gettext, lazy_gettext

from adam.access import page
from adam.auth import permissions
from adam.errors import InvalidInput
from adam.notifications import service
from adam.notifications.events import ALERT_CREATED, DEFAULT_EVENTS, EVENTS, LINK_SUGGESTED
from adam.notifications.schemas import WebhookInSchema
from adam.portal.blueprint import portal_blueprint
from adam.session import get_session
from adam.web import commit, current_actor

blp = portal_blueprint("portal_webhooks", __name__)

EVENT_NAMES = {
    ALERT_CREATED: lazy_gettext("A likely duplicate is found (alert.created)"),
    LINK_SUGGESTED: lazy_gettext(
        "A new project likely serves an open need of a country (link.suggested)"
    ),
}


@blp.context_processor
def _context() -> dict[str, Any]:
    return {"event_names": EVENT_NAMES, "format_datetime": format_datetime}


@page
@blp.route("/webhooks")
def webhooks() -> ResponseReturnValue:
    """Every webhook subscription, active or not (their secrets are never shown again)."""
    subscriptions = service.list_webhooks(get_session(), actor=current_actor())
    return render_template("portal/webhooks.html", webhooks=subscriptions), 200


def _form(typed: dict[str, Any], errors: dict[str, list[str]], status: int) -> tuple[str, int]:
    return (
        render_template("portal/webhook_form.html", typed=typed, errors=errors, events=EVENTS),
        status,
    )


def _errors(fields: Any) -> dict[str, list[str]]:
    messages = {
        "url": gettext(
            "Give the receiver's full address, starting with https:// (or http://), "
            "without a user name, password or #fragment, of at most 2000 characters."
        ),
        "events": gettext("Choose at least one event."),
        "description": gettext("A description has at most 500 characters."),
    }
    return {name: [messages[name]] for name in fields if name in messages}


@page
@blp.route("/webhooks/new", methods=["GET", "POST"])
def new_webhook() -> ResponseReturnValue:
    """Subscribe a URL to events; its signing secret is shown once, on the next page."""
    permissions.require(current_actor(), "webhook.manage")
    if request.method == "GET":
        return _form({"events": list(DEFAULT_EVENTS)}, {}, 200)
    typed = {
        "url": request.form.get("url", "").strip(),
        "events": request.form.getlist("events"),
        "description": request.form.get("description", "").strip(),
    }
    try:
        data = WebhookInSchema().load(typed)
        created = service.create_webhook(get_session(), actor=current_actor(), **data)
    except ma.ValidationError as error:
        errors = _errors(error.normalized_messages())
    except InvalidInput as error:
        errors = _errors(error.details)
    else:
        commit()
        # Shown here, once, rather than after a redirect: the secret must not travel in a
        # cookie or an address, and no later page shows it.
        html = render_template("portal/webhook_created.html", created=created)
        return html, 201, {"Cache-Control": "no-store"}
    return _form(typed, errors, 422)


@page
@blp.route("/webhooks/<int:webhook_id>/deactivate", methods=["POST"])
def deactivate(webhook_id: int) -> ResponseReturnValue:
    """Stop sending to a subscription; it and its delivery log are kept."""
    subscription = service.deactivate_webhook(get_session(), webhook_id, actor=current_actor())
    commit()
    flash(gettext("Nothing more is sent to %(url)s.", url=subscription.url))
    return redirect(url_for("portal_webhooks.webhooks"), 303)
