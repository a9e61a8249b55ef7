"""Benchmark the duplicate matcher: registration with matching, recall, scan time, memory.

    .venv/bin/python bench/matching.py                      # sqlite + postgresql, 10k + 100k
    .venv/bin/python bench/matching.py --backend sqlite --size 1000000

For each backend and size:

1. a fresh database (PostgreSQL ``<prefix>_<size>``, SQLite file under ``--workdir``),
   ``adam db upgrade``, ``adam seed``, the synthetic corpus (``corpus.load``), then the
   matcher's index: ``search_values`` of every project (2 processes) bulk-inserted into
   ``project_search`` (SQLite's FTS5 triggers fill ``project_fts``); on PostgreSQL
   ``refresh_term_stats`` and ``VACUUM ANALYZE``;
2. ``plant_duplicates``: N stored projects drawn at random (seeded) and near-duplicate
   registrations of them (reworded titles, same organizations and countries, dates shifted a
   few weeks; some sharing only the description);
3. recall of candidate generation, in process: is the original among
   ``candidate_ids(...)`` for a probe built as ``service._check`` builds it;
4. gunicorn as ``adam serve`` runs it (2 workers x 4 threads), then through HTTP: sequential
   registrations of the planted duplicates and of fresh random projects (p50/p95/p99 each),
   end-to-end recall (is the original in ``possible_duplicates``), registrations/s from 4
   concurrent clients, and the workers' RSS (``/proc/<pid>/status``);
5. ``adam duplicates scan`` as a subprocess, timed (sizes up to ``--scan-max``).

Prints a markdown table and writes ``bench/out/matching-<backend>-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench_run
from corpus import BY_CODE, TITLES, Generator, load, run_adam

from adam.db import make_engine
from adam.duplicates.index import WEIGHED_DESCRIPTION_WORDS, search_values
from adam.duplicates.models import MatchKey, ProjectSearch
from adam.duplicates.terms import refresh_term_stats
from adam.matching.rarity import format_weights, record_weights
from adam.projects.models import (
    Project,
    ProjectOrganization,
    project_country,
    project_theme,
)
from adam.reference.models import Organization, Theme
from adam.session import get_settings

REPO = bench_run.REPO
OUT = bench_run.OUT
PG_SERVER = bench_run.PG_SERVER
PG_ADMIN = bench_run.PG_ADMIN
INDEX_CHUNK = 5000
TARGETS = {
    "register_p95_ms": {100_000: 40.0, 1_000_000: {"sqlite": 80.0, "postgresql": 100.0}},
    "scan_100k_s": 120.0,
}


# --- Database and index ---


def fresh_database(backend: str, size: int, prefix: str, workdir: Path) -> str:
    """Drop and create this run's own database; return its URL."""
    name = f"{prefix}_{size}"
    if backend == "sqlite":
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if name.startswith("adam_test_") or not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"refusing to drop database {name!r}")
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def reusable_database(backend: str, size: int, args: argparse.Namespace) -> str | None:
    """The URL of this size's database if it exists with every project indexed, else None."""
    name = f"{args.db_prefix}_{size}"
    if backend == "sqlite":
        path = Path(args.workdir) / f"{name}.sqlite3"
        if not path.exists():
            return None
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return None
        url = f"{PG_SERVER}/{name}"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            projects = conn.scalar(text("SELECT count(*) FROM project"))
            indexed = conn.scalar(text("SELECT count(*) FROM project_search"))
    except Exception:  # no schema yet
        return None
    finally:
        engine.dispose()
    return url if projects and projects >= size and indexed == projects else None


def create_users(url: str) -> list[tuple[str, str]]:
    """A coordinator and three focal points (as run.py makes them), under fresh e-mails."""
    tag = time.strftime("%H%M%S")
    users = [("coordinator", ["--role", "coordinator"])]
    users += [
        (f"focal_point:{c}", ["--role", "focal_point", "--country", c])
        for c in bench_run.FOCAL_COUNTRIES
    ]
    tokens = []
    for label, options in users:
        email = f"match-{label.replace(':', '-').lower()}-{tag}@adam.invalid"
        output = run_adam(url, "users", "create", "--email", email, *options)
        tokens.append((label, output.strip().splitlines()[-1].strip()))
    return tokens


_worker_engine: Engine | None = None


