"""Configuration: TOML defaults per environment, then ADAM_* variables, then overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from adam.settings import ConfigError

# Shipped inside the package, so an installed wheel finds them as a checkout does.
CONFIG_DIR = Path(__file__).resolve().parent / "defaults"
ENVIRONMENTS = ("development", "testing", "production")
DEFAULT_SECRET = "dev-not-secret"

__all__ = ["ConfigError", "load_config"]


def _read_toml(name: str) -> dict[str, Any]:
    path = CONFIG_DIR / f"{name}.toml"
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"The configuration file {path} is missing.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"The configuration file {path} is not valid TOML: {error}") from None


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` in order: default.toml, <env>.toml, ADAM_* variables, overrides."""
    overrides = dict(overrides or {})
    env = overrides.get("ENV") or os.environ.get("ADAM_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ADAM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    app.config.update(_read_toml("default"))
    app.config.update(_read_toml(env))
    app.config.from_prefixed_env("ADAM")
    app.config.update(overrides)
    app.config["ENV"] = env
    if not app.config.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'adam.sqlite3'}"
    _validate(app.config)


def _validate(config: Mapping[str, Any]) -> None:
    # The remaining keys are checked where they are read: ``adam.settings.Settings``.
    if config["ENV"] == "production" and config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET):
        raise ConfigError("Production needs a real secret: set ADAM_SECRET_KEY.")
    # The key webhook secrets are sealed with (else SECRET_KEY's, checked above).
    if config["ENV"] == "production" and config.get("WEBHOOK_SECRET_KEY") == DEFAULT_SECRET:
        raise ConfigError("Production needs a real key: set ADAM_WEBHOOK_SECRET_KEY.")
