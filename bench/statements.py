"""Count the SQL statements one registration with matching runs, and list them.

    .venv/bin/python bench/statements.py --backend postgresql     # or sqlite

A fresh database (PostgreSQL: a throw-away database on 127.0.0.1, dropped at the end; SQLite:
a temporary file), 20 registrations of one theme, then the 21st, near-duplicate of them all,
whose statements are counted (``before_cursor_execute``). Round trips, not milliseconds: the
count does not depend on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy import event

from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.cli import alembic_config
from adam.db import make_engine
from adam.reference import service as reference_service
from adam.reference.models import OrganizationType
from adam.reference.seed import seed_reference_data
from adam.session import new_session

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def body(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": "Equipment and training for three border liaison offices.",
        "donors": ["gb-fcdo"],
        "implementers": ["unodc"],
        "countries": ["TJ"],
        "themes": ["border-control"],
        "status": "implementation",
        "start_date": "2025-03-01",
        "end_date": "2026-06-30",
    }


def count(url: str) -> list[str]:
    command.upgrade(alembic_config(url), "head")
    app = create_app({"ENV": "testing", "DATABASE_URL": url})
    with new_session(app) as session:
        seed_reference_data(session)
        for code in ("gb-fcdo", "unodc"):
            reference_service.create_organization(
                session, actor=None, code=code, name=code, type=OrganizationType.BILATERAL
            )
        user = auth_service.create_user(
            session, email="c@example.org", role=Role.COORDINATOR, name="C", password=None
        )
        token = auth_service.issue_token(session, user, ttl_days=1).token
        session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(20):
        title = f"Border liaison office number {i} training"
        client.post("/api/v1/projects", json=body(title), headers=headers)
    statements: list[str] = []
    engine = app.extensions["adam.engine"]

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split())[:160])

    answer = client.post(
        "/api/v1/projects",
        json=body("Border liaison office number 3 training"),
        headers=headers,
    )
    print(f"status {answer.status_code}, {len(answer.json['possible_duplicates'])} duplicates")
    engine.dispose()
    return statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    args = parser.parse_args()
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            statements = count(f"sqlite:///{Path(folder) / 'count.sqlite3'}")
    else:
        name = f"adam_statements_{uuid.uuid4().hex[:8]}"
        admin = make_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            statements = count(f"{PG_SERVER}/{name}")
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    for statement in statements:
        print("  ", statement)
    print(f"{len(statements)} statements")


if __name__ == "__main__":
    main()
