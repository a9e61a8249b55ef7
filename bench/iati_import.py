"""Benchmark the IATI import: 10,000 synthetic activities through ``adam import iati``.

    .venv/bin/python bench/iati_import.py                          # sqlite + postgresql
    .venv/bin/python bench/iati_import.py --backend sqlite --size 2000

For each backend: an empty database (SQLite file under ``--workdir``; PostgreSQL database
``adam_bench_import``, dropped and made again, and dropped at the end), ``adam db upgrade``,
``adam seed``, then the command line import of one IATI 2.03 file, timed as a subprocess (the
duplicate matcher runs on every activity, as it does in production). The activities come from
the benchmark corpus's generator (``corpus.Generator``: counter-narcotics titles and
descriptions from ``lexicon.py``'s vocabularies, several countries, donors and implementers,
themes, dates, budgets), written as a publisher would: IATI organisation refs for most
organisations and a name alone for some, DAC purpose codes or ADAM theme slugs (vocabulary
99), yearly budgets, Russian narratives for the Russian-language records, and a few
activities that name only a region (skipped).

Target: 10,000 activities in under 60 s. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import matching as matching_bench
from corpus import ORGANIZATIONS, Generator, ProjectDraft, run_adam
from sqlalchemy import text

from adam.db import make_engine
from adam.iati import codes

REPO = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
DATABASE = "adam_bench_import"
TARGET_SECONDS = 60.0
IATI_TYPE = {"bilateral": "10", "government": "10", "multilateral": "40", "ngo": "21"}
# The first DAC purpose code the import maps to each theme; themes without one go as slugs.
THEME_TO_DAC = {theme: code for code, theme in reversed(codes.DAC_TO_THEME.items())}
STATUS_CODE = {s.value: code for s, code in codes.STATUS_TO_IATI.items()}


class Writer:
    """One ``ProjectDraft`` as an ``iati-activity``, as a publisher writes it."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.orgs = {o[0]: o for o in ORGANIZATIONS}

    def _org(self, code: str, role: str) -> str:
        _, name, _, kind, _, _, _ = self.orgs[code]
        # A fifth of the national and non-governmental partners publish no IATI identifier.
        no_ref = kind in ("government", "ngo") and self.rng.random() < 0.2
        ref = "" if no_ref else f" ref={quoteattr(code.upper())}"
        return (
            f'<participating-org{ref} role="{role}" type="{IATI_TYPE.get(kind, "90")}">'
            f"<narrative>{escape(name)}</narrative></participating-org>"
        )

    def activity(self, number: int, draft: ProjectDraft, *, twin: bool = False) -> str:
        """``twin``: the same activity as its implementer reports it (another identifier and
        reporting org, the title reworded, dates shifted): a duplicate the import must flag."""
        rng = self.rng
        russian = bool(re.search("[А-Яа-я]", draft.title))
        lang = "ru" if russian else "en"
        reporter = (draft.implementers or draft.donors)[0] if twin else draft.donors[0]
        parts = [
            f'<iati-activity xml:lang="{lang}" default-currency="USD" '
            f'last-updated-datetime="2026-11-30T12:00:00Z">',
            f"<iati-identifier>{identifier(number, draft, twin=twin)}</iati-identifier>",
            f'<reporting-org ref={quoteattr(reporter.upper())} type="10">'
            f'<narrative xml:lang="en">{escape(self.orgs[reporter][1])}</narrative>'
            "</reporting-org>",
            f"<title><narrative>{escape(draft.title)}</narrative></title>",
            f'<description type="1"><narrative>{escape(draft.description)}</narrative>'
            "</description>",
        ]
        parts += [self._org(code, codes.ROLE_FUNDING) for code in draft.donors]
        parts += [self._org(code, codes.ROLE_IMPLEMENTING) for code in draft.implementers]
        parts.append(f'<activity-status code="{STATUS_CODE[draft.status]}"/>')
        if draft.start_date:
            kind = codes.PLANNED_START if draft.status == "pipeline" else codes.ACTUAL_START
            parts.append(f'<activity-date type="{kind}" iso-date="{draft.start_date}"/>')
        if draft.end_date:
            parts.append(f'<activity-date type="{codes.PLANNED_END}" iso-date="{draft.end_date}"/>')
        if draft.contact:
            parts.append(
                f'<contact-info type="1"><person-name><narrative>{escape(draft.contact[0])}'
                f"</narrative></person-name><email>{escape(draft.contact[1])}</email>"
                "</contact-info>"
            )
        if rng.random() < 0.01 and not twin:
            parts.append('<recipient-region code="619"/>')  # Central Asia, no country: skipped
        else:
            share = 100 // len(draft.countries)
            parts += [
                f'<recipient-country code="{c}" percentage="{share}"/>' for c in draft.countries
            ]
        for theme in draft.themes:
            if theme in THEME_TO_DAC and rng.random() < 0.7:
                parts.append(f'<sector vocabulary="1" code="{THEME_TO_DAC[theme]}"/>')
            else:
                parts.append(f'<sector vocabulary="99" code="{theme}"/>')
        if draft.budget and draft.start_date:
            amount, currency = draft.budget
            years = max(
                1, min(5, ((draft.end_date or draft.start_date).year - draft.start_date.year) + 1)
            )
            for offset in range(years):
                year = draft.start_date.year + offset
                parts.append(
                    f'<budget type="1" status="2"><period-start iso-date="{year}-01-01"/>'
                    f'<period-end iso-date="{year}-12-31"/>'
                    f'<value currency="{currency}" value-date="{year}-01-01">'
                    f"{amount / years:.2f}</value></budget>"
                )
        parts.append("</iati-activity>")
        return "\n".join(parts)