def _normalise_range(job: tuple[str, int, int, str]) -> tuple[str, Counter[str], int]:
    """In a pool process: normalise projects lo <= id < hi, pickle their index rows to a file,
    and return the file with the chunk's word counts (one per project holding the word)."""
    global _worker_engine
    url, lo, hi, folder = job
    if _worker_engine is None:
        _worker_engine = make_engine(url)
    table = Project.__table__
    with _worker_engine.connect() as conn:
        rows = conn.execute(
            select(table.c.id, table.c.title, table.c.description).where(
                table.c.id >= lo, table.c.id < hi
            )
        ).all()
        links = conn.execute(
            select(project_country.c.project_id, project_country.c.country_code).where(
                project_country.c.project_id >= lo, project_country.c.project_id < hi
            )
        ).all()
    countries: dict[int, list[str]] = {}
    for pid, code in links:
        countries.setdefault(pid, []).append(code.lower())
    # As index_project writes it: the search on PostgreSQL finds words within these countries.
    values = [
        {
            "project_id": pid,
            **search_values(title, desc),
            "scope": " ".join(sorted(countries.get(pid, []))),
        }
        for pid, title, desc in rows
    ]
    counts: Counter[str] = Counter()
    for row in values:
        counts.update(set(row["title_terms"].split()) | set(row["description_terms"].split()))
    path = Path(folder) / f"chunk-{lo}.pickle"
    path.write_bytes(pickle.dumps(values))
    return str(path), counts, len(values)


def build_index(url: str, processes: int = 2) -> dict[str, Any]:
    """Fill project_search and match_key for every project (the bulk path of
    ``adam duplicates reindex``): normalise in ``processes`` processes while counting every
    word, then weigh each record's words with those counts and insert; match keys in one
    INSERT ... SELECT; then the word-count snapshot (``refresh_term_stats``)."""
    engine = make_engine(url)
    is_pg = engine.dialect.name == "postgresql"
    timings: dict[str, float] = {}
    table = Project.__table__
    with engine.begin() as conn:
        conn.execute(ProjectSearch.__table__.delete())
        conn.execute(MatchKey.__table__.delete())
        low, high = conn.execute(select(func.min(table.c.id), func.max(table.c.id))).one()
    folder = Path(tempfile.mkdtemp(prefix="adam-index-"))
    jobs = [
        (url, lo, lo + INDEX_CHUNK, str(folder))
        for lo in range(low or 1, (high or 0) + 1, INDEX_CHUNK)
    ]
    started = time.perf_counter()
    documents: Counter[str] = Counter()
    chunks: list[str] = []
    total = 0
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        for path, counts, n in pool.imap(_normalise_range, jobs):
            documents.update(counts)
            chunks.append(path)
            total += n
    timings["normalise"] = time.perf_counter() - started
    started = time.perf_counter()
    written = 0
    for path in chunks:
        rows = pickle.loads(Path(path).read_bytes())
        for row in rows:
            described = row["description_terms"].split()[:WEIGHED_DESCRIPTION_WORDS]
            weights = record_weights(row["title_terms"].split(), described, documents, total)
            row["weights"] = format_weights(weights)
        with engine.begin() as conn:
            conn.execute(ProjectSearch.__table__.insert(), rows)
        written += len(rows)
        Path(path).unlink()
    folder.rmdir()
    timings["weigh_and_insert"] = time.perf_counter() - started
    started = time.perf_counter()
    po, pc = ProjectOrganization.__table__, project_country
    keys = (
        select(po.c.organization_id, pc.c.country_code, table.c.id, table.c.start_date)
        .join(po, po.c.project_id == table.c.id)
        .join(pc, pc.c.project_id == table.c.id)
        .distinct()
    )
    with engine.begin() as conn:
        conn.execute(
            MatchKey.__table__.insert().from_select(
                ["organization_id", "country_code", "project_id", "start_date"], keys
            )
        )
    timings["match_keys"] = time.perf_counter() - started
    started = time.perf_counter()
    with Session(engine) as session:
        refresh_term_stats(session)
        session.commit()
    timings["term_stats"] = time.perf_counter() - started
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if is_pg:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))
        else:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    timings["analyze"] = time.perf_counter() - started
    with engine.connect() as conn:
        indexed = conn.scalar(select(func.count()).select_from(ProjectSearch.__table__))
        projects = conn.scalar(select(func.count()).select_from(table))
        vocabulary = conn.scalar(text("SELECT count(*) FROM search_term_stat"))
        unscoped = conn.scalar(text("SELECT count(*) FROM project_search WHERE scope = ''"))
    engine.dispose()
    if indexed != projects or written != projects:
        raise RuntimeError(f"indexed {indexed} (wrote {written}) of {projects} projects")
    if unscoped:  # every corpus project has a country; without it PostgreSQL finds no words
        raise RuntimeError(f"{unscoped} index rows have no countries (scope)")
    return {"indexed": indexed, "vocabulary": vocabulary, "seconds": timings}


