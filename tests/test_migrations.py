"""The migrations build the schema the models describe, on both backends, and go back down."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from adam.cli import alembic_config
from adam.db import Base, UTCDateTime, include_name, make_engine
from adam.projects.models import project_cell_fact
from tests.conftest import _drop_postgres_database, _postgres_database


def test_models_and_migrations_agree(database_url: str) -> None:
    # database_url was built by `upgrade head` from an empty database.
    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_base_and_back(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if database_url.startswith("postgresql"):
        url = database_url  # a throw-away database of this test session
    else:
        url = f"sqlite:///{tmp_path / 'down.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(url)
    remaining = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert remaining == set()
    command.upgrade(config, "head")


def test_event_history_backfill_gives_each_stored_event_its_creation(
    backend: str, tmp_path: Path
) -> None:
    """Events stored before the event history get one "create" row each, at their creation
    time, with no actor and no changes; going back down drops the table and keeps them."""
    url = _postgres_database() if backend == "postgresql" else f"sqlite:///{tmp_path / 'e.db'}"
    try:
        config = alembic_config(url)
        command.upgrade(config, "d0e1f2a3b4c5")
        engine = make_engine(url)
        created = [
            dt.datetime(2023, 6, 13, 9, tzinfo=dt.UTC),
            dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        ]
        events = sa.table(
            "pact_event",
            sa.column("id"),
            sa.column("kind"),
            sa.column("start_date"),
            sa.column("date_precision"),
            sa.column("routes", sa.JSON),
            sa.column("version"),
            sa.column("created_at", UTCDateTime()),
            sa.column("updated_at", UTCDateTime()),
        )
        with engine.begin() as conn:
            for number, at in enumerate(created, start=1):
                conn.execute(
                    sa.insert(events).values(
                        id=number,
                        kind="expert_working_group",
                        start_date=at.date(),
                        date_precision="day",
                        routes=[],
                        version=1,
                        created_at=at,
                        updated_at=at,
                    )
                )
        command.upgrade(config, "e1f2a3b4c5d6")
        history = sa.table(
            "event_history",
            sa.column("event_id"),
            sa.column("action"),
            sa.column("actor_id"),
            sa.column("at", UTCDateTime()),
            sa.column("changes", sa.JSON),
            sa.column("note"),
        )
        with engine.connect() as conn:
            rows = conn.execute(sa.select(history).order_by(history.c.event_id)).all()
        assert [(r.event_id, r.action, r.actor_id, r.changes, r.note) for r in rows] == [
            (1, "create", None, {}, None),
            (2, "create", None, {}, None),
        ]
        assert [r.at for r in rows] == created
        command.downgrade(config, "d0e1f2a3b4c5")
        with engine.connect() as conn:
            assert "event_history" not in sa.inspect(conn).get_table_names()
            assert conn.scalar(sa.select(sa.func.count()).select_from(events)) == 2
        engine.dispose()
    finally:
        if backend == "postgresql":
            _drop_postgres_database(url)


def test_cell_fact_backfill_copies_what_the_service_writes(
    app: Flask, register: Any, database_url: str
) -> None:
    """The migration that made project_cell_fact filled it, in SQL of its own, with the rows
    adam/projects/facts.py writes: upgrading a database holding projects gives the same rows."""
    register(
        countries=["TJ", "AF"],
        themes=["border-control", "forensics"],
        donors=["gb-fcdo", "us-inl"],
    )
    register(status="pipeline", budget=None, end_date=None)
    engine = app.extensions["adam.engine"]
    cells = sa.table("project_cell_fact", *(sa.column(c.name) for c in project_cell_fact.c))

    def rows() -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(sa.select(cells)))

    written = rows()
    assert len(written) == 2 * 2 * 2 + 1
    engine.dispose()  # no pooled connection holds a lock on the tables going down
    config = alembic_config(database_url)
    command.downgrade(config, "a7b8c9d0e1f2")
    command.upgrade(config, "head")
    assert rows() == written
