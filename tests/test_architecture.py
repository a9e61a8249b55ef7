"""Layering rules from STYLE.md: services, models and schemas know nothing of Flask."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from adam.access import access_of, declared

PACKAGE = Path(__file__).resolve().parent.parent / "adam"
FLASK_FREE = sorted(
    p
    for p in PACKAGE.rglob("*.py")
    if p.name
    in {"service.py", "models.py", "schemas.py", "filters.py", "permissions.py", "seed.py"}
    or p.name == "db.py"
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", FLASK_FREE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_flask_below_the_routes(path: Path) -> None:
    assert {"flask", "flask_smorest", "werkzeug"} & _imports(path) == set()


def _app() -> Flask:
    from adam.app import create_app

    return create_app({"DATABASE_URL": "sqlite://"})


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) of every registered route: GET where the route answers it, else
    its first method, with every path parameter 1."""
    urls = app.url_map.bind("localhost")
    routes: list[tuple[str, str, str]] = []
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        method = "GET" if "GET" in methods else methods[0]
        url = urls.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), method=method)
        routes.append((rule.endpoint, method, url))
    return routes


def test_every_route_declares_whether_it_needs_a_token() -> None:
    app = _app()
    undeclared = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if declared(app.view_functions[rule.endpoint]) is None
    )
    assert undeclared == [], f"declare @public or @protected (adam.access) on {undeclared}"


def test_only_signing_in_is_a_public_write() -> None:
    """Token issuing and the portal's sign-in check a password; the language switch only sets
    the browser's choice (and the account's, for a person signed in)."""
    app = _app()
    public_writes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods
        and rule.methods & {"POST", "PATCH", "PUT", "DELETE"}
        and access_of(app.view_functions[rule.endpoint]).public
    }
    assert public_writes == {
        "auth.issue_token",
        "portal_account.sign_in",
        "portal_account.switch_language",
    }


def _refusal(response: TestResponse) -> str | None:
    """The 401's message, or None when the response is not a 401."""
    if response.status_code != 401:
        return None
    return str(response.json["error"]["message"])  # type: ignore[index]


def test_declarations_decide_who_is_answered_without_a_token() -> None:
    app = _app()
    client = app.test_client()
    wrong: list[str] = []
    for endpoint, method, url in _routes(app):
        response = client.open(url, method=method)
        access = access_of(app.view_functions[endpoint])
        public = access.public
        refusal = _refusal(response)
        if access.by == "session":
            # A portal page: strangers are sent to sign in, not asked for a token.
            sent_away = response.status_code == 302 and response.headers["Location"].startswith(
                "/sign-in"
            )
            ok = refusal is None and sent_away != public
        elif public:
            # A public view may authenticate its caller itself, with HTTP Basic (token
            # issuing), but never asks for a token.
            ok = refusal is None or "HTTP Basic" in refusal
        else:
            ok = refusal is not None and refusal.startswith("Send 'Authorization: Bearer")
        if not ok:
            wrong.append(
                f"{endpoint} ({'public' if public else 'protected'}): "
                f"{method} {url} answered {response.status_code}"
            )
    assert wrong == []


def test_the_matcher_loads_without_the_app() -> None:
    """A scan worker imports the matcher alone: the package's ``__init__`` pulls in nothing."""
    import subprocess
    import sys

    probe = (
        "import sys, adam.matching.score; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'adam.app') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"


# As the `adam` console script: it imports the entry point at the top, and a spawned process
# re-runs that script (as __mp_main__) before it takes its first task.
SCAN_WORKER = """
from adam.__main__ import main

if __name__ == "__main__":
    import json
    import os

    from adam.duplicates import scan

    os.cpu_count = lambda: 2  # so that _score_all spawns even on one core
    # A scan task unpickles adam.matching.pairs objects, importing that module.
    probe = "(__import__('adam.matching.pairs'), sorted(__import__('sys').modules))[1]"
    [(_, modules)] = scan._score_all(eval, iter([(None, probe)]), parallel=True)
    print(json.dumps(modules))
"""


def test_a_scan_worker_started_by_the_command_loads_the_matcher_not_the_app(
    tmp_path: Path,
) -> None:
    script = tmp_path / "adam"
    script.write_text(SCAN_WORKER)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    assert {"flask", "sqlalchemy", "marshmallow"} & modules == set()
    ours = {m for m in modules if m == "adam" or m.startswith("adam.")}
    assert "adam.matching.pairs" in ours
    assert {m for m in ours if not m.startswith("adam.matching")} == {"adam", "adam.__main__"}
