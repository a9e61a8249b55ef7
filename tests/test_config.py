"""Configuration: environment overrides and refusal of unsafe production settings."""

from __future__ import annotations

import pytest

from adam import create_app
from adam.config import ConfigError


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
