"""The outbox purge against a writer: how long it takes, and how long a writer waits meanwhile.

Fills an empty, migrated database with ROWS outbox messages of 40 days ago (each with one
delivered delivery) and a tenth as many recent ones, then purges with batches of BATCH rows
while a thread keeps writing one outbox message per transaction, as producers do. Prints the
purge's time and the writer's latency (ms) during it. ``--batch`` equal to ``--rows`` is the
one-transaction purge, for comparison.

    .venv/bin/python bench/purge.py --url sqlite:////tmp/purge.sqlite3 --rows 100000
    .venv/bin/python bench/purge.py --url postgresql+psycopg://postgres@127.0.0.1:5432/purge \
        --rows 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import threading
import time

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from adam.cli import alembic_config
from adam.db import make_engine, utcnow
from adam.notifications.models import Channel, Delivery, DeliveryStatus, OutboxMessage
from adam.notifications.purge import purge_outbox

CHUNK = 10_000


def fill(engine: sa.Engine, rows: int, days: float) -> None:
    when = utcnow() - dt.timedelta(days=days)
    for first in range(0, rows, CHUNK):
        count = min(CHUNK, rows - first)
        with engine.begin() as conn:
            ids = list(
                conn.scalars(
                    sa.insert(OutboxMessage).returning(
                        OutboxMessage.id, sort_by_parameter_order=True
                    ),
                    [{"event": "alert.created", "payload": {}, "created_at": when}] * count,
                )
            )
            conn.execute(
                sa.insert(Delivery),
                [
                    {
                        "message_id": i,
                        "channel": Channel.EMAIL,
                        "recipient": "someone@example.org",
                        "status": DeliveryStatus.DELIVERED,
                        "attempts": 1,
                        "next_attempt_at": when,
                        "last_attempt_at": when,
                        "delivered_at": when,
                        "created_at": when,
                    }
                    for i in ids
                ],
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="an empty database (it is migrated)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    command.upgrade(alembic_config(args.url), "head")
    engine = make_engine(args.url)
    started = time.perf_counter()
    fill(engine, args.rows, days=40)
    fill(engine, args.rows // 10, days=1)
    print(f"filled {args.rows} + {args.rows // 10} in {time.perf_counter() - started:.1f} s")

    done = threading.Event()
    waits: list[float] = []

    def write() -> None:
        while not done.is_set():
            begun = time.perf_counter()
            with Session(engine) as session:
                session.add(OutboxMessage(event="alert.created", payload={}, created_at=utcnow()))
                session.commit()
            waits.append((time.perf_counter() - begun) * 1000)
            time.sleep(0.005)

    writer = threading.Thread(target=write)
    writer.start()
    begun = time.perf_counter()
    with Session(engine) as session:
        report = purge_outbox(
            session,
            delivered_before=utcnow() - dt.timedelta(days=30),
            failed_before=None,
            batch_size=args.batch,
        )
    took = time.perf_counter() - begun
    done.set()
    writer.join()
    engine.dispose()
    waits.sort()
    p95 = waits[int(len(waits) * 0.95)] if waits else 0.0
    print(
        f"{engine.dialect.name} batch {args.batch}: purged {report.deliveries} deliveries, "
        f"{report.messages} messages in {took:.2f} s; writer meanwhile: {len(waits)} commits, "
        f"p50 {statistics.median(waits):.1f} / p95 {p95:.1f} / max {waits[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
