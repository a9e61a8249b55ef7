"""One SQLAlchemy session per request, closed at teardown (Flask docs' plain-SQLAlchemy pattern)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from adam.db import make_engine
from adam.settings import Settings, session_factory

SETTINGS_KEY = "adam.settings"


def init_app(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    app.extensions[SETTINGS_KEY] = settings
    app.extensions["adam.engine"] = engine
    app.extensions["adam.sessionmaker"] = session_factory(engine, settings)
    app.teardown_appcontext(_close_session)


def get_settings(app: Flask | None = None) -> Settings:
    """The settings the app was built with (checked at start)."""
    settings: Settings = (app or current_app).extensions[SETTINGS_KEY]
    return settings


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["adam.engine"]


def new_session(app: Flask | None = None) -> Session:
    """A session outside the request cycle (CLI commands, workers); the caller closes it."""
    return (app or current_app).extensions["adam.sessionmaker"]()


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def rollback_request_session() -> None:
    """Undo whatever the failed request wrote, before its error answer is sent."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
