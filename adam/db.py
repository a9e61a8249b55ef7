"""SQLAlchemy base, shared column types and the engine factory (no Flask here)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Enum,
    MetaData,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.pool import StaticPool

from adam.sqlite_writes import serialize_writes

# Named constraints let Alembic drop and alter them on both SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


MAX_ID = 2**31 - 1  # primary keys are INTEGER; larger ids cannot exist (and overflow drivers)


class Money(TypeDecorator[Decimal]):
    """An exact amount with two decimals, stored as whole cents in a 64-bit integer.

    SQLite keeps NUMERIC as a double, which silently changes amounts past 15 digits and
    sums them inexactly; integer cents are exact on both backends, and so are their sums.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return int((Decimal(str(value)) * 100).to_integral_value())

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def enum_type(kind: type[enum.Enum], name: str) -> Enum:
    """An enum column type stored as its values in a plain string column (no PostgreSQL type):
    portable, readable in SQL, and a new value needs no migration dance."""
    return Enum(kind, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e])


intpk = Annotated[int, mapped_column(primary_key=True)]
timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]
country_code = Annotated[str, mapped_column(String(2))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON()}


# Made by the duplicate-alerts migration for one backend only (SQLite FTS5 tables, the
# PostgreSQL tsvector column and its index); the models cannot describe them portably, so
# Alembic's comparisons leave them out.
FULL_TEXT_NAMES = frozenset({"document", "ix_project_search_document"})


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: everything but the backend-specific full-text objects."""
    if type_ == "table" and name and name.startswith("project_fts"):
        return False
    return not (name in FULL_TEXT_NAMES and type_ in ("column", "index"))


SQLITE_MMAP_BYTES = 1 << 30
SQLITE_SORT_THREADS = 1


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs to be safe under concurrent writers."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": 30}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        in_memory = url in ("sqlite://", "sqlite:///:memory:")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                # WAL lets readers proceed while one writer commits.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # Read pages straight from the OS cache instead of copying each into
                # SQLite's own cache. Reads only: SQLite still writes with write(), so
                # durability is as without it. The size is an upper bound, not an allocation.
                cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
                # Let a large sort (the tables' GROUP BY) use a helper thread.
                cursor.execute(f"PRAGMA threads={SQLITE_SORT_THREADS}")
            cursor.close()

        if not in_memory:
            serialize_writes(engine, make_url(url).database or "", timeout=connect_args["timeout"])
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
