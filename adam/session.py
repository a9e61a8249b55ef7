"""One SQLAlchemy session per request, closed at teardown (Flask docs' plain-SQLAlchemy pattern)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adam.db import make_engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["adam.engine"] = engine
    app.extensions["adam.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


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
