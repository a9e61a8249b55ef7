"""Server time of the portal's main pages on a corpus: search, project, inbox, alert.

    .venv/bin/python bench/portal_pages.py \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/adam_match_100000 [--n 200]
        # or --url sqlite:////tmp/adam_match/adam_match_100000.sqlite3

Takes a corpus built by ``matching.py`` (migrated to the current head first), removes what
earlier runs registered, registers copies of 60 corpus projects through the API so that the
inbox has open alerts, signs a coordinator in through the sign-in form, and times each page
through the Flask test client (the whole request: routing, sign-in cookie, queries,
templates; no HTTP server): the search page with a random route country and theme as facets,
the search page with nothing chosen, a random project's page, the inbox, an alert's page.
Prints p50/p95/max per page and removes what it registered.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import matching

from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.db import make_engine
from adam.session import new_session

PASSWORD = "bench passphrase 2026"
COUNTRIES = ("AF", "TJ", "UZ", "KZ", "KG", "PK", "IR", "TM", "RU", "AZ")
THEMES = ("border-control", "law-enforcement", "precursor-control", "demand-reduction")


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[int(share * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    database = args.url.rsplit("/", 1)[1]
    size = int(database.removesuffix(".sqlite3").rsplit("_", 1)[1])
    from alembic import command

    from adam.cli import alembic_config

    command.upgrade(alembic_config(args.url), "head")
    matching.reset_to_corpus(args.url, size)
    rng = random.Random(args.seed)
    app = create_app({"DATABASE_URL": args.url, "LOG_LEVEL": "WARNING"})
    email = f"pages-{uuid.uuid4().hex[:8]}@adam.invalid"
    with new_session(app) as session:
        user = auth_service.create_user(
            session, email=email, role=Role.COORDINATOR, password=PASSWORD
        )
        token = auth_service.issue_token(session, user, ttl_days=1).token
        session.commit()
    api = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    engine = make_engine(args.url)
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM project ORDER BY id"))]
    for project_id in rng.sample(ids, 60):
        original = client.get(f"/api/v1/projects/{project_id}", headers=api).json
        copy = {
            key: original[key]
            for key in ("title", "description", "status", "start_date", "end_date")
            if original.get(key) is not None
        }
        copy["countries"] = [c["code"] for c in original["countries"]] or ["TJ"]
        copy["themes"] = [t["slug"] for t in original["themes"]] or ["border-control"]
        copy["donors"] = [d["code"] for d in original["donors"]]
        copy["implementers"] = [i["code"] for i in original["implementers"]]
        client.post("/api/v1/projects", json=copy, headers=api)
    with engine.connect() as conn:
        alerts = [row[0] for row in conn.execute(text("SELECT id FROM duplicate_alert"))]
    page = client.get("/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    signed = client.post(
        "/sign-in", data={"csrf_token": csrf.group(1), "email": email, "password": PASSWORD}
    )
    assert signed.status_code == 303, signed.status_code
    pages = {
        "search, country + theme": lambda: (
            f"/projects?country={rng.choice(COUNTRIES)}&theme={rng.choice(THEMES)}"
        ),
        "search, nothing chosen": lambda: "/projects",
        "project": lambda: f"/projects/{rng.choice(ids)}",
        "inbox": lambda: "/alerts",
        "alert": lambda: f"/alerts/{rng.choice(alerts)}" if alerts else "/alerts",
    }
    print(f"{database}: {len(ids)} projects, {len(alerts)} alerts; {args.n} requests a page")
    print("| page | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, url_of in pages.items():
        for _ in range(10):  # warm caches and connections
            client.get(url_of()).close()
        walls = []
        for _ in range(args.n):
            url = url_of()
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()
            walls.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"| {name} | {percentile(walls, 0.5):.1f} | {percentile(walls, 0.95):.1f} "
            f"| {max(walls):.1f} |"
        )
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM portal_session"))
    matching.reset_to_corpus(args.url, size)


if __name__ == "__main__":
    main()
