"""One frozen, typed settings object, built and checked once from the configuration.

The app, the command line and the workers all build it the same way (``Settings.from_config``)
and hand each service the part it needs; sessions made by ``session_factory`` carry it, so
whatever publishes an event inside a transaction (an alert raised by the duplicate check)
finds the notification settings there, whichever entry point opened the session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from limits import parse_many
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adam.commits import AdamSession
from adam.coverage.settings import CoverageSettings
from adam.coverage.settings import SettingsError as CoverageSettingsError
from adam.documents.service import UploadSettings
from adam.duplicates.settings import MatcherSettings
from adam.duplicates.settings import SettingsError as MatcherSettingsError
from adam.exports.project_rows import CHUNK_SIZE
from adam.gaps.settings import GapSettings
from adam.gaps.settings import SettingsError as GapSettingsError
from adam.iati.export import ReportingOrg
from adam.iati.service import ImportSettings
from adam.iati.service import SettingsError as ImportSettingsError
from adam.notifications.settings import NotificationSettings
from adam.notifications.settings import SettingsError as NotificationSettingsError

SESSION_INFO_KEY = "adam.settings"


@dataclass(frozen=True, slots=True)
class PortalSettings:
    """Sign-in to the web pages: how long an idle session lives, and its cookies."""

    idle_minutes: int
    secure_cookies: bool


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """Rate limits, in ``limits`` notation ("5 per 15 minutes"; "" is no limit), counted
    where ``storage`` says: ``memory://`` (each process on its own) or a ``redis://`` URL
    that several workers and hosts share."""

    storage: str
    # Failed password attempts (portal sign-in and POST /auth/tokens together).
    sign_in_per_account: str
    sign_in_per_address: str
    # Tokens issued, per account.
    tokens_per_account: str
    # Requests with a bearer token, per account.
    api_per_account: str
    # Proxies in front of the app whose X-Forwarded-For entries are believed.
    trusted_proxy_count: int


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long finished rows are kept before ``adam worker`` (or ``adam purge``) deletes
    them, in days (0: kept for ever), how many go per transaction, and how often it looks."""

    outbox_days: int
    outbox_failed_days: int
    import_job_days: int
    batch_size: int
    every_seconds: float

    def cutoff(self, days: int, now: dt.datetime) -> dt.datetime | None:
        return now - dt.timedelta(days=days) if days else None


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
    coverage: CoverageSettings
    notifications: NotificationSettings
    imports: ImportSettings
    uploads: UploadSettings
    reporting_org: ReportingOrg
    portal: PortalSettings
    retention: RetentionSettings

    limits: LimitSettings
    gaps: GapSettings

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
            coverage=_built(CoverageSettings.from_config, config, CoverageSettingsError),
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
            retention=_retention_settings(config),
            limits=_limit_settings(config),
            gaps=_built(GapSettings.from_config, config, GapSettingsError),
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
    return PortalSettings(
        idle_minutes=_positive_int(config, "SESSION_IDLE_MINUTES", 60),
        secure_cookies=str(config["ENV"]) == "production",
    )


def _limit_settings(config: Mapping[str, Any]) -> LimitSettings:
    storage = _given(config, "RATE_LIMIT_STORAGE")
    if not storage.startswith(("memory://", "redis://", "rediss://", "redis+sentinel://")):
        raise ConfigError(
            f"RATE_LIMIT_STORAGE must be memory:// or a redis:// URL, not {storage!r}."
        )
    proxies = config.get("TRUSTED_PROXY_COUNT", 0)
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        raise ConfigError(f"TRUSTED_PROXY_COUNT must be 0 or more, not {proxies!r}.")
    return LimitSettings(
        storage=storage,
        sign_in_per_account=_rate(config, "SIGN_IN_LIMIT_PER_ACCOUNT"),
        sign_in_per_address=_rate(config, "SIGN_IN_LIMIT_PER_ADDRESS"),
        tokens_per_account=_rate(config, "TOKEN_LIMIT_PER_ACCOUNT", may_be_off=True),
        api_per_account=_rate(config, "API_RATE_LIMIT", may_be_off=True),
        trusted_proxy_count=proxies,
    )


def _retention_settings(config: Mapping[str, Any]) -> RetentionSettings:
    days = {}
    keys = ("OUTBOX_RETENTION_DAYS", "OUTBOX_FAILED_RETENTION_DAYS", "IMPORT_JOB_RETENTION_DAYS")
    for key in keys:
        value = config.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{key} must be a whole number of days (0: keep), not {value!r}.")
        days[key] = value
    return RetentionSettings(
        outbox_days=days["OUTBOX_RETENTION_DAYS"],
        outbox_failed_days=days["OUTBOX_FAILED_RETENTION_DAYS"],
        import_job_days=days["IMPORT_JOB_RETENTION_DAYS"],
        batch_size=_batch_size(config),
        every_seconds=_positive_number(config, "PURGE_EVERY_SECONDS", 3600.0),
    )


# A batch's ids are bound one parameter each, and PostgreSQL takes at most 65535 of them.
MAX_PURGE_BATCH = 10_000


def _batch_size(config: Mapping[str, Any]) -> int:
    size = _positive_int(config, "PURGE_BATCH_SIZE", 1000)
    if size > MAX_PURGE_BATCH:
        raise ConfigError(f"PURGE_BATCH_SIZE must be at most {MAX_PURGE_BATCH}, not {size}.")
    return size


def _rate(config: Mapping[str, Any], key: str, *, may_be_off: bool = False) -> str:
    value = _given(config, key).strip()
    if not value and may_be_off:
        return ""
    try:
        parse_many(value)
    except ValueError:
        off = " or empty (no limit)" if may_be_off else ""
        raise ConfigError(f"{key} must read like '5 per 15 minutes'{off}, not {value!r}.") from None
    return value


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
