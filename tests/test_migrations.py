"""The migrations build the schema the models describe, on both backends, and go back down."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from adam.cli import alembic_config
from adam.db import Base, include_name, make_engine


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
