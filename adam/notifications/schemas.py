"""The webhook API contract: subscriptions in and out, and the delivery log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from marshmallow import validate

from adam.fields import PatchSchema, QueryBoolean, StrictBoolean, Text
from adam.notifications.events import DEFAULT_EVENTS, EVENTS
from adam.notifications.models import DeliveryStatus
from adam.paging import LongPageQuerySchema, page_schema

STATUSES = [s.value for s in DeliveryStatus]


def _webhook_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ma.ValidationError("Give an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        # Credentials in the URL would show in every listing; the signature authenticates us.
        raise ma.ValidationError("Put no user name or password in the URL.")
    if parts.fragment:
        raise ma.ValidationError("A webhook URL has no #fragment.")
    try:
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError:
        raise ma.ValidationError("The port is not valid.") from None


class WebhookUrl(ma.fields.Url):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            schemes={"http", "https"},
            require_tld=False,  # intranet receivers (and tests on 127.0.0.1) have no TLD
            validate=[validate.Length(max=2000), _webhook_url],
            **kwargs,
        )


class Events(ma.fields.List):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            Text(
                single_line=True,
                strip=True,
                validate=validate.OneOf(EVENTS, error="Unknown event: {input}. Known: {choices}."),
            ),
            validate=validate.Length(min=1, error="Name at least one event."),
            **kwargs,
        )


class WebhookInSchema(ma.Schema):
    url = WebhookUrl(required=True, metadata={"example": "https://example.org/adam-hook"})
    events = Events(load_default=lambda: list(DEFAULT_EVENTS))
    description = Text(load_default="", validate=validate.Length(max=500))
    active = StrictBoolean(load_default=True)


class WebhookPatchSchema(PatchSchema):
    url = WebhookUrl()
    events = Events()
    description = Text(validate=validate.Length(max=500))
    active = StrictBoolean()


class WebhookOutSchema(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String())
    description = ma.fields.String()
    active = ma.fields.Boolean()
    created_by = ma.fields.Integer(attribute="created_by_id", allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    deactivated_at = ma.fields.DateTime(allow_none=True)


class WebhookCreatedSchema(WebhookOutSchema):
    """Dumps a ``service.CreatedWebhook``: the subscription's fields plus its secret."""

    secret = ma.fields.String(
        metadata={"description": "Shown once: keep it to verify X-ADAM-Signature."}
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "secret":
            return obj.secret
        return super().get_attribute(obj.subscription, attr, default)


class WebhookListQuerySchema(ma.Schema):
    active = QueryBoolean()


class DeliveryQuerySchema(LongPageQuerySchema):
    status = ma.fields.String(validate=validate.OneOf(STATUSES))


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer()
    message = ma.fields.Integer(attribute="message_id")
    event = ma.fields.Function(lambda d: d.message.event)
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    last_status_code = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    last_attempt_at = ma.fields.DateTime(allow_none=True)
    next_attempt_at = ma.fields.Function(
        lambda d: d.next_attempt_at.isoformat() if d.status == DeliveryStatus.PENDING else None,
        allow_none=True,
    )
    delivered_at = ma.fields.DateTime(allow_none=True)


DeliveryPageSchema = page_schema(DeliverySchema, "DeliveryPageSchema")
