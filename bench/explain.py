"""Show the SQL behind the benchmarked endpoints, its plan, and how long each statement takes.

    .venv/bin/python bench/explain.py --url postgresql+psycopg://postgres@127.0.0.1:5432/adam_bench_100000
    .venv/bin/python bench/explain.py --url sqlite:////tmp/adam_bench/adam_bench_100000.sqlite3

Calls the same service functions the routes call (search_projects, project_table) inside the app,
records every statement they send, then re-runs each one directly: EXPLAIN (ANALYZE, BUFFERS) on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite, and the median time of a few executions.
Read-only: it only runs SELECTs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from sqlalchemy import event

from adam.app import create_app
from adam.auth.actor import Actor
from adam.auth.models import Role
from adam.projects import service as project_service
from adam.projects.filters import ProjectFilters
from adam.session import get_engine, new_session
from adam.stats import service as stats_service

ACTOR = Actor(user_id=0, email="bench@adam.invalid", role=Role.COORDINATOR)


def capture(app: Any, call: Any) -> tuple[list[tuple[str, Any]], float]:
    """Run ``call(session)`` and return the statements it sent and its wall time in ms."""
    engine = get_engine(app)
    seen: list[tuple[str, Any]] = []

    def listener(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        with new_session(app) as session:
            started = time.perf_counter()
            call(session)
            elapsed = (time.perf_counter() - started) * 1000
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen, elapsed


def run_raw(app: Any, statement: str, params: Any, repeat: int) -> tuple[list[str], float]:
    engine = get_engine(app)
    is_pg = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if is_pg else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + statement, params)
        rows = cursor.fetchall()
        plan = [r[0] if is_pg else f"{'  ' * 0}{r[-1]}" for r in rows]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(statement, params)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        cursor.close()
    finally:
        raw.close()
    return plan, statistics.median(times)


def report(app: Any, title: str, call: Any, repeat: int, plans: bool) -> None:
    call(new_session(app))  # warm caches and reference lookups
    statements, total = capture(app, call)
    print(f"\n## {title}: {total:.1f} ms in the service, {len(statements)} statements\n")
    for number, (statement, params) in enumerate(statements, 1):
        plan, median = run_raw(app, statement, params, repeat)
        print(f"### {number}. {median:.2f} ms (median of {repeat})\n")
        print("```sql")
        print(statement.strip())
        print(f"-- params: {params!r}"[:400])
        print("```")
        if plans:
            print("```")
            print("\n".join(plan))
            print("```\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--country", default="TJ")
    parser.add_argument("--theme", default="border-control")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-plans", action="store_true")
    args = parser.parse_args(argv)
    app = create_app({"DATABASE_URL": args.url})
    filters = ProjectFilters(countries=(args.country,), themes=(args.theme,))
    with app.app_context():
        report(
            app,
            f"GET /projects?country={args.country}&theme={args.theme}",
            lambda s: project_service.search_projects(s, actor=ACTOR, filters=filters),
            args.repeat,
            not args.no_plans,
        )
        report(
            app,
            "GET /stats/projects?by=country,theme",
            lambda s: stats_service.project_table(
                s, actor=ACTOR, by=["country", "theme"], filters=ProjectFilters()
            ),
            args.repeat,
            not args.no_plans,
        )


if __name__ == "__main__":
    main()
