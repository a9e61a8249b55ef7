"""Domain events published inside the writing transaction, delivered by the outbox.

The duplicate check publishes ``alert.created``; the notification outbox writes its rows in
the same transaction, so an alert and its notices commit or roll back together. The wiring
is written here, not registered at app start: a service called from the command line, a
worker or a test notifies exactly as one called from a request. The notification settings
come with the session (``adam.settings.session_factory``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session


def publish(session: Session, event: str, payload: dict[str, Any]) -> None:
    publish_many(session, event, [payload])


def publish_many(
    session: Session,
    event: str,
    payloads: Sequence[dict[str, Any]],
    *,
    recipients: Sequence[str] | None = None,
) -> None:
    """Hand several events of one kind over at once, so the outbox writes them in bulk.

    ``recipients``: the e-mail addresses these events concern (a country's focal points),
    instead of the staff who receive every alert.

    :raises RuntimeError: ``session`` was not made by ``adam.settings.session_factory``.
    """
    if not payloads:
        return
    # Imported here: the domains that publish must not depend on how notices travel.
    from adam import settings
    from adam.notifications import service as notifications_service

    notifications_service.enqueue_many(
        session,
        event=event,
        payloads=payloads,
        settings=settings.of_session(session).notifications,
        recipients=recipients,
    )
