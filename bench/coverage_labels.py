"""Precision and recall of the coverage suggestions on a labelled set built from real projects.

    .venv/bin/python bench/coverage_labels.py [--needs 80] [--negatives 40] [--seed 3]
        [--workdir /tmp/adam_coverage] [--threshold 50]

Loads the real IATI activities of ``../shared/data/iati/activities.jsonl`` whose recipient
countries ADAM knows into a fresh SQLite database as projects (title, description, countries,
themes from their DAC sectors, dates, status), indexes them as registration does, then writes
needs as a country's focal point would for what a project does, never copying its text:

- **served** (``--needs``): a security, justice or counter-narcotics activity drawn at random;
  the need names a few of its title's most specific words (rarest in the corpus), a few
  replaced by a synonym, inside a focal point's phrasing ("Support is needed for ..."), the
  description is one sentence from its theme and country, the period the project's widened
  by half a year. Its label: that project serves it.
- **unserved** (``--negatives``): the words of another activity's title, written for a country
  where no loaded project holds two of them. Its label: no project serves it.

Then ``adam.workflows.coverage.suggest_for_need`` runs on each need at the configured threshold
and the script prints, for a few thresholds: recall (served needs whose project is suggested),
strict precision (suggestions that are the labelled project; other suggested projects may serve
the need too, so this is a lower bound), and the share of unserved needs with any suggestion.
Nothing here is shipped: the AidData records stay in the bench database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import REPO, run_adam
from sqlalchemy import select

from adam.app import create_app
from adam.coverage.settings import CoverageSettings
from adam.duplicates import service as duplicates_service
from adam.matching.normalize import normalize_text
from adam.needs.models import Need, NeedState, Priority
from adam.projects.models import Project, ProjectStatus
from adam.reference.models import Country, Theme
from adam.session import get_settings, new_session
from adam.workflows import coverage

DATA = REPO.parent / "shared" / "data" / "iati" / "activities.jsonl"
STATUSES = {
    "1": ProjectStatus.PIPELINE,
    "2": ProjectStatus.IMPLEMENTATION,
    "3": ProjectStatus.FINALISATION,
    "4": ProjectStatus.CLOSED,
    "5": ProjectStatus.CANCELLED,
    "6": ProjectStatus.SUSPENDED,
}
SECURITY_TIERS = ("T1", "T2", "T3")
# What a focal point writes instead of a project's word.
SYNONYMS = {
    "training": "capacity building",
    "police": "law enforcement",
    "strengthening": "improving",
    "support": "assistance",
    "project": "programme",
    "capacity": "skills",
    "border": "frontier",
    "justice": "courts",
    "drug": "narcotics",
    "women": "female",
    "programme": "activity",
}
FRAMES = (
    "Support is needed for {words}",
    "{words}: assistance required",
    "Our country needs help with {words}",
    "Request for {words}",
)
STOP = {
    "and", "the", "of", "for", "in", "to", "on", "a", "an", "with", "by", "at", "from",
    "project", "programme", "program", "phase", "support", "afghanistan", "afghan",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z-]+")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def load_projects(app: Any, activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The activities as projects (ORM, indexed as a registration indexes); returns those
    loaded, each with its project id."""
    loaded = []
    with new_session(app) as session:
        countries = {c.code: c for c in session.scalars(select(Country))}
        themes = list(session.scalars(select(Theme)))
        by_dac = {code: t for t in themes for code in t.dac_codes}
        for n, a in enumerate(activities):
            codes = [c for c in a["recipient_countries"] if c in countries]
            if not codes or not a.get("title"):
                continue
            sector_codes = [s["code"] for s in a.get("sectors") or [] if s.get("vocabulary") == "1"]
            project_themes = list(
                {by_dac[c].slug: by_dac[c] for c in sector_codes if c in by_dac}.values()
            )
            start, end = _date(a.get("start_date")), _date(a.get("end_date"))
            if start and end and end < start:
                end = None
            project = Project(
                code=f"IATI-{n:05d}",
                title=a["title"][:500],
                description=(a.get("description") or "")[:20000] or None,
                status=STATUSES.get(
                    str((a.get("status") or {}).get("code")), ProjectStatus.IMPLEMENTATION
                ),
                start_date=start,
                end_date=end,
                search_text="",
                countries=[countries[c] for c in codes],
                themes=project_themes,
            )
            session.add(project)
            loaded.append(
                {
                    **a,
                    "_project": project,
                    "_countries": codes,
                    "_themes": [t.slug for t in project_themes],
                }
            )
        session.flush()
        duplicates_service.reindex_missing(session)
        session.commit()
        for item in loaded:
            item["project_id"] = item.pop("_project").id
    return loaded


