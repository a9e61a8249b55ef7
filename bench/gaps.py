"""Server time of the gap and overlap view (GET /api/v1/gaps) and of one cell's drill-through.

    .venv/bin/python bench/corpus.py --url sqlite:////tmp/gaps_bench/gaps_100k.sqlite3 \
        --size 100000 --no-history
    PYTHONPATH=$PWD .venv/bin/python bench/gaps.py --url sqlite:////tmp/gaps_bench/gaps_100k.sqlite3

Takes a corpus built by ``corpus.py`` (migrated to the current head first) and, once, adds
``--needs`` needs (5,000) and ``--recommendations`` endorsed recommendations (2,000) with their
themes and countries, confirmed links from a fifth of them to random projects, and open
duplicate alerts, all with Core executemany inserts. Then times each request through the Flask
test client (routing, token, queries, JSON), each with one filter set at random (none, a
country, a region, a theme, a pillar, by=pillar). "after a write" makes one write through the
API before each request (untimed), in turn: a project registered in one country, a project's
budget edited, a need's state changed; the request then brings the kept matrix up to date
(the project figures of the countries the write touched, the needs, recommendations and
alerts whole). "whole" clears the kept matrix before every request: the first request after a
start. "warm" is the ordinary case, the data unchanged since the last request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import uuid
from typing import Any

from sqlalchemy import func, insert, select

from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.coverage.models import CoverageLink, LinkState
from adam.db import make_engine, utcnow
from adam.duplicates.models import AlertStatus, DuplicateAlert
from adam.gaps import service as gaps_service
from adam.needs.models import Need, NeedState, Priority, need_theme
from adam.pact.models import (
    Event,
    EventKind,
    Recommendation,
    RecommendationState,
    recommendation_country,
    recommendation_theme,
)
from adam.projects.models import Project
from adam.reference.models import Pillar, Theme
from adam.session import new_session

COUNTRIES = ("AF", "TJ", "UZ", "KZ", "KG", "PK", "IR", "TM", "RU", "AZ")
REGIONS = ("central_asia", "afghanistan_and_neighbours", "west_asia")
CURRENCIES = ("USD", "EUR", "GBP")


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[int(share * (len(values) - 1))]


def _load(url: str, needs: int, recommendations: int, rng: random.Random) -> None:
    engine = make_engine(url)
    now = utcnow()
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(Need.__table__)).scalar_one():
            engine.dispose()
            return
        started = time.perf_counter()
        theme_ids = list(conn.scalars(select(Theme.id)))
        project_max = conn.execute(select(func.max(Project.id))).scalar_one()
        need_rows, need_themes = [], []
        for i in range(1, needs + 1):
            need_rows.append(
                {
                    "id": i,
                    "country_code": rng.choice(COUNTRIES),
                    "title": f"Need {i}",
                    "priority": rng.choice(list(Priority)).value,
                    "cost_amount": rng.randint(10, 5000) * 1000,
                    "cost_currency": rng.choice(CURRENCIES),
                    "state": rng.choice(
                        [NeedState.OPEN, NeedState.OPEN, NeedState.PARTLY_MET, NeedState.MET]
                    ).value,
                    "search_text": "",
                    "version": 1,
                    "created_at": now - dt.timedelta(days=rng.randint(0, 400)),
                    "updated_at": now,
                    "illustrative": False,
                }
            )
            need_themes += [
                {"need_id": i, "theme_id": t} for t in rng.sample(theme_ids, rng.randint(1, 2))
            ]
        conn.execute(insert(Need.__table__), need_rows)
        conn.execute(insert(need_theme), need_themes)
        event_id = conn.execute(
            insert(Event.__table__).returning(Event.__table__.c.id),
            {
                "kind": EventKind.POLICY_CONSULTATIVE_GROUP.value,
                "start_date": dt.date(2023, 5, 1),
                "date_precision": "day",
                "routes": [],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        rec_rows, rec_themes, rec_countries = [], [], []
        for i in range(1, recommendations + 1):
            rec_rows.append(
                {
                    "id": i,
                    "code": f"BENCH-{i}",
                    "text_en": f"Recommendation {i}",
                    "event_id": event_id,
                    "pillar": rng.choice(list(Pillar)).value,
                    "routes": [],
                    "addressees": [],
                    "state": RecommendationState.ENDORSED.value,
                    "follow_up": "not_started",
                    "search_text": "",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "illustrative": False,
                }
            )
            rec_themes += [
                {"recommendation_id": i, "theme_id": t}
                for t in rng.sample(theme_ids, rng.randint(1, 2))
            ]
            if rng.random() < 0.8:  # the rest name no country: the regional row
                rec_countries += [
                    {"recommendation_id": i, "country_code": c}
                    for c in rng.sample(COUNTRIES, rng.randint(1, 3))
                ]
        conn.execute(insert(Recommendation.__table__), rec_rows)
        conn.execute(insert(recommendation_theme), rec_themes)
        conn.execute(insert(recommendation_country), rec_countries)
        links = [
            {
                "project_id": rng.randint(1, project_max),
                "need_id": i,
                "recommendation_id": None,
                "state": LinkState.CONFIRMED.value,
                "reasons": [],
                "created_at": now,
            }
            for i in rng.sample(range(1, needs + 1), needs // 5)
        ] + [
            {
                "project_id": rng.randint(1, project_max),
                "need_id": None,
                "recommendation_id": i,
                "state": LinkState.CONFIRMED.value,
                "reasons": [],
                "created_at": now,
            }
            for i in rng.sample(range(1, recommendations + 1), recommendations // 5)
        ]
        conn.execute(insert(CoverageLink.__table__), links)
        pairs = set()
        while len(pairs) < 2000:
            a, b = sorted(rng.sample(range(1, project_max + 1), 2))
            pairs.add((a, b))
        conn.execute(
            insert(DuplicateAlert.__table__),
            [
                {
                    "project_a_id": a,
                    "project_b_id": b,
                    "raised_by_project_id": b,
                    "score": 0.8,
                    "reasons": [],
                    "status": AlertStatus.OPEN.value,
                    "created_at": now,
                    "updated_at": now,
                }
                for a, b in pairs
            ],
        )
        if conn.dialect.name == "postgresql":
            for table in ("need", "recommendation", "pact_event", "coverage_link"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        print(
            f"loaded needs, recommendations, links, alerts in {time.perf_counter() - started:.1f}s"
        )
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()


def _writes(client: Any, headers: dict[str, str], rng: random.Random, themes: list[str]) -> Any:
    """One write of each kind through the API, each a function making a fresh one."""

    def ok(response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.json
        return response

    def register() -> None:
        body = {
            "title": f"Bench project {uuid.uuid4().hex[:8]}",
            "description": "Registered between two requests of the gap view.",
            "donors": [rng.choice(["gb-fcdo", "us-inl", "eu-dg-intpa", "jp-mofa"])],
            "implementers": ["unodc"],
            "countries": [rng.choice(COUNTRIES)],
            "themes": [rng.choice(themes)],
            "status": "implementation",
            "start_date": "2026-01-01",
            "end_date": None,
            "budget": {"amount": f"{rng.randint(10, 900)}000.00", "currency": "USD"},
        }
        ok(client.post("/api/v1/projects", json=body, headers=headers), 201)

    def edit() -> None:
        while True:  # a live project: a withdrawn one refuses edits (409)
            project_id = rng.randint(1, 100_000)
            got = ok(client.get(f"/api/v1/projects/{project_id}", headers=headers))
            response = client.patch(
                f"/api/v1/projects/{project_id}",
                # A new amount on each run too (the seed repeats the projects), so that
                # the edit always changes something.
                json={"budget": {"amount": f"{uuid.uuid4().int % 10**7}.00", "currency": "EUR"}},
                headers={**headers, "If-Match": got.headers["ETag"]},
            )
            if response.status_code != 409:
                ok(response)
                return

    def need_state() -> None:
        need_id = rng.randint(1, 5000)
        now = ok(client.get(f"/api/v1/needs/{need_id}", headers=headers)).json["state"]
        state = rng.choice([s for s in ("open", "partly_met", "met") if s != now])
        ok(
            client.post(
                f"/api/v1/needs/{need_id}/state",
                json={"state": state, "note": "Bench."},
                headers=headers,
            )
        )

    return (register, edit, need_state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=60, help="requests per case")
    parser.add_argument("--needs", type=int, default=5000)
    parser.add_argument("--recommendations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    from alembic import command

    from adam.cli import alembic_config

    command.upgrade(alembic_config(args.url), "head")
    rng = random.Random(args.seed)
    _load(args.url, args.needs, args.recommendations, rng)
    app = create_app({"DATABASE_URL": args.url, "LOG_LEVEL": "WARNING"})
    with new_session(app) as session:
        user = auth_service.create_user(
            session,
            email=f"gaps-{uuid.uuid4().hex[:8]}@adam.invalid",
            role=Role.COORDINATOR,
            password="bench passphrase 2026",
        )
        token = auth_service.issue_token(session, user, ttl_days=1).token
        themes = list(session.scalars(select(Theme.slug)))
        session.commit()
    filters: tuple[Any, ...] = (
        lambda: "",
        lambda: f"country={rng.choice(COUNTRIES)}",
        lambda: f"country={rng.choice(COUNTRIES)}&country={rng.choice(COUNTRIES)}",
        lambda: f"region={rng.choice(REGIONS)}",
        lambda: f"theme={rng.choice(themes)}",
        lambda: f"pillar={rng.choice(list(Pillar)).value}",
        lambda: "by=pillar",
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    writes = _writes(client, headers, rng, themes)
    print(f"{args.url.rsplit('/', 1)[1]}: {args.n} requests per case")
    print("| request | p50 / p95 / max (ms) |\n|---|---:|")
    cases = (
        ("GET /gaps, after a write (the countries it touched recomputed)", "/api/v1/gaps", "write"),
        ("GET /gaps, whole (kept matrix cleared: after a start)", "/api/v1/gaps", "cold"),
        ("GET /gaps, warm (data unchanged)", "/api/v1/gaps", "warm"),
        ("GET /gaps/cell (drill-through)", "/api/v1/gaps/cell", "warm"),
    )
    for name, path, case in cases:
        timings = []
        for i in range(args.n + 3):
            if path.endswith("/cell"):
                url = f"{path}?country={rng.choice(COUNTRIES)}&theme={rng.choice(themes)}"
            else:
                url = f"{path}?{rng.choice(filters)()}"
            if case == "cold":
                gaps_service.clear_cache()
            elif case == "write":
                writes[i % len(writes)]()
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.json)
            if i >= 3:
                timings.append(elapsed)
        print(
            f"| {name} | {percentile(timings, 0.5):.1f} / {percentile(timings, 0.95):.1f}"
            f" / {max(timings):.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
