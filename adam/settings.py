"""One frozen, typed settings object, built and checked once from the configuration.

The app, the command line and the workers all build it the same way (``Settings.from_config``)
and hand each service the part it needs; sessions made by ``session_factory`` carry it, so
whatever publishes an event inside a transaction (an alert raised by the duplicate check)
finds the notification settings there, whichever entry point opened the session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adam.commits import AdamSession
from adam.documents.service import UploadSettings
from adam.duplicates.settings import MatcherSettings
from adam.duplicates.settings import SettingsError as MatcherSettingsError
from adam.exports.project_rows import CHUNK_SIZE
from adam.iati.export import ReportingOrg
from adam.iati.service import ImportSettings
from adam.iati.service import SettingsError as ImportSettingsError
from adam.notifications.settings import NotificationSettings
from adam.notifications.settings import SettingsError as NotificationSettingsError

SESSION_INFO_KEY = "adam.settings"


@dataclass(frozen=True, slots=True)
class PortalSettings:
    """Sign-in to the web pages: how long an idle session lives, and how failed sign-ins are
    limited (``limits`` notation, e.g. "5 per 15 minutes"), kept where ``rate_limit_storage``
    says (``memory://``, or a ``redis://`` URL that several workers and hosts share)."""

    idle_minutes: int
    secure_cookies: bool
    sign_in_limit_per_account: str
    sign_in_limit_per_address: str
    rate_limit_storage: str


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which key and why."""


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    log_level: str
    token_ttl_days: int
    max_content_length: int
    # Empty: the links of exports use the address the request came to.
    public_url: str
    export_chunk_size: int
    worker_poll_seconds: float
    # How long an Idempotency-Key's answer is kept for replays (adam/idempotency).
    idempotency_key_ttl_hours: int
    upload_dir: Path
    matcher: MatcherSettings
    notifications: NotificationSettings
    imports: ImportSettings
    uploads: UploadSettings
    reporting_org: ReportingOrg
    portal: PortalSettings

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, instance_path: Path) -> Settings:
        """:raises ConfigError: a value that cannot be used; the message names its key."""
        return cls(
            env=str(config["ENV"]),
            database_url=str(config["DATABASE_URL"]),
            secret_key=str(config.get("SECRET_KEY") or ""),
            log_level=str(config.get("LOG_LEVEL") or "INFO"),
            token_ttl_days=_positive_int(config, "TOKEN_TTL_DAYS", 30),
            max_content_length=_positive_int(config, "MAX_CONTENT_LENGTH", 1024 * 1024),
            public_url=str(config.get("PUBLIC_URL") or "").rstrip("/"),
            export_chunk_size=_positive_int(config, "EXPORT_CHUNK_SIZE", CHUNK_SIZE),
            worker_poll_seconds=_positive_number(config, "WORKER_POLL_SECONDS", 5.0),
            idempotency_key_ttl_hours=_positive_int(config, "IDEMPOTENCY_KEY_TTL_HOURS", 24),
            upload_dir=(
                Path(config["UPLOAD_DIR"])
                if config.get("UPLOAD_DIR")
                else instance_path / "uploads"
            ),
            matcher=_built(MatcherSettings.from_config, config, MatcherSettingsError),
            notifications=_built(
                NotificationSettings.from_config, config, NotificationSettingsError
            ),
            imports=_built(ImportSettings.from_config, config, ImportSettingsError),
            uploads=_upload_settings(config),
            # Their defaults are in defaults/default.toml, not repeated here.
            reporting_org=ReportingOrg(
                ref=_given(config, "IATI_REPORTING_ORG_REF"),
                type=_given(config, "IATI_REPORTING_ORG_TYPE"),
                name=_given(config, "IATI_REPORTING_ORG_NAME"),
            ),
            portal=_portal_settings(config),
        )


def session_factory(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    """Sessions that carry ``settings`` (read back by ``of_session``)."""
    return sessionmaker(
        engine, class_=AdamSession, expire_on_commit=False, info={SESSION_INFO_KEY: settings}
    )


def of_session(session: Session) -> Settings:
    """The settings of the entry point that made ``session``.

    :raises RuntimeError: a session not made by ``session_factory``; an event published in it
        would otherwise lose its notices without a word.
    """
    found = session.info.get(SESSION_INFO_KEY)
    if not isinstance(found, Settings):
        raise RuntimeError("This session carries no ADAM settings: make it with session_factory.")
    return found


def _built(
    build: Callable[[Mapping[str, Any]], T], config: Mapping[str, Any], error: type[Exception]
) -> T:
    try:
        return build(config)
    except error as failure:
        raise ConfigError(str(failure)) from failure


def _upload_settings(config: Mapping[str, Any]) -> UploadSettings:
    defaults = UploadSettings()
    uploads = UploadSettings(
        max_bytes=_positive_int(config, "UPLOAD_MAX_BYTES", defaults.max_bytes),
        thumbnail_side=_positive_int(config, "THUMBNAIL_SIZE", defaults.thumbnail_side),
        max_pixels=_positive_int(config, "PICTURE_MAX_PIXELS", defaults.max_pixels),
    )
    if not 16 <= uploads.thumbnail_side <= 2048:
        raise ConfigError(f"THUMBNAIL_SIZE must be 16 to 2048, not {uploads.thumbnail_side}.")
    return uploads


def _portal_settings(config: Mapping[str, Any]) -> PortalSettings:
    from limits import parse_many

    limits = {}
    for key in ("SIGN_IN_LIMIT_PER_ACCOUNT", "SIGN_IN_LIMIT_PER_ADDRESS"):
        value = _given(config, key)
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(f"{key} must read like '5 per 15 minutes', not {value!r}.") from None
        limits[key] = value
    storage = _given(config, "RATE_LIMIT_STORAGE")
    if not storage.startswith(("memory://", "redis://", "rediss://", "redis+sentinel://")):
        raise ConfigError(
            f"RATE_LIMIT_STORAGE must be memory:// or a redis:// URL, not {storage!r}."
        )
    return PortalSettings(
        idle_minutes=_positive_int(config, "SESSION_IDLE_MINUTES", 60),
        secure_cookies=str(config["ENV"]) == "production",
        sign_in_limit_per_account=limits["SIGN_IN_LIMIT_PER_ACCOUNT"],
        sign_in_limit_per_address=limits["SIGN_IN_LIMIT_PER_ADDRESS"],
        rate_limit_storage=storage,
    )


def _given(config: Mapping[str, Any], key: str) -> str:
    if key not in config:
        raise ConfigError(f"{key} is not set (defaults/default.toml sets it).")
    return str(config[key])


def _positive_int(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{key} must be a positive integer, not {value!r}.")
    return value


def _positive_number(config: Mapping[str, Any], key: str, default: float) -> float:
    value = config.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{key} must be a positive number, not {value!r}.")
    return float(value)