def reset_to_corpus(url: str, size: int) -> dict[str, int]:
    """Remove what earlier runs registered (projects past the corpus, alerts, notices), so
    that a reused database measures the same thing each time: a planted duplicate registered
    again would otherwise meet its copies from earlier runs too. Benchmark databases only."""
    engine = make_engine(url)
    removed: dict[str, int] = {}
    with engine.begin() as conn:
        later = "SELECT id FROM project WHERE id > :size"
        for table in (
            "notification_delivery",
            "outbox_message",
            "duplicate_alert",
            "coverage_link",
        ):
            removed[table] = conn.execute(text(f"DELETE FROM {table}")).rowcount
        for table in (
            "project_search",
            "match_key",
            "project_country",
            "project_theme",
            "project_organization",
            "project_history",
        ):
            conn.execute(text(f"DELETE FROM {table} WHERE project_id IN ({later})"), {"size": size})
        removed["project"] = conn.execute(
            text("DELETE FROM project WHERE id > :size"), {"size": size}
        ).rowcount
        if engine.dialect.name == "postgresql":
            # Ids from the corpus's end again, so that each run registers the same ids:
            # earlier runs' ids left a gap that the matcher reads as growth of the index.
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('project', 'id'), :size)"),
                {"size": size},
            )
    if engine.dialect.name == "postgresql":
        # What autovacuum (off on this server) does after deletes: no dead rows in the way.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return removed


# --- Planted duplicates ---

INSERTED_WORDS = ("regional", "enhanced", "joint", "national", "integrated", "pilot", "further")
VARIANTS = {
    "drop_word": 20,
    "insert_word": 20,
    "reorder": 20,
    "plural": 15,
    "drop_and_plural": 10,
    "description_only": 15,
}


@dataclass(slots=True)
class Planted:
    original_id: int
    variant: str
    payload: dict[str, Any]


def _drop_word(rng: random.Random, words: list[str]) -> list[str]:
    choices = [i for i, w in enumerate(words) if i > 0 and len(w) > 3]
    if len(words) < 4 or not choices:
        return words
    i = rng.choice(choices)
    return words[:i] + words[i + 1 :]


def _insert_word(rng: random.Random, words: list[str]) -> list[str]:
    i = rng.randrange(0, len(words) + 1)
    return [*words[:i], rng.choice(INSERTED_WORDS), *words[i:]]


def _reorder(rng: random.Random, title: str) -> str:
    """'X in Place' -> 'Place: X'; 'X for Y' -> 'Y: X'; else swap two adjacent words."""
    for joint in (" in ", " for ", " on the ", " at ", " between ", " along the "):
        if joint in title:
            head, _, tail = title.partition(joint)
            return f"{tail}: {head}"
    words = title.split()
    if len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def _plural(rng: random.Random, words: list[str]) -> list[str]:
    choices = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not choices:
        return words
    i = rng.choice(choices)
    w = words[i]
    words = list(words)
    words[i] = w[:-1] if w.endswith("s") and not w.endswith("ss") else w + "s"
    return words


def _shift(day: dt.date | None, days: int) -> dt.date | None:
    if day is None:
        return None
    return min(day + dt.timedelta(days=days), dt.date(2030, 12, 31))


def _new_description(rng: random.Random, old_title: str, new_title: str, text_: str) -> str:
    """The original description with its leading title replaced, maybe one sentence fewer."""
    body = text_[len(old_title) :] if text_.startswith(old_title) else text_
    sentences = [s for s in body.split(". ") if s]
    if len(sentences) > 3 and rng.random() < 0.5:
        del sentences[rng.randrange(1, len(sentences))]
    return new_title + ". " + ". ".join(sentences)


