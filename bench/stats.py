"""Server time of each aggregation behind the statistics page, the map and the country page.

    .venv/bin/python bench/stats.py --url sqlite:////tmp/adam_stats/adam_stats_100000.sqlite3
    .venv/bin/python bench/stats.py \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/adam_stats_1000000 [--n 60]

Takes a corpus built by ``corpus.py`` (migrated to the current head first), issues a
coordinator's token and times each API request through the Flask test client (routing, token,
queries, JSON; no HTTP server). Each request of an aggregation takes one filter set at random:
none, a route country, a theme, a donor, a year, or a theme with a status, so the figures mix
the unfiltered case (the heaviest) with the filters a person picks. Prints p50/p95/max (ms).
"""

from __future__ import annotations

import argparse
import random
import time
import uuid

from sqlalchemy import text

from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.db import make_engine
from adam.session import new_session

COUNTRIES = ("AF", "TJ", "UZ", "KZ", "KG", "PK", "IR", "TM", "RU", "AZ")
THEMES = ("border-control", "law-enforcement", "precursor-control", "demand-reduction")
# (name, path and query): what each chart and the map ask.
AGGREGATIONS = (
    ("map: by country", "/api/v1/stats/projects?by=country"),
    ("bars: by theme", "/api/v1/stats/projects?by=theme"),
    ("bars: by donor", "/api/v1/stats/projects?by=donor"),
    ("bars: by year", "/api/v1/stats/projects?by=year"),
    ("stacked: country x theme", "/api/v1/stats/projects?by=country,theme"),
    ("matrix: donor x country", "/api/v1/stats/projects?by=donor,country"),
    ("timeline", "/api/v1/stats/timeline"),
    ("timeline by theme", "/api/v1/stats/timeline?by=theme"),
)


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[int(share * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=60, help="requests per aggregation")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--only", help="time only aggregations whose name contains this")
    args = parser.parse_args()
    from alembic import command

    from adam.cli import alembic_config

    command.upgrade(alembic_config(args.url), "head")
    rng = random.Random(args.seed)
    app = create_app({"DATABASE_URL": args.url, "LOG_LEVEL": "WARNING"})
    with new_session(app) as session:
        user = auth_service.create_user(
            session,
            email=f"stats-{uuid.uuid4().hex[:8]}@adam.invalid",
            role=Role.COORDINATOR,
            password="bench passphrase 2026",
        )
        token = auth_service.issue_token(session, user, ttl_days=1).token
        session.commit()
    engine = make_engine(args.url)
    with engine.connect() as conn:
        donors = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT o.code FROM organization o JOIN project_organization po"
                    " ON po.organization_id = o.id WHERE po.role = 'donor'"
                    " GROUP BY o.code ORDER BY count(*) DESC LIMIT 20"
                )
            )
        ]
    engine.dispose()
    filters = (
        lambda: "",
        lambda: f"country={rng.choice(COUNTRIES)}",
        lambda: f"theme={rng.choice(THEMES)}",
        lambda: f"donor={rng.choice(donors)}",
        lambda: f"year={rng.randint(2016, 2026)}",
        lambda: f"theme={rng.choice(THEMES)}&status=implementation",
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    print(f"{args.url.rsplit('/', 1)[1]}: {args.n} requests per aggregation")
    print("| aggregation | p50 / p95 / max (ms) |\n|---|---:|")
    for name, path in AGGREGATIONS:
        if args.only and args.only not in name:
            continue
        timings = []
        for i in range(args.n + 3):
            extra = rng.choice(filters)()
            url = f"{path}&{extra}" if "?" in path else f"{path}?{extra}"
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.json)
            if i >= 3:  # warm-up: the first requests load the app's caches
                timings.append(elapsed)
        print(
            f"| {name} | {percentile(timings, 0.5):.1f} / {percentile(timings, 0.95):.1f}"
            f" / {max(timings):.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
