"""enqueue(): rows only, in the caller's transaction, with a payload made plain JSON up front."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.notifications import service
from adam.notifications.models import Delivery, OutboxMessage
from tests.conftest import Account
from tests.notifications.conftest import T0, alert_payload, create_webhook


class Status(enum.Enum):
    OPEN = "open"


def _count(sessions: Callable[[], Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_rolled_back_with_the_callers_transaction(
    client: FlaskClient, coordinator: Account, sessions: Callable[[], Session]
) -> None:
    create_webhook(client, coordinator, "https://receiver.example.org/hook")
    with sessions() as session:
        service.enqueue(session, event="alert.created", payload=alert_payload(), now=T0)
        session.rollback()  # the alert's transaction failed: its notice must go too
    assert _count(sessions, OutboxMessage) == 0 and _count(sessions, Delivery) == 0


def test_common_python_values_become_their_api_form(sessions: Callable[[], Session]) -> None:
    with sessions() as session:
        message = service.enqueue(
            session,
            event="alert.created",
            payload={
                "score": Decimal("87.50"),
                "created_at": dt.datetime(
                    2026, 11, 23, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))
                ),
                "start_date": dt.date(2026, 1, 1),
                "status": Status.OPEN,
            },
            now=T0,
        )
        session.commit()
        stored = session.get(OutboxMessage, message.id)
        assert stored is not None
        assert stored.payload == {
            "score": "87.50",
            "created_at": "2026-11-23T10:00:00Z",
            "start_date": "2026-01-01",
            "status": "open",
        }


@pytest.mark.parametrize("bad", [object(), float("nan"), {1, 2}])
def test_a_payload_json_cannot_hold_fails_at_once_and_writes_nothing(
    sessions: Callable[[], Session], bad: object
) -> None:
    with sessions() as session:
        with pytest.raises((TypeError, ValueError)):
            service.enqueue(session, event="alert.created", payload={"x": bad}, now=T0)
        session.commit()
    assert _count(sessions, OutboxMessage) == 0


def test_events_published_in_a_transaction_land_in_the_outbox(
    client: FlaskClient, coordinator: Account, sessions: Callable[[], Session]
) -> None:
    from adam import events  # the duplicate check publishes alert.created through it

    hook = create_webhook(client, coordinator, "https://receiver.example.org/hook")
    with sessions() as session:
        events.publish(session, "alert.created", alert_payload())
        session.commit()
        [delivery] = session.scalars(select(Delivery)).unique()
    assert delivery.webhook_id == hook["id"]
    assert delivery.message.event == "alert.created"
    assert delivery.message.payload == alert_payload()


def test_bad_notification_settings_stop_the_app(database_url: str) -> None:
    from adam.app import create_app
    from adam.config import ConfigError

    with pytest.raises(ConfigError, match="ALERT_EMAIL_MODE"):
        create_app({"DATABASE_URL": database_url, "ALERT_EMAIL_MODE": "hourly"})


def test_several_events_at_once_each_reach_every_target_in_order(
    client: FlaskClient, coordinator: Account, sessions: Callable[[], Session]
) -> None:
    from adam import events

    hooks = [
        create_webhook(client, coordinator, f"https://receiver.example.org/hook{i}")
        for i in range(2)
    ]
    payloads = [{**alert_payload(), "n": n} for n in range(3)]
    with sessions() as session:
        events.publish_many(session, "alert.created", payloads)
        events.publish_many(session, "alert.created", [])  # nothing to say: nothing written
        session.commit()
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.payload["n"] for m in messages] == [0, 1, 2]
        deliveries = session.scalars(select(Delivery)).unique().all()
    assert sorted((d.message_id, d.webhook_id) for d in deliveries) == sorted(
        (m.id, h["id"]) for m in messages for h in hooks
    )