def plant_duplicates(url: str, n: int = 200, seed: int = 42) -> list[Planted]:
    """``n`` near-duplicate registrations of live stored projects chosen at random (seeded).

    Same countries, themes, donors and implementers; dates shifted 1-6 weeks; budget within
    10 %. Titles reworded by one of VARIANTS; ``description_only`` gets another title of the
    same theme and keeps the description (without the old title in it).
    """
    rng = random.Random(seed)
    engine = make_engine(url)
    p = Project.__table__
    with engine.connect() as conn:
        live = list(
            conn.scalars(
                select(p.c.id)
                .where(p.c.withdrawn_at.is_(None), p.c.status != "cancelled")
                .order_by(p.c.id)
            )
        )
        chosen = sorted(rng.sample(live, n))
        rows = {r.id: r for r in conn.execute(select(p).where(p.c.id.in_(chosen)))}
        countries: dict[int, list[str]] = {i: [] for i in chosen}
        for pid, code in conn.execute(
            select(project_country.c.project_id, project_country.c.country_code).where(
                project_country.c.project_id.in_(chosen)
            )
        ):
            countries[pid].append(code)
        themes: dict[int, list[str]] = {i: [] for i in chosen}
        for pid, slug in conn.execute(
            select(project_theme.c.project_id, Theme.slug)
            .join(Theme, Theme.id == project_theme.c.theme_id)
            .where(project_theme.c.project_id.in_(chosen))
        ):
            themes[pid].append(slug)
        orgs: dict[int, dict[str, list[str]]] = {
            i: {"donor": [], "implementer": []} for i in chosen
        }
        po = ProjectOrganization.__table__
        for pid, role, code in conn.execute(
            select(po.c.project_id, po.c.role, Organization.code)
            .join(Organization, Organization.id == po.c.organization_id)
            .where(po.c.project_id.in_(chosen))
            .order_by(po.c.project_id, po.c.position)
        ):
            orgs[pid][str(role)].append(code)
    engine.dispose()
    planted = []
    names, weights = zip(*VARIANTS.items(), strict=True)
    for pid in chosen:
        row = rows[pid]
        variant = rng.choices(names, weights=weights)[0]
        title = row.title
        words = title.split()
        if variant == "drop_word":
            new_title = " ".join(_drop_word(rng, words))
        elif variant == "insert_word":
            new_title = " ".join(_insert_word(rng, words))
        elif variant == "reorder":
            new_title = _reorder(rng, title)
        elif variant == "plural":
            new_title = " ".join(_plural(rng, words))
        elif variant == "drop_and_plural":
            new_title = " ".join(_plural(rng, _drop_word(rng, words)))
        else:
            theme = themes[pid][0] if themes[pid] else "border-control"
            country = BY_CODE.get(countries[pid][0])
            options = [t for t in TITLES.get(theme, ()) if "{" not in t or country is not None]
            new_title = title
            for _ in range(10):
                template = rng.choice(options)
                new_title = template.format(
                    place=rng.choice(country.places) if country else "",
                    border=rng.choice(country.borders) if country and country.borders else "",
                    agency=country.agency if country else "",
                    country=country.name if country else "",
                    country2="Uzbekistan",
                    route="northern",
                )
                if new_title != title:
                    break
        description = _new_description(rng, title, new_title, row.description or "")
        days = rng.choice((-1, 1)) * rng.randint(7, 42)
        budget = None
        if row.budget_amount is not None:
            amount = Decimal(row.budget_amount) * Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
            budget = {"amount": f"{amount:.2f}", "currency": row.budget_currency}
        start, end = _shift(row.start_date, days), _shift(row.end_date, days)
        if start and end and end < start:
            end = start
        payload = {
            "title": new_title[:500],
            "description": description,
            "donors": orgs[pid]["donor"],
            "implementers": orgs[pid]["implementer"],
            "countries": sorted(countries[pid], key=lambda c: c != countries[pid][0]),
            "themes": themes[pid],
            "status": row.status if not hasattr(row.status, "value") else row.status.value,
            "start_date": start.isoformat() if start else None,
            "end_date": end.isoformat() if end else None,
            "budget": budget,
            "iati_identifier": None,
            "contact": None,
        }
        planted.append(Planted(pid, variant, payload))
    return planted


