"""Domain events published inside the writing transaction, for whoever delivers them.

The duplicate check publishes ``alert.created``; the notification outbox subscribes at app
start and writes its rows in the same transaction, so an alert and its notices commit or
roll back together. Kept as a tiny registry so the matcher's domain does not depend on how
notices travel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[..., Any]  # handler(session, *, event=..., payloads=[...])

_handlers: dict[str, Handler] = {}


def subscribe(name: str, handler: Handler) -> None:
    """Register ``handler`` under ``name`` (registering a name again replaces it)."""
    _handlers[name] = handler


def publish(session: Session, event: str, payload: dict[str, Any]) -> None:
    publish_many(session, event, [payload])


def publish_many(session: Session, event: str, payloads: Sequence[dict[str, Any]]) -> None:
    """Hand several events of one kind over at once, so a handler can write them in bulk."""
    if not payloads:
        return
    for handler in list(_handlers.values()):
        handler(session, event=event, payloads=payloads)
