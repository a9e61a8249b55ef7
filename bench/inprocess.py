"""Time the benchmarked endpoints in-process: service call plus JSON dump, no HTTP, no gunicorn.

    .venv/bin/python bench/inprocess.py --url sqlite:////tmp/adam_bench/adam_bench_100000.sqlite3
    .venv/bin/python bench/inprocess.py --url postgresql+psycopg://postgres@127.0.0.1:5432/adam_bench_100000

Draws the same random country and theme sequence as run.py (same seed), runs
search_projects and project_table in a fresh session per call as a request would, dumps the
answer with the route's schema, and prints p50/p95/p99 in ms. Quicker to repeat than run.py
while trying a change; run.py has the last word. Read-only.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ROUTE_COUNTRIES, THEME_WEIGHTS
from explain import ACTOR
from run import percentile

from adam.app import create_app
from adam.projects import service as project_service
from adam.projects.filters import ProjectFilters
from adam.projects.schemas import ProjectPageSchema
from adam.session import new_session
from adam.stats import service as stats_service


def timed(app: Any, call: Any) -> float:
    with new_session(app) as session:
        started = time.perf_counter()
        call(session)
        return (time.perf_counter() - started) * 1000


def line(name: str, times: list[float]) -> str:
    return (
        f"{name}: n={len(times)} p50 {percentile(times, 50):.1f}  p95 {percentile(times, 95):.1f}"
        f"  p99 {percentile(times, 99):.1f}  max {max(times):.1f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--list-requests", type=int, default=300)
    parser.add_argument("--stats-requests", type=int, default=10)
    parser.add_argument("--by", default="country,theme")
    args = parser.parse_args(argv)
    app = create_app({"DATABASE_URL": args.url})
    rng = random.Random(args.seed)
    themes = list(THEME_WEIGHTS)
    pairs = [
        (rng.choice(ROUTE_COUNTRIES), rng.choice(themes))
        for _ in range(args.warmup + args.list_requests)
    ]
    page_schema = ProjectPageSchema()

    def list_call(country: str, theme: str) -> Any:
        filters = ProjectFilters(countries=(country,), themes=(theme,))

        def call(session: Any) -> None:
            items, total = project_service.search_projects(session, actor=ACTOR, filters=filters)
            page_schema.dump({"items": items, "page": 1, "per_page": 20, "total": total})

        return call

    by = args.by.split(",")

    def stats_call(session: Any) -> None:
        stats_service.project_table(session, actor=ACTOR, by=by, filters=ProjectFilters())

    with app.app_context():
        times = [timed(app, list_call(c, t)) for c, t in pairs]
        print(line("list", times[args.warmup :]), flush=True)
        worst = sorted(zip(times[args.warmup :], pairs[args.warmup :], strict=True))[-3:]
        print("  slowest:", ", ".join(f"{c}+{t} {ms:.1f}" for ms, (c, t) in worst))
        timed(app, stats_call)
        stats = [timed(app, stats_call) for _ in range(args.stats_requests)]
        print(line(f"stats by={args.by}", stats), flush=True)


if __name__ == "__main__":
    main()
