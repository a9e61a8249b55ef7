"""Precision and recall of the coverage suggestions on the demo data, against labels by hand.

    .venv/bin/python bench/coverage_demo.py [--workdir /tmp/adam_coverage_demo]

Runs ``adam db upgrade`` and ``adam seed --demo`` on a fresh SQLite database: 35 demo projects
and 15 illustrative needs, each need matched as it is stored (``adam.demo.needs``). Then it
compares the stored suggestions with ``LABELS`` below: for each demo need, the demo projects
that a coordinator reading both would link to it (same country, what the project does is what
the need asks, and the project still running when the need starts). Most demo needs have no
such project: the demo projects end by 2027-2028 and the needs start in 2027.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import run_adam
from sqlalchemy import create_engine, text

# Need title -> the titles of the demo projects that serve it (read by hand from
# adam/demo/needs.json and adam/demo/data.json).
LABELS: dict[str, set[str]] = {
    "Illustrative: border liaison offices on the Panj river": {
        "Border liaison offices on the Tajik-Afghan border - phase II",
    },
    "Illustrative: financial intelligence analysts trained in drug money flows": {
        "Financial investigation and asset recovery training for Central Asian FIUs",
        "Regional workshops on tracing drug proceeds for financial intelligence units of "
        "Central Asia",
    },
    "Illustrative: alternative livelihoods for poppy-growing villages": {
        "Alternative livelihoods for former poppy farmers in Balkh province",
        "Rural livelihood diversification for households affected by the opium ban in "
        "northern Afghanistan",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/adam_coverage_demo"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    url = f"sqlite:///{args.workdir / 'demo.sqlite3'}"
    run_adam(url, "db", "upgrade")
    run_adam(url, "seed", "--demo")
    with create_engine(url).connect() as connection:
        needs = dict(connection.execute(text("SELECT id, title FROM need")).all())
        rows = connection.execute(
            text(
                "SELECT l.need_id, p.title, l.score FROM coverage_link l "
                "JOIN project p ON p.id = l.project_id WHERE l.need_id IS NOT NULL"
            )
        ).all()
    suggested: dict[str, set[str]] = {title: set() for title in needs.values()}
    for need_id, project, score in rows:
        suggested[needs[need_id]].add(project)
        print(f"  {score:5.1f}  {needs[need_id]}  <-  {project}")
    expected = {title: LABELS.get(title, set()) for title in needs.values()}
    missing = set(LABELS) - set(needs.values())
    if missing:
        raise SystemExit(f"labelled needs not in the demo: {sorted(missing)}")
    right = sum(len(suggested[t] & expected[t]) for t in needs.values())
    proposed = sum(len(s) for s in suggested.values())
    labelled = sum(len(e) for e in expected.values())
    unserved = [t for t in needs.values() if not expected[t]]
    noisy = sum(1 for t in unserved if suggested[t])
    print(f"needs {len(needs)}, labelled pairs {labelled}, suggestions {proposed}")
    print(f"precision {right / proposed if proposed else 1:.2f} ({right}/{proposed})")
    print(f"recall    {right / labelled:.2f} ({right}/{labelled})")
    print(f"needs no demo project serves that got a suggestion: {noisy}/{len(unserved)}")


if __name__ == "__main__":
    main()
