"""Configuration: environment overrides and refusal of unsafe production settings."""

from __future__ import annotations

import dataclasses

import pytest

from adam.app import create_app
from adam.config import ConfigError
from adam.session import get_settings, new_session
from adam.settings import of_session


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADAM_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ADAM_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": "sqlite://"})


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAM_SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("ADAM_TOKEN_TTL_DAYS", "7")
    monkeypatch.setenv("ADAM_DATABASE_URL", "sqlite://")
    app = create_app({"ENV": "production"})
    assert app.config["SECRET_KEY"] == "s3cret-from-env"
    assert app.config["TOKEN_TTL_DAYS"] == 7
    assert app.config["DATABASE_URL"] == "sqlite://"


def test_bad_numbers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAM_TOKEN_TTL_DAYS", "0")
    with pytest.raises(ConfigError, match="TOKEN_TTL_DAYS"):
        create_app({"DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_CONTENT_LENGTH", -1),
        ("EXPORT_CHUNK_SIZE", "many"),
        ("WORKER_POLL_SECONDS", 0),
        ("UPLOAD_MAX_BYTES", 0),
        ("THUMBNAIL_SIZE", 4),
        ("DUPLICATE_THRESHOLD", 120),
        ("DUPLICATE_MAX_ALERTS", -2),
        ("SMTP_PORT", "smtp"),
        ("ALERT_EMAIL_MODE", "weekly"),
        ("IATI_IMPORT_COUNTRIES", ["QQ"]),
        ("IATI_IMPORT_BULK_FROM", 0),
        ("API_RATE_LIMIT", "lots"),
        ("TOKEN_LIMIT_PER_ACCOUNT", "20 per fortnight"),
        ("SIGN_IN_LIMIT_PER_ACCOUNT", ""),
        ("RATE_LIMIT_STORAGE", "memcached://127.0.0.1:11211"),
        ("TRUSTED_PROXY_COUNT", -1),
    ],
)
def test_a_bad_setting_stops_start_up_naming_its_key(key: str, value: object) -> None:
    """Every setting is checked once, when the app is built, whatever part of ADAM reads it."""
    with pytest.raises(ConfigError, match=key):
        create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", key: value})


def test_the_settings_are_one_frozen_object_that_sessions_carry() -> None:
    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", "TOKEN_TTL_DAYS": 3})
    settings = get_settings(app)
    assert settings.token_ttl_days == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.token_ttl_days = 4  # type: ignore[misc]
    with new_session(app) as session:
        assert of_session(session) is settings


def test_an_empty_api_rate_limit_turns_the_budget_off() -> None:
    app = create_app(
        {
            "ENV": "development",
            "DATABASE_URL": "sqlite://",
            "API_RATE_LIMIT": " ",
            "TOKEN_LIMIT_PER_ACCOUNT": "",
        }
    )
    limits = get_settings(app).limits
    assert (limits.api_per_account, limits.tokens_per_account) == ("", "")
    assert limits.sign_in_per_account == "5 per 15 minutes"
