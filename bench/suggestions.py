"""Time the suggestions of an unknown code (the nearest known ones) with many organizations.

    .venv/bin/python bench/suggestions.py --url sqlite:////tmp/adam_suggest.sqlite3 --orgs 10000
    .venv/bin/python bench/suggestions.py \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/adam_suggest --orgs 10000

Makes the database (SQLite file or PostgreSQL database, dropped first), migrates it, seeds the
reference data and ``--orgs`` organizations with made-up names, then times (p50 / p95 / max of
this process's CPU time, steadier than wall time on a shared machine; on SQLite it includes the
database's work, on PostgreSQL not the server's):
reading the organizations' index, ``nearest`` on it, a whole refused filter
``GET /api/v1/projects?donor=<typo>`` through the Flask test client, and the same for a
country (whose index is built once per process).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.cli import alembic_config
from adam.db import make_engine
from adam.reference import refusals
from adam.reference.models import Organization, OrganizationType
from adam.reference.refusals import country_index, organization_index
from adam.reference.seed import seed_reference_data
from adam.reference.suggest import nearest
from adam.session import new_session

WORDS = [
    "National",
    "Ministry",
    "Agency",
    "Office",
    "Foundation",
    "Institute",
    "Council",
    "Programme",
    "Fund",
    "Bureau",
    "Centre",
    "Drug",
    "Control",
    "Police",
    "Border",
    "Customs",
    "Health",
    "Justice",
    "Interior",
    "Development",
    "Cooperation",
    "Relief",
    "Narcotics",
    "Crime",
    "Security",
    "Training",
    "Research",
    "Prevention",
    "Treatment",
    "Regional",
    "International",
]


def fresh_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or "").unlink(missing_ok=True)
    else:
        server = parsed.set(database="postgres").render_as_string(hide_password=False)
        admin = make_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def timed(call: Callable[[], Any], n: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(n):
        started = time.process_time()
        result = call()
        times.append((time.process_time() - started) * 1000)
    return times, result


def row(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"| {label} | {statistics.median(ordered):.1f} | {p95:.1f} | {ordered[-1]:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--orgs", type=int, default=10000)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(17)
    fresh_database(args.url)
    app = create_app({"ENV": "testing", "DATABASE_URL": args.url})
    names = [" ".join(rng.sample(WORDS, rng.randint(3, 6))) for _ in range(args.orgs)]
    with new_session(app) as session:
        seed_reference_data(session)
        session.execute(
            sa.insert(Organization),
            [
                {
                    "code": f"XM-ORG-{i:05d}",
                    "code_key": f"xm-org-{i:05d}",
                    "name": name,
                    "acronym": "".join(w[0] for w in name.split()),
                    "type": OrganizationType.OTHER,
                }
                for i, name in enumerate(names)
            ],
        )
        user = auth_service.create_user(session, email="b@adam.invalid", role=Role.COORDINATOR)
        token = auth_service.issue_token(session, user, ttl_days=1).token
        session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    typos = [f"XM-ORG-{rng.randrange(args.orgs):05d}1" for _ in range(args.n)]
    with new_session(app) as session:
        read, _ = timed(
            lambda: (refusals._ORGANIZATIONS.clear(), organization_index(session)), args.n
        )
        stamp_only, index = timed(lambda: organization_index(session), args.n)
    near = []
    for typo in typos:
        started = time.process_time()
        found = nearest(typo, index)
        near.append((time.process_time() - started) * 1000)
        assert found, typo
    by_name = []
    for name in rng.sample(names, args.n):
        started = time.process_time()
        nearest(name.lower() + "x", index)
        by_name.append((time.process_time() - started) * 1000)

    def refuse(query: str) -> None:
        response = client.get(f"/api/v1/projects?{query}", headers=headers)
        assert response.status_code == 422, response.json
        assert "Did you mean" in response.json["error"]["details"][query.split("=")[0]][0]

    client.get("/api/v1/projects", headers=headers)  # warm: the first request builds the app
    org_requests = []  # the index was built above: these read the stamp only
    for typo in typos:
        started = time.process_time()
        refuse(f"donor={typo}")
        org_requests.append((time.process_time() - started) * 1000)
    accepted, _ = timed(
        lambda: client.get(f"/api/v1/projects?donor={typos[0][:-1]}", headers=headers), args.n
    )
    country_build, _ = timed(lambda: (country_index.cache_clear(), country_index()), 5)
    country_requests, _ = timed(lambda: refuse("country=TX"), args.n)
    print(f"{sa.make_url(args.url).get_backend_name()}, {args.orgs} organizations, n={args.n}")
    print("| step | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
    print(row("read and index the organizations (3 columns, all rows)", read))
    print(row("the same, unchanged since (the stamp only)", stamp_only))
    print(row("nearest(code typo) on it", near))
    print(row("nearest(name typo) on it", by_name))
    print(row("GET /projects?donor=<typo>: 422 with suggestion", org_requests))
    print(row("GET /projects?donor=<known>: 200 (no suggestion asked)", accepted))
    print(row("build the country index (once per process)", country_build))
    print(row("GET /projects?country=TX: 422 with suggestion", country_requests))
    app.extensions["adam.engine"].dispose()


if __name__ == "__main__":
    main()