def identifier(number: int, draft: ProjectDraft, *, twin: bool = False) -> str:
    if twin:
        return f"{(draft.implementers or draft.donors)[0].upper()}-BENCH-TWIN-{number:06d}"
    return f"{draft.donors[0].upper()}-BENCH-{number:06d}"


def reworded(rng: random.Random, draft: ProjectDraft) -> ProjectDraft:
    """The draft as another publisher words it: as bench/matching.py plants duplicates (a
    word dropped, added or made plural, or the title reordered), dates shifted by 1-6 weeks,
    the budget within a tenth."""
    words = draft.title.split()
    title = rng.choice(
        [
            lambda: " ".join(matching_bench._drop_word(rng, words)),
            lambda: " ".join(matching_bench._insert_word(rng, words)),
            lambda: matching_bench._reorder(rng, draft.title),
            lambda: " ".join(matching_bench._plural(rng, words)),
        ]
    )()
    days = rng.choice((-1, 1)) * rng.randint(7, 42)
    start = matching_bench._shift(draft.start_date, days)
    end = matching_bench._shift(draft.end_date, days)
    budget = draft.budget
    if budget is not None:
        budget = (budget[0] * Decimal(str(round(rng.uniform(0.9, 1.1), 3))), budget[1])
    return dataclasses.replace(
        draft,
        title=title,
        description=matching_bench._new_description(rng, draft.title, title, draft.description),
        start_date=start,
        end_date=max(end, start) if start and end else end,
        budget=budget,
    )


def write_file(path: Path, size: int, seed: int, planted: int) -> list[tuple[str, str]]:
    """Write ``size`` activities and ``planted`` twins of some of them (each later in the
    file than its original); returns the twins' identifier pairs."""
    generator = Generator(seed)
    writer = Writer(seed)
    rng = random.Random(seed + 1)
    entries: list[tuple[int, ProjectDraft, bool]] = [
        (number, generator.project(), False) for number in range(1, size + 1)
    ]
    pairs = []
    for index in sorted(rng.sample(range(size), min(planted, size))):
        number, draft, _ = entries[index]
        twin = reworded(rng, draft)
        position = rng.randint(index + 1, len(entries))
        entries.insert(position, (number, twin, True))
        pairs.append((identifier(number, draft), identifier(number, twin, twin=True)))
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<iati-activities version="2.03" generated-datetime="2026-11-30T12:00:00Z">\n')
        for number, draft, twin in entries:
            out.write(writer.activity(number, draft, twin=twin))
            out.write("\n")
        out.write("</iati-activities>\n")
    return pairs


