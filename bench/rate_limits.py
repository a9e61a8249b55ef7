"""What the API's request budget costs a request: GET /api/v1/auth/me through the Flask test
client, the budget off, counted in memory, and counted in Redis.

    .venv/bin/python bench/rate_limits.py --redis redis://127.0.0.1:6379/7 --n 2000

Builds a throw-away SQLite database, one account and its token; every configuration answers
the same requests in turn (200s: the budget is far above --n). Flushes the Redis database it
is given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import percentile

from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.cli import alembic_config
from adam.session import new_session


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args(argv)
    from alembic import command

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        command.upgrade(alembic_config(url), "head")
        configurations = {
            "budget off": {"API_RATE_LIMIT": ""},
            "memory://": {"API_RATE_LIMIT": "1000000 per hour"},
            args.redis: {"API_RATE_LIMIT": "1000000 per hour", "RATE_LIMIT_STORAGE": args.redis},
        }
        redis.Redis.from_url(args.redis).flushdb()
        apps = {
            name: create_app({"ENV": "testing", "DATABASE_URL": url, **config})
            for name, config in configurations.items()
        }
        with new_session(apps["budget off"]) as session:
            user = auth_service.create_user(
                session, email="bench@example.org", role=Role.VIEWER, name="Bench"
            )
            token = auth_service.issue_token(session, user, ttl_days=1).token
            session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        clients = {name: app.test_client() for name, app in apps.items()}
        times: dict[str, list[float]] = {name: [] for name in apps}
        # One request of each configuration per round, so a load that comes and goes (other
        # processes on the machine) falls on all three alike.
        for index in range(args.warmup + args.n):
            for name, client in clients.items():
                started = time.perf_counter()
                response = client.get("/api/v1/auth/me", headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.get_data(as_text=True)
                if index >= args.warmup:
                    times[name].append(elapsed)
        for name, app in apps.items():
            app.extensions["adam.engine"].dispose()
            each = times[name]
            print(
                f"{name}: n={len(each)} mean {sum(each) / len(each):.2f}  p50 "
                f"{percentile(each, 50):.2f}  p95 {percentile(each, 95):.2f}  max "
                f"{max(each):.2f} ms"
            )
        redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
