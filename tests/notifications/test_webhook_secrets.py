"""Webhook secrets at rest: stored encrypted, opened only to sign, rotated, and a missing key
failing its deliveries with a reason rather than stopping the worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from adam.app import create_app
from adam.cli import main
from adam.config import ConfigError
from adam.notifications import sealing, service, webhooks
from adam.session import new_session
from tests.conftest import Account
from tests.notifications.conftest import alert_payload, create_webhook
from tests.notifications.servers import Receiver

AppFactory = Callable[..., Flask]


@pytest.fixture()
def app_with(database_url: str) -> Iterator[AppFactory]:
    """Other apps on the test's database, configured otherwise (another key, say)."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        made.append(create_app({"ENV": "testing", "DATABASE_URL": database_url, **config}))
        return made[-1]

    yield make
    for other in made:
        other.extensions["adam.engine"].dispose()


def stored_secret(app: Flask, webhook_id: int) -> str:
    with new_session(app) as session:
        return str(
            session.scalar(
                sa.text("SELECT secret FROM webhook_subscription WHERE id = :id"),
                {"id": webhook_id},
            )
        )


def enqueue_alert(app: Flask) -> None:
    with new_session(app) as session:
        service.enqueue(session, event="alert.created", payload=alert_payload())
        session.commit()


def run_worker(app: Flask) -> str:
    result = app.test_cli_runner().invoke(main, ["worker", "--once"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def assert_signed_with(secret: str, request: Any) -> None:
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert webhooks.verify(
        secret, headers["x-adam-timestamp"], request.body, headers["x-adam-signature"]
    )


def test_the_secret_is_stored_encrypted_and_still_signs(
    app: Flask, client: FlaskClient, coordinator: Account, receiver: Receiver
) -> None:
    hook = create_webhook(client, coordinator, receiver.url)

    stored = stored_secret(app, hook["id"])
    assert stored.startswith("fernet:") and hook["secret"] not in stored
    # Nothing answers it after creation, sealed or clear.
    for path in ("/api/v1/webhooks", f"/api/v1/webhooks/{hook['id']}"):
        text = client.get(path, headers=coordinator.headers).get_data(as_text=True)
        assert hook["secret"] not in text and stored not in text and "secret" not in text

    enqueue_alert(app)
    assert "Delivered 1," in run_worker(app)
    [request] = receiver.requests
    assert_signed_with(hook["secret"], request)


def test_a_rotated_key_opens_old_secrets_until_they_are_re_encrypted(
    app_with: AppFactory, coordinator: Account, receiver: Receiver
) -> None:
    before = app_with(WEBHOOK_SECRET_KEY="the key of last year")
    hook = create_webhook(before.test_client(), coordinator, receiver.url)
    sealed_before = stored_secret(before, hook["id"])

    # The new key, with the old one kept: what the old key sealed still signs.
    rotating = app_with(
        WEBHOOK_SECRET_KEY="the key of this year", WEBHOOK_SECRET_OLD_KEYS=["the key of last year"]
    )
    enqueue_alert(rotating)
    assert "Delivered 1," in run_worker(rotating)
    assert_signed_with(hook["secret"], receiver.requests[0])

    result = rotating.test_cli_runner().invoke(main, ["webhooks", "encrypt-secrets"])
    assert result.exit_code == 0, result.output
    assert "1 secrets re-encrypted" in result.output
    assert stored_secret(rotating, hook["id"]) != sealed_before
    # Again: nothing left under an old key.
    again = rotating.test_cli_runner().invoke(main, ["webhooks", "encrypt-secrets"])
    assert "0 secrets re-encrypted" in again.output

    # The old key can go now.
    after = app_with(WEBHOOK_SECRET_KEY="the key of this year")
    enqueue_alert(after)
    assert "Delivered 1," in run_worker(after)
    assert_signed_with(hook["secret"], receiver.requests[1])


def test_a_missing_key_fails_the_delivery_with_a_reason_and_the_worker_goes_on(
    app: Flask,
    app_with: AppFactory,
    client: FlaskClient,
    coordinator: Account,
    receiver: Receiver,
) -> None:
    hook = create_webhook(client, coordinator, receiver.url)
    enqueue_alert(app)
    wrong = app_with(WEBHOOK_SECRET_KEY="not the key it was sealed with")

    assert "Delivered 0, retrying 0, failed 1," in run_worker(wrong)
    assert "Delivered 0, retrying 0, failed 0," in run_worker(wrong)  # not tried again

    assert receiver.requests == []
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=coordinator.headers)
    [delivery] = log.json["items"]
    assert delivery["status"] == "failed"
    assert "WEBHOOK_SECRET_OLD_KEYS" in delivery["last_error"]
    # Re-encrypting with a key that does not open it refuses, naming the webhook.
    result = wrong.test_cli_runner().invoke(main, ["webhooks", "encrypt-secrets"])
    assert result.exit_code == 1 and f"Webhook {hook['id']}:" in result.output


def test_sealed_values_open_only_under_their_keys() -> None:
    sealed = sealing.seal("whsec_abc", ["new", "old"])
    assert sealing.unseal(sealed, ["new"]) == "whsec_abc"
    assert sealing.unseal(sealed, ["other", "new"]) == "whsec_abc"
    assert sealing.sealed_under_first(sealed, ["new"])
    assert not sealing.sealed_under_first(sealed, ["other", "new"])
    with pytest.raises(sealing.SecretUnavailable):
        sealing.unseal(sealed, ["old"])
    with pytest.raises(sealing.SecretUnavailable):
        sealing.unseal(sealed[:-4] + "AAAA", ["new"])  # altered
    assert sealing.unseal("whsec_from_before", ["new"]) == "whsec_from_before"


def test_production_refuses_the_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADAM_WEBHOOK_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ADAM_WEBHOOK_SECRET_KEY"):
        create_app(
            {
                "ENV": "production",
                "DATABASE_URL": "sqlite://",
                "SECRET_KEY": "s" * 40,
                "WEBHOOK_SECRET_KEY": "dev-not-secret",
            }
        )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"SECRET_KEY": "", "WEBHOOK_SECRET_KEY": ""}, "WEBHOOK_SECRET_KEY"),
        ({"WEBHOOK_SECRET_OLD_KEYS": [1]}, "WEBHOOK_SECRET_OLD_KEYS"),
    ],
)
def test_no_key_or_bad_old_keys_stop_start_up(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", **config})
