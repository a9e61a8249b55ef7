"""Notification settings, read once from the app configuration (no Flask here).

They travel inside ``adam.settings.Settings``; ``adam.events`` hands them to the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

EMAIL_MODES = ("each", "digest")


class SettingsError(ValueError):
    """A notification setting cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    smtp_host: str = ""  # empty: no e-mail at all
    smtp_port: int = 0  # 0: the mode's standard port (465 SSL, 587 STARTTLS, else 25)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_sender: str = "adam@localhost"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 30.0
    public_url: str = "http://127.0.0.1:5000"
    alert_emails: tuple[str, ...] = ()
    email_mode: str = "each"
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 300.0
    webhook_timeout: float = 10.0
    batch_size: int = 20
    # Seal and open webhook secrets (sealing.py): the current key first, then old ones that
    # still open what they sealed. Empty: nothing can be sealed or opened.
    webhook_secret_keys: tuple[str, ...] = field(default=(), repr=False)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return 465 if self.smtp_ssl else 587 if self.smtp_starttls else 25

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NotificationSettings:
        """:raises SettingsError: for a value of the wrong type or out of range."""
        defaults = cls()
        settings = cls(
            smtp_host=_text(config, "SMTP_HOST", defaults.smtp_host),
            smtp_port=_number(config, "SMTP_PORT", defaults.smtp_port, int, minimum=0),
            smtp_username=_text(config, "SMTP_USERNAME", defaults.smtp_username),
            smtp_password=_text(config, "SMTP_PASSWORD", defaults.smtp_password),
            smtp_sender=_text(config, "SMTP_SENDER", defaults.smtp_sender),
            smtp_starttls=_flag(config, "SMTP_STARTTLS", defaults.smtp_starttls),
            smtp_ssl=_flag(config, "SMTP_SSL", defaults.smtp_ssl),
            smtp_timeout=_number(config, "SMTP_TIMEOUT", defaults.smtp_timeout, float),
            public_url=_text(config, "PUBLIC_URL", defaults.public_url).rstrip("/"),
            alert_emails=_addresses(config.get("ALERT_EMAILS")),
            email_mode=_text(config, "ALERT_EMAIL_MODE", defaults.email_mode),
            max_attempts=_number(config, "NOTIFY_MAX_ATTEMPTS", defaults.max_attempts, int),
            backoff_seconds=_number(
                config, "NOTIFY_BACKOFF_SECONDS", defaults.backoff_seconds, float
            ),
            backoff_max_seconds=_number(
                config, "NOTIFY_BACKOFF_MAX_SECONDS", defaults.backoff_max_seconds, float
            ),
            lease_seconds=_number(config, "NOTIFY_LEASE_SECONDS", defaults.lease_seconds, float),
            webhook_timeout=_number(
                config, "WEBHOOK_TIMEOUT_SECONDS", defaults.webhook_timeout, float
            ),
            batch_size=_number(config, "NOTIFY_BATCH_SIZE", defaults.batch_size, int),
        )
        if settings.email_mode not in EMAIL_MODES:
            raise SettingsError(f"ALERT_EMAIL_MODE must be one of {', '.join(EMAIL_MODES)}.")
        if settings.smtp_ssl and settings.smtp_starttls:
            raise SettingsError("Set SMTP_SSL or SMTP_STARTTLS, not both.")
        if not settings.public_url.startswith(("http://", "https://")):
            raise SettingsError("PUBLIC_URL must start with http:// or https://.")
        return replace(settings, webhook_secret_keys=_secret_keys(config))


def _secret_keys(config: Mapping[str, Any]) -> tuple[str, ...]:
    """WEBHOOK_SECRET_KEY (else SECRET_KEY), then WEBHOOK_SECRET_OLD_KEYS (a list)."""
    current = _text(config, "WEBHOOK_SECRET_KEY", "") or _text(config, "SECRET_KEY", "")
    if not current:
        raise SettingsError(
            "WEBHOOK_SECRET_KEY (or SECRET_KEY) must be set: webhook secrets are encrypted "
            "with a key derived from it."
        )
    old = config.get("WEBHOOK_SECRET_OLD_KEYS") or []
    if isinstance(old, str):
        old = [old]
    if not isinstance(old, list | tuple) or not all(isinstance(k, str) and k for k in old):
        raise SettingsError("WEBHOOK_SECRET_OLD_KEYS must be a list of the keys used before.")
    return tuple(dict.fromkeys([current, *old]))


def _text(config: Mapping[str, Any], key: str, default: str) -> str:
    value = config.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        # ADAM_* variables are parsed as JSON when possible: a numeric password stays text.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise SettingsError(f"{key} must be text, not {value!r}.")
    return value.strip()


def _flag(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no", ""):
        return value.lower() in ("1", "true", "yes")
    raise SettingsError(f"{key} must be true or false, not {value!r}.")


def _number(
    config: Mapping[str, Any], key: str, default: Any, kind: type, minimum: float = 1
) -> Any:
    value = config.get(key, default)
    if isinstance(value, str):
        try:
            value = kind(value)
        except ValueError:
            raise SettingsError(f"{key} must be a number, not {value!r}.") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise SettingsError(f"{key} must be a number of at least {minimum}, not {value!r}.")
    if kind is int and value != int(value):
        raise SettingsError(f"{key} must be a whole number, not {value!r}.")
    return kind(value)


def _addresses(value: Any) -> tuple[str, ...]:
    """ALERT_EMAILS as a list, or one string of addresses separated by commas."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise SettingsError("ALERT_EMAILS is not a valid JSON list.") from None
        else:
            value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SettingsError("ALERT_EMAILS must be a list of e-mail addresses.")
    addresses = [v.strip() for v in value if v.strip()]
    for address in addresses:
        if "@" not in address or any(c.isspace() or c in ",;<>" for c in address):
            raise SettingsError(f"ALERT_EMAILS has an invalid address: {address!r}.")
    return tuple(addresses)
