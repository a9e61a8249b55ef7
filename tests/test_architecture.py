"""Layering rules from STYLE.md: services, models and schemas know nothing of Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


def test_every_write_endpoint_requires_a_token() -> None:
    from adam.app import create_app
    from adam.web import PUBLIC_ENDPOINTS

    app = create_app({"DATABASE_URL": "sqlite://"})
    writes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods and rule.methods & {"POST", "PATCH", "PUT", "DELETE"}
    }
    assert writes & PUBLIC_ENDPOINTS == {"auth.issue_token"}


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
