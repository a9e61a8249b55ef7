"""Add open needs and endorsed recommendations to a corpus, for the registration benchmark.

    .venv/bin/python bench/coverage_needs.py \
        --url sqlite:////tmp/adam_match/adam_match_10000.sqlite3 \
        [--needs 500] [--recommendations 200] [--seed 5]

A registration now also scores the open needs of its countries and the endorsed
recommendations (``adam.workflows.coverage.suggest_for_project``): without any, the benchmark
would not see that work. Each need is a stored project's title cut to its first words, in
that project's first country, under its first theme; each recommendation names one or two
route countries (a fifth name none) and one theme. Rows written with SQLAlchemy Core, marked
illustrative; earlier ones (illustrative, or the bench event's) are removed first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sqlalchemy import delete, insert, select

from adam.db import make_engine
from adam.needs.models import Need, need_theme
from adam.pact.models import Event, Recommendation, recommendation_country, recommendation_theme
from adam.projects.models import Project, project_country, project_theme

BENCH_EVENT = "Bench event (coverage_needs.py)"
ROUTE = ("AF", "TJ", "UZ", "KG", "KZ", "TM", "IR", "PK", "TR", "RU")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--needs", type=int, default=500)
    parser.add_argument("--recommendations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    engine = make_engine(args.url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        old = [r for (r,) in conn.execute(select(Need.id).where(Need.illustrative.is_(True)))]
        if old:
            conn.execute(delete(need_theme).where(need_theme.c.need_id.in_(old)))
            conn.execute(delete(Need.__table__).where(Need.id.in_(old)))
        events = [e for (e,) in conn.execute(select(Event.id).where(Event.title == BENCH_EVENT))]
        if events:
            recs = [
                r
                for (r,) in conn.execute(
                    select(Recommendation.id).where(Recommendation.event_id.in_(events))
                )
            ]
            conn.execute(
                delete(recommendation_theme).where(
                    recommendation_theme.c.recommendation_id.in_(recs)
                )
            )
            conn.execute(
                delete(recommendation_country).where(
                    recommendation_country.c.recommendation_id.in_(recs)
                )
            )
            conn.execute(delete(Recommendation.__table__).where(Recommendation.id.in_(recs)))
            conn.execute(delete(Event.__table__).where(Event.id.in_(events)))
        total = conn.scalar(select(Project.id).order_by(Project.id.desc()).limit(1)) or 0
        picked = rng.sample(range(1, total + 1), min(total, args.needs))
        rows = conn.execute(
            select(Project.id, Project.title, Project.start_date, Project.end_date).where(
                Project.id.in_(picked)
            )
        ).all()
        first_country = dict(
            conn.execute(
                select(project_country.c.project_id, project_country.c.country_code).where(
                    project_country.c.project_id.in_(picked)
                )
            ).all()
        )
        first_theme = dict(
            conn.execute(
                select(project_theme.c.project_id, project_theme.c.theme_id).where(
                    project_theme.c.project_id.in_(picked)
                )
            ).all()
        )
        for pid, title, start, end in rows:
            words = title.split()
            need_id = conn.execute(
                insert(Need.__table__)
                .values(
                    country_code=first_country[pid],
                    title=" ".join(words[: max(3, len(words) // 2)]),
                    description="Illustrative need for the registration benchmark.",
                    priority=rng.choice(["high", "medium", "low"]),
                    state=rng.choice(["open", "open", "partly_met"]),
                    start_date=start,
                    end_date=end,
                    illustrative=True,
                    search_text="",
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(Need.id)
            ).scalar_one()
            if pid in first_theme:
                conn.execute(insert(need_theme).values(need_id=need_id, theme_id=first_theme[pid]))
        event_id = conn.execute(
            insert(Event.__table__)
            .values(
                kind="expert_working_group",
                title=BENCH_EVENT,
                start_date=dt.date(2022, 5, 1),
                date_precision="day",
                routes=[],
                version=1,
                created_at=now,
                updated_at=now,
            )
            .returning(Event.id)
        ).scalar_one()
        themes = sorted(set(first_theme.values()))
        for n in range(args.recommendations):
            title = rows[n % len(rows)][1]
            rec_id = conn.execute(
                insert(Recommendation.__table__)
                .values(
                    code=f"BENCH-{n + 1}",
                    text_en=f"Partners should support {title.lower()}.",
                    illustrative=True,
                    event_id=event_id,
                    pillar="regional_initiatives",
                    routes=[],
                    addressees=[],
                    state="endorsed",
                    follow_up="not_started",
                    search_text="",
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(Recommendation.id)
            ).scalar_one()
            conn.execute(
                insert(recommendation_theme).values(
                    recommendation_id=rec_id, theme_id=rng.choice(themes)
                )
            )
            if rng.random() >= 0.2:
                for code in rng.sample(ROUTE, rng.randint(1, 2)):
                    conn.execute(
                        insert(recommendation_country).values(
                            recommendation_id=rec_id, country_code=code
                        )
                    )
    print(f"{len(rows)} needs and {args.recommendations} recommendations written")


if __name__ == "__main__":
    main()