def fresh_payloads(n: int, seed: int) -> list[dict[str, Any]]:
    gen = Generator(seed)
    return [gen.project().as_api_payload() for _ in range(n)]


# --- Recall of candidate generation (in process) ---


def candidate_recall(url: str, planted: list[Planted]) -> dict[str, Any]:
    """For each planted duplicate: is its original among candidate_ids for its probe?"""
    from adam.app import create_app
    from adam.duplicates.candidates import Probe, by_organization, by_words, candidate_ids
    from adam.session import new_session

    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    settings = get_settings(app).matcher
    rows: list[dict[str, Any]] = []
    times: list[float] = []
    with app.app_context():
        session = new_session(app)
        try:
            org_ids = dict(session.execute(select(Organization.code_key, Organization.id)).all())
            for item in planted:
                data = item.payload
                values = search_values(data["title"], data["description"])
                codes = [*data["donors"], *data["implementers"]]
                probe = Probe(
                    project_id=None,
                    countries=tuple(data["countries"]),
                    organization_ids=tuple(dict.fromkeys(org_ids[c.lower()] for c in codes)),
                    start=dt.date.fromisoformat(data["start_date"]) if data["start_date"] else None,
                    end=dt.date.fromisoformat(data["end_date"]) if data["end_date"] else None,
                    title_terms=values["title_terms"],
                    description_head=values["description_head"],
                )
                began = time.perf_counter()
                ids = candidate_ids(session, probe, settings.limits)
                times.append((time.perf_counter() - began) * 1000)
                words = by_words(session, probe, settings.limits)
                orgs = by_organization(session, probe, settings.limits)
                rows.append(
                    {
                        "original_id": item.original_id,
                        "variant": item.variant,
                        "found": item.original_id in ids,
                        "by_words": item.original_id in words,
                        "by_organization": item.original_id in orgs,
                        "candidates": len(ids),
                    }
                )
                session.rollback()
        finally:
            session.close()
    found = sum(r["found"] for r in rows)
    return {
        "n": len(rows),
        "found": found,
        "recall": round(found / len(rows), 4) if rows else None,
        "by_words": sum(r["by_words"] for r in rows),
        "by_organization": sum(r["by_organization"] for r in rows),
        "candidates_median": int(bench_run.percentile([r["candidates"] for r in rows], 50)),
        "candidate_ids_ms": bench_run.summary(times),
        "by_variant": _by_variant(rows, "found"),
        "misses": [r for r in rows if not r["found"]][:40],
        "limits": asdict(settings.limits),
    }


def _by_variant(rows: list[dict[str, Any]], key: str) -> dict[str, str]:
    out: dict[str, list[int]] = {}
    for r in rows:
        hit = out.setdefault(r["variant"], [0, 0])
        hit[0] += bool(r[key])
        hit[1] += 1
    return {v: f"{a}/{b}" for v, (a, b) in sorted(out.items())}


# --- Through HTTP ---