def _content_words(title: str) -> list[str]:
    return [w for w in WORD.findall(title) if w.lower() not in STOP and len(w) > 2]


def _paraphrase(words: list[str], rng: random.Random) -> str:
    out = [SYNONYMS.get(w.lower(), w.lower()) if rng.random() < 0.4 else w.lower() for w in words]
    rng.shuffle(out)
    return rng.choice(FRAMES).format(
        words=" and ".join([", ".join(out[:-1]), out[-1]]) if len(out) > 1 else out[0]
    )


def build_needs(
    app: Any, loaded: list[dict[str, Any]], *, served: int, unserved: int, rng: random.Random
) -> list[dict[str, Any]]:
    """The labelled needs (not saved yet): title, country, themes, period, and the project
    that serves each (None for the unserved)."""
    with new_session(app) as session:
        counts, _ = duplicates_service.document_frequencies(
            session,
            list({w for item in loaded for w in normalize_text(item["title"]).text.split()}),
        )
        names = {c.code: c.name_en for c in session.scalars(select(Country))}
        theme_names = {t.slug: t.name_en for t in session.scalars(select(Theme))}
    words_by_country: dict[str, list[set[str]]] = {}
    for item in loaded:
        tokens = set(normalize_text(f"{item['title']} {item.get('description') or ''}").tokens)
        for code in item["_countries"]:
            words_by_country.setdefault(code, []).append(tokens)

    def specific(title: str) -> list[str]:
        words = _content_words(title)
        ranked = sorted(
            dict.fromkeys(words),
            key=lambda w: counts.get(normalize_text(w).text, 10**6) or 10**6,
        )
        return ranked[: rng.randint(2, 4)]

    security = [
        i
        for i in loaded
        if i["tier"].startswith(SECURITY_TIERS)
        and len(_content_words(i["title"])) >= 3
        and (i.get("title") or "").isascii()
    ]
    rng.shuffle(security)
    needs = []
    for item in security[:served]:
        country = item["_countries"][0]
        theme = item["_themes"][:1]
        words = specific(item["title"])
        start, end = _date(item.get("start_date")), _date(item.get("end_date"))
        needs.append(
            {
                "title": _paraphrase(words, rng),
                "description": f"{names[country]} asks for assistance in "
                + (theme_names[theme[0]].lower() if theme else "this field")
                + ".",
                "country": country,
                "themes": theme,
                "start": start - dt.timedelta(days=180) if start else None,
                "end": end + dt.timedelta(days=180) if end else None,
                "serves": item["project_id"],
            }
        )
    others = [
        i
        for i in loaded
        if (i.get("title") or "").isascii() and len(_content_words(i["title"])) >= 3
    ]
    rng.shuffle(others)
    codes = sorted(words_by_country)
    for item in others:
        if len([n for n in needs if n["serves"] is None]) >= unserved:
            break
        words = specific(item["title"])
        folded = {normalize_text(w).text for w in words}
        country = rng.choice([c for c in codes if c not in item["_countries"]])
        if any(len(folded & tokens) >= 2 for tokens in words_by_country[country]):
            continue
        needs.append(
            {
                "title": _paraphrase(words, rng),
                "description": f"{names[country]} asks for assistance.",
                "country": country,
                "themes": item["_themes"][:1],
                "start": None,
                "end": None,
                "serves": None,
            }
        )
    return needs


