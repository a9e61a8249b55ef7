"""The adam command: migrate, seed (idempotent), create users, load the demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import delete

from adam.cli import main
from adam.db import utcnow
from adam.iati.models import ImportJob
from adam.projects.models import project_cell_fact, project_fact
from adam.session import new_session
from tests.iati.import_helpers import Act, iati_file


def _run(app: Flask, *args: str) -> str:
    runner = app.test_cli_runner()
    result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_is_idempotent(app: Flask) -> None:
    first = _run(app, "seed")
    second = _run(app, "seed")
    assert "0 added, 0 updated; themes: 0 added, 0 updated" in first  # the fixture seeded already
    assert first == second


def test_users_create_prints_a_working_token(app: Flask) -> None:
    output = _run(
        app,
        "users",
        "create",
        "--email",
        "FP@Example.org",
        "--role",
        "focal_point",
        "--country",
        "tj",
    )
    token = output.strip().splitlines()[-1]
    assert token.startswith("adam_")
    me = app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["email"] == "fp@example.org" and me.json["country"] == "TJ"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "focal_point"], "needs a country"),
        (["--role", "focal_point", "--country", "ZZ"], "Unknown country"),
        (["--role", "donor", "--org", "nobody"], "Unknown organization"),
    ],
)
def test_users_create_refuses_bad_scope(app: Flask, args: list[str], message: str) -> None:
    runner: CliRunner = app.test_cli_runner()
    result = runner.invoke(main, ["users", "create", "--email", "x@example.org", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_demo_data_loads_once(app: Flask) -> None:
    output = _run(app, "seed", "--demo")
    assert "Demo data: 21 organizations, 35 projects." in output
    assert "nothing loaded" in _run(app, "seed", "--demo")


def test_import_keeps_the_leases_of_the_files_waiting_their_turn(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file's job is claimed at the start; while the first imports, a worker looking for
    jobs whose lease ran out must find none of this command's, or the command would stop on
    "taken over" (as it did: the waiting leases were never renewed)."""
    from adam.iati import runner
    from adam.iati import service as import_service

    # The lease clock stands still but for the imports: each activity takes 30 s, so the
    # first file's eight outlast the 120 s lease of the second's job.
    now = [utcnow()]
    monkeypatch.setattr(import_service, "utcnow", lambda: now[0])
    monkeypatch.setattr(runner, "utcnow", lambda: now[0])
    real_run_job = runner.run_job
    taken: list[int] = []

    def run_then_a_worker_looks(*args: Any, **kwargs: Any) -> ImportJob | None:
        shown = kwargs["progress"]

        def slow(done: int) -> None:
            now[0] += dt.timedelta(seconds=30 * done)
            shown(done)

        job = real_run_job(*args, **{**kwargs, "progress": slow})
        with new_session(app) as session:
            claimed = import_service.claim_next(session, lease_seconds=120)
            session.commit()
        if claimed is not None:
            taken.append(claimed[0])
        return job

    monkeypatch.setattr(runner, "run_job", run_then_a_worker_looks)
    files = []
    for name in ("first", "second"):
        path = tmp_path / f"{name}.xml"
        path.write_bytes(iati_file(*(Act(f"{name}-{i}") for i in range(8))))
        files.append(str(path))

    result = app.test_cli_runner().invoke(main, ["import", "iati", *files])

    assert result.exit_code == 0, result.output
    assert taken == []
    assert "(first.xml): done. 8 activities" in result.stdout
    assert "(second.xml): done. 8 activities" in result.stdout


def test_demo_adds_one_person_of_each_role_who_can_sign_in(app: Flask) -> None:
    from adam.demo.load import DEMO_PASSWORD
    from tests.portal.helpers import sign_in

    output = _run(app, "seed", "--demo")
    assert "Demo accounts: 5 added." in output
    assert "Sign in at /sign-in" in output and DEMO_PASSWORD in output
    client = app.test_client()
    for email, role in [
        ("demo-admin@adam.invalid", "admin"),
        ("demo-coordinator@adam.invalid", "coordinator"),
        ("demo-focal-point@adam.invalid", "focal_point"),
        ("demo-donor@adam.invalid", "donor"),
        ("demo-viewer@adam.invalid", "viewer"),
    ]:
        assert f"{email}" in output and f"({role})" in output
        me = client.post("/api/v1/auth/tokens", auth=(email, DEMO_PASSWORD))
        assert me.status_code == 201, email
        info = client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {me.json['token']}"}
        ).json
        assert info["role"] == role
        if role == "focal_point":
            assert info["country"] == "TJ"
        if role == "donor":
            assert info["organization"] == "gb-fcdo"
    assert sign_in(app.test_client(), "demo-admin@adam.invalid", DEMO_PASSWORD).status_code == 303
    again = _run(app, "seed", "--demo")
    assert "Demo accounts: 0 added." in again


def test_demo_is_refused_in_production(app: Flask) -> None:
    from adam.auth.models import User

    app.config["ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(main, ["seed", "--demo"])
    finally:
        app.config["ENV"] = "testing"
    assert result.exit_code != 0
    assert "refused in production" in result.output
    with new_session(app) as session:
        assert session.query(User).filter(User.email.like("demo-%")).count() == 0


def test_refresh_facts_finds_and_repairs_drift(
    app: Flask, client: Any, coordinator: Any, register: Any
) -> None:
    register(end_date="2099-06-30")  # active: in the gap view
    assert "it matched the projects" in _run(app, "db", "refresh-facts")
    with new_session(app) as session:
        session.execute(delete(project_fact).where(project_fact.c.dimension == 1))
        session.commit()
    assert "project_fact: 5 rows; 1 rows differed" in _run(app, "db", "refresh-facts")
    body = client.get("/api/v1/stats/projects?by=country", headers=coordinator.headers).json
    assert [r["country"]["code"] for r in body["rows"]] == ["TJ"]
    with new_session(app) as session:
        session.execute(delete(project_cell_fact))
        session.commit()
    output = _run(app, "db", "refresh-facts")
    assert "project_fact: 5 rows; it matched" in output
    assert "project_cell_fact: 1 rows; 1 rows differed" in output
    gaps = client.get("/api/v1/gaps?country=TJ", headers=coordinator.headers).json
    assert [cell["projects"]["active"] for cell in gaps["cells"]] == [1], gaps