def recall(url: str, pairs: list[tuple[str, str]]) -> tuple[int, int]:
    """Of the planted pairs whose two activities were imported, how many have an alert."""
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = set(conn.scalars(text("SELECT iati_identifier FROM project")))
        alerted = {
            frozenset(row)
            for row in conn.execute(
                text(
                    "SELECT a.iati_identifier, b.iati_identifier FROM duplicate_alert d "
                    "JOIN project a ON a.id = d.project_a_id "
                    "JOIN project b ON b.id = d.project_b_id"
                )
            )
        }
    engine.dispose()
    both = [p for p in pairs if p[0] in stored and p[1] in stored]
    return sum(frozenset(p) in alerted for p in both), len(both)


def fresh_database(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        path = workdir / f"{DATABASE}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"{PG_SERVER}/{DATABASE}"


def drop_database(backend: str) -> None:
    if backend == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def run(
    backend: str, source: Path, workdir: Path, pairs: list[tuple[str, str]], bulk_from: int | None
) -> dict[str, object]:
    url = fresh_database(backend, workdir)
    try:
        run_adam(url, "db", "upgrade")
        run_adam(url, "seed")
        env = {**os.environ, "ADAM_DATABASE_URL": url, "ADAM_LOG_LEVEL": "WARNING"}
        if bulk_from is not None:
            env["ADAM_IATI_IMPORT_BULK_FROM"] = str(bulk_from)
        result, elapsed = _import(env, source)
        found, planted = recall(url, pairs)
        # The same file published again: every activity is found unchanged.
        again, again_elapsed = _import(env, source)
    finally:
        drop_database(backend)
    counts = _counts(backend, result)
    again_counts = _counts(backend, again)
    return {
        "backend": backend,
        "elapsed": elapsed,
        **counts,
        "recall": f"{found}/{planted}",
        "again": f"{again_elapsed:.1f} s, {again_counts.get('unchanged', 0)} unchanged",
    }


def _import(env: dict[str, str], source: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", "from adam.cli import main; main()", "import", "iati", str(source)],
        cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    return result, time.perf_counter() - started


def _counts(backend: str, result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    if result.returncode != 0:
        raise SystemExit(f"import failed on {backend}:\n{result.stdout}\n{result.stderr}")
    summary = next(line for line in result.stdout.splitlines() if line.startswith("Import job"))
    return {
        name: int(value)
        for value, name in re.findall(
            r"(\d+) (activities|created|updated|unchanged|skipped|failed|duplicate alerts)",
            summary,
        )
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="sqlite,postgresql")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--planted", type=int, default=100, help="twins of activities, to measure recall"
    )
    parser.add_argument(
        "--bulk-from",
        type=int,
        default=None,
        help="ADAM_IATI_IMPORT_BULK_FROM for the import (above --size: one by one)",
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/adam_bench_import"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = args.workdir / f"activities-{args.size}.xml"
    started = time.perf_counter()
    pairs = write_file(source, args.size, args.seed, args.planted)
    print(
        f"Wrote {args.size} activities ({source.stat().st_size / 1e6:.1f} MB) in "
        f"{time.perf_counter() - started:.1f} s: {source}"
    )
    rows = [
        run(backend, source, args.workdir, pairs, args.bulk_from)
        for backend in args.backend.split(",")
    ]
    cores = os.cpu_count()
    print()
    print("| backend | activities | created | skipped | failed | alerts | planted found "
          "| seconds | activities/s | cores | target < 60 s | the same file again |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for row in rows:
        seconds = float(row["elapsed"])  # type: ignore[arg-type]
        total = int(row.get("activities", 0))  # type: ignore[call-overload]
        print(
            f"| {row['backend']} | {total} | {row.get('created', 0)} | {row.get('skipped', 0)} "
            f"| {row.get('failed', 0)} | {row.get('duplicate alerts', 0)} | {row['recall']} "
            f"| {seconds:.1f} "
            f"| {total / seconds:.0f} | {cores} | "
            f"{'met' if seconds < TARGET_SECONDS else 'missed'} | {row['again']} |"
        )


if __name__ == "__main__":
    main()