def suggest_all(app: Any, needs: list[dict[str, Any]], settings: CoverageSettings) -> list[float]:
    """Save each need and suggest for it; returns the seconds each suggestion took. Each need's
    ``found`` is then [(project id, score)] at threshold 0 (every scored candidate)."""
    times = []
    with new_session(app) as session:
        themes = {t.slug: t for t in session.scalars(select(Theme))}
        for n in needs:
            need = Need(
                title=n["title"],
                description=n["description"],
                country_code=n["country"],
                priority=Priority.HIGH,
                state=NeedState.OPEN,
                start_date=n["start"],
                end_date=n["end"],
                themes=[themes[t] for t in n["themes"]],
            )
            session.add(need)
            session.flush()
            started = time.perf_counter()
            refreshed = coverage.suggest_for_need(session, need, settings)
            times.append(time.perf_counter() - started)
            n["found"] = [(s.project_id, s.score) for s in refreshed.suggestions]
        session.rollback()
    return times


def measure(needs: list[dict[str, Any]], threshold: float) -> dict[str, float]:
    served = [n for n in needs if n["serves"] is not None]
    unserved = [n for n in needs if n["serves"] is None]
    suggestions = correct = 0
    found_served = 0
    for n in served:
        above = [pid for pid, score in n["found"] if score >= threshold]
        suggestions += len(above)
        correct += n["serves"] in above
        found_served += n["serves"] in above
    alarms = 0
    for n in unserved:
        above = [pid for pid, score in n["found"] if score >= threshold]
        suggestions += len(above)
        alarms += bool(above)
    return {
        "threshold": threshold,
        "recall": found_served / len(served) if served else 0.0,
        "precision": correct / suggestions if suggestions else 0.0,
        "top1_precision": (
            sum(
                bool(n["found"])
                and n["found"][0][0] == n["serves"]
                and n["found"][0][1] >= threshold
                for n in served
            )
            / max(1, sum(bool(n["found"]) and n["found"][0][1] >= threshold for n in served))
        ),
        "unserved_with_suggestion": alarms / len(unserved) if unserved else 0.0,
        "suggestions": suggestions,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--needs", type=int, default=80)
    parser.add_argument("--negatives", type=int, default=40)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--workdir", default="/tmp/adam_coverage")
    parser.add_argument("--thresholds", default="30,40,50,60,70")
    parser.add_argument("--show", type=int, default=0, help="print this many needs with results")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "coverage_labels.sqlite3"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    run_adam(url, "db", "upgrade", "--no-reindex")
    run_adam(url, "seed")
    app = create_app({"ENV": "testing", "DATABASE_URL": url})
    activities = [json.loads(line) for line in DATA.open()]
    started = time.perf_counter()
    loaded = load_projects(app, activities)
    print(f"{len(loaded)} projects loaded and indexed in {time.perf_counter() - started:.1f} s")
    rng = random.Random(args.seed)
    needs = build_needs(app, loaded, served=args.needs, unserved=args.negatives, rng=rng)
    scoring = CoverageSettings(
        threshold=0.0, max_suggestions=get_settings(app).coverage.max_suggestions
    )
    times = sorted(suggest_all(app, needs, scoring))
    p95 = times[int(0.95 * (len(times) - 1))]
    served = sum(n["serves"] is not None for n in needs)
    print(
        f"{served} served and {len(needs) - served} unserved needs; suggestion p50 "
        f"{times[len(times) // 2] * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
    )
    default = get_settings(app).coverage.threshold
    print(
        "| threshold | recall | precision (strict) | top-1 precision "
        "| unserved needs with a suggestion | suggestions |"
    )
    print("|---|---|---|---|---|---|")
    for value in sorted({float(t) for t in args.thresholds.split(",")} | {default}):
        m = measure(needs, value)
        mark = " (default)" if value == default else ""
        print(
            f"| {value:g}{mark} | {m['recall']:.2f} | {m['precision']:.2f} "
            f"| {m['top1_precision']:.2f} | {m['unserved_with_suggestion']:.2f} "
            f"| {m['suggestions']:.0f} |"
        )
    for n in needs[: args.show]:
        print(
            n["title"],
            "|",
            n["country"],
            n["themes"],
            "| serves",
            n["serves"],
            "| found",
            n["found"][:3],
        )


if __name__ == "__main__":
    main()
