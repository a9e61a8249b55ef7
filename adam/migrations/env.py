"""Alembic environment: the URL comes from the caller (adam db upgrade), tables from the models."""

from __future__ import annotations

from alembic import context

import adam.models  # noqa: F401  (registers every table on the metadata)
from adam.db import Base, include_name, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # adam db upgrade always sets it (adam.cli.alembic_config)
        raise RuntimeError("Alembic was run without a database URL; use `adam db upgrade`.")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:  # a migration that refuses must not leave its connection open
        engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
