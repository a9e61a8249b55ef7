"""Webhook subscriptions (coordinators and administrators) and their delivery log."""

from __future__ import annotations

from typing import Any

from adam.access import protected
from adam.api import Blueprint
from adam.idempotency.decorator import idempotent
from adam.notifications import service
from adam.notifications.models import DeliveryStatus, WebhookSubscription
from adam.notifications.schemas import (
    DeliveryPageSchema,
    DeliveryQuerySchema,
    WebhookCreatedSchema,
    WebhookInSchema,
    WebhookListQuerySchema,
    WebhookOutSchema,
    WebhookPatchSchema,
)
from adam.paging import page_answer
from adam.session import get_session
from adam.web import commit, current_actor

blp = Blueprint("webhooks", __name__, description="Webhook subscriptions and deliveries")


@protected
@blp.route("/webhooks")
@blp.arguments(WebhookListQuerySchema, location="query", unknown="raise")
@blp.response(200, WebhookOutSchema(many=True))
def list_webhooks(args: dict[str, Any]) -> list[WebhookSubscription]:
    """List webhook subscriptions (their secrets are never shown again)."""
    return service.list_webhooks(get_session(), actor=current_actor(), active=args.get("active"))


@protected
@blp.route("/webhooks", methods=["POST"])
@idempotent
@blp.arguments(WebhookInSchema)
@blp.response(201, WebhookCreatedSchema)
def create_webhook(data: dict[str, Any]) -> tuple[service.CreatedWebhook, int, dict[str, str]]:
    """Subscribe a URL to events; the answer holds the signing secret, shown this once."""
    created = service.create_webhook(get_session(), actor=current_actor(), **data)
    commit()
    return created, 201, {"Location": f"/api/v1/webhooks/{created.subscription.id}"}


@protected
@blp.route("/webhooks/<int:webhook_id>")
@blp.response(200, WebhookOutSchema)
def get_webhook(webhook_id: int) -> WebhookSubscription:
    """Show a webhook subscription."""
    return service.get_webhook(get_session(), webhook_id, actor=current_actor())


@protected
@blp.route("/webhooks/<int:webhook_id>", methods=["PATCH"])
@blp.arguments(WebhookPatchSchema)
@blp.response(200, WebhookOutSchema)
def update_webhook(data: dict[str, Any], webhook_id: int) -> WebhookSubscription:
    """Change a subscription's URL, events, description or active flag."""
    subscription = service.update_webhook(get_session(), webhook_id, actor=current_actor(), **data)
    commit()
    return subscription


@protected
@blp.route("/webhooks/<int:webhook_id>", methods=["DELETE"])
@blp.response(204)
def deactivate_webhook(webhook_id: int) -> None:
    """Deactivate a subscription: nothing more is sent; it and its log are kept."""
    service.deactivate_webhook(get_session(), webhook_id, actor=current_actor())
    commit()


@protected
@blp.route("/webhooks/<int:webhook_id>/deliveries")
@blp.arguments(DeliveryQuerySchema, location="query", unknown="raise")
@blp.response(200, DeliveryPageSchema)
def list_deliveries(args: dict[str, Any], webhook_id: int) -> dict[str, Any]:
    """The delivery log: each event sent to this webhook, its attempts and last error."""
    status = DeliveryStatus(args["status"]) if args.get("status") else None
    items, total = service.list_deliveries(
        get_session(),
        webhook_id,
        actor=current_actor(),
        status=status,
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)