def worker_memory(port: int) -> dict[str, Any]:
    """VmRSS / VmHWM (kB) of the gunicorn master and workers listening on ``port``."""
    needle = f"127.0.0.1:{port}".encode()
    procs: dict[int, dict[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if needle not in cmdline or b"gunicorn" not in cmdline:
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        procs[int(entry.name)] = {
            "ppid": int(fields["PPid"]),
            "rss_kb": int(fields.get("VmRSS", "0 kB").split()[0]),
            "hwm_kb": int(fields.get("VmHWM", "0 kB").split()[0]),
            "anon_kb": int(fields.get("RssAnon", "0 kB").split()[0]),
        }
    workers = {pid: v for pid, v in procs.items() if v["ppid"] in procs}
    masters = {pid: v for pid, v in procs.items() if pid not in workers}
    rss = [v["rss_kb"] for v in workers.values()]
    return {
        "workers": len(workers),
        "worker_rss_mb": [round(v / 1024, 1) for v in rss],
        "worker_rss_max_mb": round(max(rss) / 1024, 1) if rss else None,
        "worker_hwm_max_mb": round(max(v["hwm_kb"] for v in workers.values()) / 1024, 1)
        if workers
        else None,
        "worker_anon_max_mb": round(max(v["anon_kb"] for v in workers.values()) / 1024, 1)
        if workers
        else None,
        "master_rss_mb": [round(v["rss_kb"] / 1024, 1) for v in masters.values()],
    }


def sequential_registrations(
    base: str, token: str, planted: list[Planted], fresh: list[dict[str, Any]]
) -> dict[str, Any]:
    """Alternate planted and fresh registrations, one at a time; time each; check recall."""
    planted_ms: list[float] = []
    fresh_ms: list[float] = []
    rows: list[dict[str, Any]] = []
    statuses: dict[str, int] = {}
    failed_checks = 0
    fresh_flagged = 0
    errors: list[str] = []
    with httpx.Client(base_url=base, headers=bench_run._auth(token), timeout=60) as client:
        for index in range(max(len(planted), len(fresh))):
            for kind in ("planted", "fresh"):
                if kind == "planted" and index >= len(planted):
                    continue
                if kind == "fresh" and index >= len(fresh):
                    continue
                payload = planted[index].payload if kind == "planted" else fresh[index]
                began = time.perf_counter()
                response = client.post("/api/v1/projects", json=payload)
                elapsed = (time.perf_counter() - began) * 1000
                key = f"{kind}:{response.status_code}"
                statuses[key] = statuses.get(key, 0) + 1
                if response.status_code != 201:
                    if len(errors) < 5:
                        errors.append(f"{kind} {response.status_code}: {response.text[:300]}")
                    continue
                body = response.json()
                failed_checks += body.get("duplicate_check") != "done"
                found = [d["project"]["id"] for d in body.get("possible_duplicates", [])]
                if kind == "fresh":
                    fresh_ms.append(elapsed)
                    fresh_flagged += bool(found)
                    continue
                planted_ms.append(elapsed)
                item = planted[index]
                hit = item.original_id in found
                rows.append(
                    {
                        "original_id": item.original_id,
                        "variant": item.variant,
                        "found": hit,
                        "rank": found.index(item.original_id) if hit else None,
                        "score": next(
                            (
                                d["score"]
                                for d in body["possible_duplicates"]
                                if d["project"]["id"] == item.original_id
                            ),
                            None,
                        ),
                        "listed": len(found),
                        "new_id": body["id"],
                    }
                )
    hits = sum(r["found"] for r in rows)
    return {
        "planted": bench_run.summary(planted_ms),
        "fresh": bench_run.summary(fresh_ms),
        "statuses": statuses,
        "error_samples": errors,
        "failed_checks": failed_checks,
        "fresh_with_possible_duplicates": fresh_flagged,
        "recall": {
            "n": len(rows),
            "found": hits,
            "recall": round(hits / len(rows), 4) if rows else None,
            "by_variant": _by_variant(rows, "found"),
            "misses": [r for r in rows if not r["found"]][:40],
        },
    }


# --- Scan ---


def timed_scan(url: str, timeout_s: float) -> dict[str, Any]:
    """``adam duplicates scan`` as a subprocess: wall time, its peak RSS, its last line.

    Stopped (SIGKILL to that one child) after ``timeout_s``; then ``finished`` is false.
    """
    env = {**os.environ, "ADAM_DATABASE_URL": url, "ADAM_LOG_LEVEL": "WARNING"}
    log = OUT / "scan-output.txt"
    began = time.perf_counter()
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-c", "from adam.cli import main; main()", "duplicates", "scan"],
            cwd=REPO, env=env, stdout=handle, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    finished = True
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - began > timeout_s:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            finished = False
            break
        time.sleep(0.5)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    output = log.read_text().strip()
    return {
        "wall_s": round(wall, 1),
        "finished": finished,
        "timeout_s": timeout_s,
        "exit": process.returncode,
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "output": output.splitlines()[-1] if output else "",
    }


def alert_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM duplicate_alert")) or 0
    engine.dispose()
    return count


# --- Orchestration ---


def run_one(backend: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    stamp = lambda: time.strftime("%H:%M:%S")  # noqa: E731
    print(f"== {stamp()} {backend} {size}: fresh database, corpus", flush=True)
    previous = OUT / f"matching-{backend}-{size}.json"
    url = reusable_database(backend, size, args) if args.reuse else None
    result: dict[str, Any] = {"backend": backend, "size": size}
    result["loadavg_start"] = os.getloadavg()
    if url is not None:
        # Loaded and indexed by an earlier run (which also registered some projects), or by
        # corpus.py and build_index separately (then load and index times are unknown here).
        old = json.loads(previous.read_text()) if previous.exists() else {}
        result["load"] = old.get("load", {})
        result["load_s"] = old.get("load_s", float("nan"))
        result["index"] = old.get("index", {"seconds": {}})
        seconds = result["index"]["seconds"]
        result["index_s"] = round(sum(v for k, v in seconds.items() if k != "index_insert_main"), 1)
        result["reused"] = True
        # The schema may have moved on since (migrations added by others): bring it up.
        result["upgrade"] = run_adam(url, "db", "upgrade", "--no-reindex").strip().splitlines()[-1:]
        result["reset"] = reset_to_corpus(url, size)
        print(f"   {stamp()} reusing {url} (loaded and indexed earlier)", flush=True)
    else:
        url = fresh_database(backend, size, args.db_prefix, Path(args.workdir))
        report = load(url, size, seed=args.seed)
        result["load"] = {
            "links": report.links,
            "seconds": {k: round(v, 1) for k, v in report.seconds.items()},
        }
        result["load_s"] = round(sum(report.seconds.values()), 1)
        print(f"   {stamp()} loaded in {result['load_s']}s {result['load']['seconds']}", flush=True)
        index = build_index(url, processes=args.processes)
        index["seconds"] = {k: round(v, 1) for k, v in index["seconds"].items()}
        result["index"] = index
        result["index_s"] = round(
            sum(v for k, v in index["seconds"].items() if k != "index_insert_main"), 1
        )
        print(f"   {stamp()} indexed in {result['index_s']}s {index}", flush=True)
    result["url"] = url
    if args.prepare_only:
        result["meta"] = meta()
        previous.write_text(json.dumps(result, indent=2, default=str))
        return result
    if backend == "sqlite":
        path = url.removeprefix("sqlite:///")
        result["db_file_mb"] = round(os.path.getsize(path) / 2**20, 1)

    planted = plant_duplicates(url, args.planted, args.seed)
    fresh = fresh_payloads(args.fresh, args.seed + 7000)
    print(f"   {stamp()} candidate recall over {len(planted)} planted duplicates", flush=True)
    result["candidates"] = candidate_recall(url, planted)
    c = result["candidates"]
    print(
        f"       recall {c['found']}/{c['n']} (words {c['by_words']}, orgs {c['by_organization']}),"
        f" candidate_ids {c['candidate_ids_ms']}",
        flush=True,
    )

    tokens = create_users(url)
    log = OUT / f"gunicorn-matching-{backend}-{size}.log"
    result["loadavg_before_http"] = os.getloadavg()
    # What gunicorn is about to load (others may commit while a long run goes on).
    result["revision_served"] = bench_run.git_revision()
    with bench_run.gunicorn(url, log, workers=args.workers) as base:
        port = int(base.rsplit(":", 1)[1])
        memory = {"started": worker_memory(port)}
        warm = bench_run.warm_up_registrations(base, tokens, 5, args.seed)
        memory["warmed"] = worker_memory(port)
        print(
            f"   {stamp()} sequential registrations: {len(planted)} planted + {len(fresh)} fresh",
            flush=True,
        )
        alerts = alert_count(url)
        result["sequential"] = sequential_registrations(base, tokens[0][1], planted, fresh)
        registered = result["sequential"]["planted"]["n"] + result["sequential"]["fresh"]["n"]
        result["sequential"]["alerts_raised"] = alert_count(url) - alerts
        result["sequential"]["alerts_per_registration"] = round(
            result["sequential"]["alerts_raised"] / max(registered, 1), 1
        )
        result["sequential"]["warmup_failures"] = warm
        memory["after_sequential"] = worker_memory(port)
        s = result["sequential"]
        print(
            f"       planted {s['planted']}\n       fresh {s['fresh']}\n"
            f"       end-to-end recall {s['recall']['found']}/{s['recall']['n']}",
            flush=True,
        )
        print(f"   {stamp()} concurrent registrations, {len(tokens)} clients", flush=True)
        alerts = alert_count(url)
        result["concurrent"] = bench_run.bench_registrations(
            base, tokens, args.register_seconds, args.register_limit, args.seed
        )
        result["concurrent"]["alerts_per_registration"] = round(
            (alert_count(url) - alerts) / max(result["concurrent"]["n"], 1), 1
        )
        memory["after_concurrent"] = worker_memory(port)
        result["memory"] = memory
        print(f"       {result['concurrent']}", flush=True)
        print(f"       memory {memory['after_concurrent']}", flush=True)
    result["loadavg_after_http"] = os.getloadavg()
    if size <= args.scan_max:
        print(f"   {stamp()} adam duplicates scan", flush=True)
        before = alert_count(url)
        result["scan"] = timed_scan(url, args.scan_timeout)
        result["scan"]["alerts_before"] = before
        result["scan"]["alerts_after"] = alert_count(url)
        print(f"       {result['scan']}", flush=True)
    result["loadavg_end"] = os.getloadavg()
    result["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result["meta"] = meta()
    (OUT / f"matching-{backend}-{size}.json").write_text(json.dumps(result, indent=2, default=str))
    return result


def meta() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "python": platform.python_version(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "revision": bench_run.git_revision(),
        # Other work in progress shows here: the service measured is the working tree.
        "adam_diff_sha1": hashlib.sha1(
            subprocess.run(
                ["git", "diff", "HEAD", "--", "adam"],
                cwd=REPO,
                capture_output=True,
                check=False,
            ).stdout
        ).hexdigest()[:12],
        "adam_diff_files": subprocess.run(
            ["git", "diff", "HEAD", "--name-only", "--", "adam"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split(),
        "targets": TARGETS,
        "bench_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | projects | load s | index s | planted p50/p95/p99 | fresh p50/p95/p99 "
        "| reg/s 4 clients (p95) | e2e recall | candidate recall | candidate_ids p95 "
        "| alerts/reg | scan s | worker RSS MB | load 1m |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s, c, cc = r["sequential"], r["candidates"], r["concurrent"]
        p, f = s["planted"], s["fresh"]
        scan = "-"
        if "scan" in r:
            scan = ("" if r["scan"]["finished"] else "> ") + f"{r['scan']['wall_s']:.0f}"
        mem = r["memory"]["after_concurrent"]
        lines.append(
            f"| {r['backend']} | {r['size']:,} | {r['load_s']:.0f} | {r['index_s']:.0f} "
            f"| {p['p50_ms']:.0f} / {p['p95_ms']:.0f} / {p['p99_ms']:.0f} "
            f"| {f['p50_ms']:.0f} / {f['p95_ms']:.0f} / {f['p99_ms']:.0f} "
            f"| {cc['per_second']:.1f} ({cc['p95_ms']:.0f}) "
            f"| {s['recall']['found']}/{s['recall']['n']} | {c['found']}/{c['n']} "
            f"| {c['candidate_ids_ms']['p95_ms']:.1f} | {s['alerts_per_registration']:.0f} "
            f"| {scan} "
            f"| {' + '.join(f'{m:.0f}' for m in mem['worker_rss_mb'])} "
            f"| {r['loadavg_before_http'][0]:.1f} |"
        )
    return "\n".join(lines) + (
        "\n\nLatencies in ms, measured by the client over HTTP on 127.0.0.1, sequential "
        "(one client); planted = near-duplicates of stored projects, fresh = new random "
        "projects. e2e recall: original listed in possible_duplicates; candidate recall: "
        "original among candidate_ids (in process). Worker RSS after the concurrent run."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--size", action="append", type=int)
    parser.add_argument("--db-prefix", default="adam_match")
    parser.add_argument("--workdir", default="/tmp/adam_match", help="where SQLite files go")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2, help="normalising processes")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--planted", type=int, default=200)
    parser.add_argument("--fresh", type=int, default=200)
    parser.add_argument("--register-seconds", type=float, default=15.0)
    parser.add_argument("--register-limit", type=int, default=400)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse a database loaded and indexed by an earlier run (skip load and index)",
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="load and index, write the JSON, measure nothing (measure later with --reuse)",
    )
    parser.add_argument("--scan-timeout", type=float, default=900.0, help="seconds")
    parser.add_argument(
        "--scan-max", type=int, default=100_000, help="run the scan only up to this size"
    )
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", "postgresql"]
    sizes = args.size or [10_000, 100_000]
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()}", flush=True)
    results = []
    for size in sizes:
        for backend in backends:
            results.append(run_one(backend, size, args))
            if not args.prepare_only:
                print(table(results[-1:]), flush=True)
    if not args.prepare_only:
        print()
        print(table(results))


if __name__ == "__main__":
    main()
