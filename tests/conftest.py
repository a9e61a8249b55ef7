"""Fixtures: every test runs once on SQLite and once on PostgreSQL, each on an empty database.

The schema is built by the real migrations once per backend; between tests every table but
the reference data (countries, themes) is emptied, so each test starts clean.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.db import Base, make_engine
from adam.gaps import service as gaps_service
from adam.iati import background
from adam.reference import service as reference_service
from adam.reference.models import OrganizationType
from adam.reference.seed import seed_reference_data
from adam.session import new_session
from adam.workflows import search as search_workflow
from tests.notifications.servers import Receiver, SmtpServer

PG_URL = os.environ.get(
    "ADAM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
KEEP_TABLES = {"country", "theme", "alembic_version"}
BACKENDS = [b for b in os.environ.get("ADAM_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def _postgres_database() -> str:
    """Create a throw-away database on the PostgreSQL server; fail under CI if it is down."""
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"adam_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI and is unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    finally:
        admin.dispose()
    return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = sa.make_url(url).database
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(url: str) -> None:
    from alembic import command

    from adam.cli import alembic_config

    command.upgrade(alembic_config(url), "head")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'test.sqlite3'}"
            migrate(url)
            yield url
        return
    url = _postgres_database()
    try:
        migrate(url)
        yield url
    finally:
        _drop_postgres_database(url)


@pytest.fixture()
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        {"ENV": "testing", "DATABASE_URL": database_url, "UPLOAD_DIR": str(tmp_path / "uploads")}
    )
    # No app context is held here: each request must get (and close) its own session.
    with new_session(application) as session:
        seed_reference_data(session)
        session.commit()
    yield application
    background.drain()  # import jobs the test started hold sessions until they end
    # Emptied tables give ids again from 1, so a later test could meet a write mark the
    # caches (search counts, the kept gap matrix) have seen; in service nothing is deleted.
    search_workflow.COUNTS.clear()
    gaps_service.clear_cache()
    engine = application.extensions["adam.engine"]
    _empty(engine)
    engine.dispose()


def _empty(engine: sa.Engine) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@dataclass
class Account:
    id: int
    email: str
    token: str
    role: Role

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture()
def make_org(app: Flask) -> Callable[..., str]:
    def make(
        code: str, name: str | None = None, type: str = "bilateral", country: str | None = None
    ) -> str:
        with new_session(app) as session:
            reference_service.create_organization(
                session,
                actor=None,
                code=code,
                name=name or code.upper(),
                type=OrganizationType(type),
                country=country,
            )
            session.commit()
        return code

    return make


@pytest.fixture()
def make_user(app: Flask) -> Callable[..., Account]:
    def make(
        role: str,
        *,
        country: str | None = None,
        org: str | None = None,
        password: str | None = None,
        email: str | None = None,
    ) -> Account:
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.org"
        with new_session(app) as session:
            user = auth_service.create_user(
                session,
                email=email,
                role=Role(role),
                name=role.title(),
                password=password,
                country=country,
                organization=org,
            )
            issued = auth_service.issue_token(session, user, ttl_days=1)
            session.commit()
            return Account(user.id, user.email, issued.token, Role(role))

    return make


@pytest.fixture()
def orgs(make_org: Callable[..., str]) -> dict[str, str]:
    """A small organization registry: two bilateral donors, a multilateral, a national agency."""
    return {
        "fcdo": make_org("gb-fcdo", "Foreign, Commonwealth & Development Office", country="GB"),
        "inl": make_org("us-inl", "Bureau of International Narcotics and Law Enforcement Affairs"),
        "unodc": make_org("unodc", "United Nations Office on Drugs and Crime", "multilateral"),
        "dca": make_org("tj-dca", "Drug Control Agency of Tajikistan", "government", "TJ"),
    }


@pytest.fixture()
def coordinator(make_user: Callable[..., Account]) -> Account:
    return make_user("coordinator")


@pytest.fixture()
def admin(make_user: Callable[..., Account]) -> Account:
    return make_user("admin")


def project_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Border liaison offices on the Tajik-Afghan border",
        "description": "Equipment and training for three border liaison offices.",
        "donors": ["gb-fcdo"],
        "implementers": ["unodc"],
        "countries": ["TJ"],
        "themes": ["border-control"],
        "status": "implementation",
        "start_date": "2025-03-01",
        "end_date": "2026-06-30",
        "budget": {"amount": "1250000.00", "currency": "USD"},
    }
    body.update(overrides)
    return body


@pytest.fixture()
def register(
    client: FlaskClient, coordinator: Account, orgs: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """Register a project as a coordinator and return its JSON (with the ETag under _etag)."""

    def make(**overrides: Any) -> dict[str, Any]:
        response = client.post(
            "/api/v1/projects", json=project_body(**overrides), headers=coordinator.headers
        )
        assert response.status_code == 201, response.json
        return {**response.json, "_etag": response.headers["ETag"]}

    return make


# Real mail and webhook servers, for the notification tests and the end-to-end alert test.
@pytest.fixture()
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()
