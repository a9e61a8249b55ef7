"""The adam command: migrate, seed (idempotent), create users, load the demo."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask

from adam.cli import main


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
