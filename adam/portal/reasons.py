"""The reasons a project is suggested for a need or a recommendation, said in the reader's
language: theme and country names instead of codes, months instead of ``2027-03``.

The matcher (adam/coverage/scoring.py) stores each reason with the values it names; links
stored before it did carry only the English detail, from which the same values are read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from flask import g
from flask_babel import format_date, gettext

from adam.portal.i18n import label, localized
from adam.reference import service as reference_service
from adam.session import get_session

# A verdict's note is kept among the reasons; pages show it apart.
DECISION = "decision"

_WORDS = re.compile(r"^shared words: (?P<words>.*?)(?: \(\+(?P<more>\d+)\))?$")
_TITLES = re.compile(r'^title: "(?P<a>.*)" / "(?P<b>.*)"$', re.DOTALL)
_OVERLAP = re.compile(r"^periods overlap (?P<start>[\d-]+)\.\.(?P<end>[\d-]+)$")
_DISJOINT = re.compile(
    r"^periods disjoint: (?P<start>[\d?-]*)\.\.(?P<end>[\d-]*) / "
    r"(?P<pstart>[\d?-]*)\.\.(?P<pend>[\d-]*)$"
)


def _after(detail: str, prefix: str) -> list[str]:
    rest = detail[len(prefix) :] if detail.startswith(prefix) else ""
    return [part.strip() for part in rest.split(",") if part.strip()]


def _values(reason: dict[str, Any]) -> dict[str, Any]:
    """What the reason names: stored with it, else read from its English detail."""
    field, detail = reason.get("field"), str(reason.get("detail") or "")
    values: dict[str, Any] = {}
    if field == "words" and (m := _WORDS.match(detail)):
        words = [word.strip() for word in m["words"].split(",") if word.strip()]
        values = {"words": words, "more": int(m["more"] or 0)}
    elif field == "title" and (m := _TITLES.match(detail)):
        values = {"titles": [m["a"], m["b"]]}
    elif field == "themes":
        values = {"themes": _after(detail, "same theme: ")}
    elif field == "pillar":
        values = {"pillars": _after(detail, "same pillar: ")}
    elif field == "countries":
        values = {"countries": _after(detail, "same country: ")}
    elif field == "dates" and (m := _OVERLAP.match(detail)):
        values = {"from": m["start"], "to": m["end"]}
    elif field == "dates" and (m := _DISJOINT.match(detail)):
        values = {"from": m["start"], "to": m["end"], "project_from": m["pstart"]}
        values["project_to"] = m["pend"]
    return {**values, **{k: v for k, v in reason.items() if k not in ("field", "score")}}


def _names() -> tuple[dict[str, str], dict[str, str]]:
    """Theme names by slug and country names by code, in the reader's language (read once
    a request: a page lists many reasons)."""
    found = g.get("_reason_names")
    if found is None:
        session = get_session()
        themes = {t.slug: localized(t) for t in reference_service.list_themes(session)}
        countries = {c.code: localized(c) for c in reference_service.list_countries(session)}
        found = g._reason_names = (themes, countries)
    return found


def _month(value: Any) -> str:
    try:
        year, month = (int(part) for part in str(value).split("-")[:2])
        return str(format_date(dt.date(year, month, 1), "LLLL yyyy"))
    except (TypeError, ValueError):
        return "?"


def _period(start: Any, end: Any) -> str:
    first = _month(start) if start and start != "?" else "?"
    last = _month(end) if end else "…"
    return first if first == last else f"{first} – {last}"


def _listed(items: Iterable[str]) -> str:
    return ", ".join(items)


def reason_text(reason: dict[str, Any]) -> str:
    """One reason as a sentence of the page's language."""
    field, values = reason.get("field"), _values(reason)
    themes, countries = _names()
    if field == "words" and values.get("words"):
        text = gettext("Shared words: %(words)s", words=_listed(values["words"]))
        more = int(values.get("more") or 0)
        if more > 0:
            text += " " + gettext("(and %(num)d more)", num=more)
        return text
    if field == "title" and len(values.get("titles") or []) == 2:
        a, b = values["titles"]
        return gettext("Similar titles: “%(a)s” and “%(b)s”", a=a, b=b)
    if field == "themes" and values.get("themes"):
        names = [themes.get(s.lower(), s) for s in values["themes"]]
        if len(names) == 1:
            return gettext("Same theme: %(names)s", names=names[0])
        return gettext("Same themes: %(names)s", names=_listed(names))
    if field == "pillar" and values.get("pillars"):
        return gettext("Same pillar: %(names)s", names=_listed(label(p) for p in values["pillars"]))
    if field == "countries":
        codes = values.get("countries") or []
        if not codes:
            return gettext("Any country: the recommendation names none")
        names = [countries.get(c.upper(), c) for c in codes]
        if len(names) == 1:
            return gettext("Same country: %(names)s", names=names[0])
        return gettext("Same countries: %(names)s", names=_listed(names))
    if field == "dates" and "project_from" in values:
        return gettext(
            "Periods do not overlap: %(a)s; the project: %(b)s",
            a=_period(values.get("from"), values.get("to")),
            b=_period(values.get("project_from"), values.get("project_to")),
        )
    if field == "dates" and values.get("from"):
        return gettext(
            "Periods overlap: %(period)s", period=_period(values["from"], values.get("to"))
        )
    return str(reason.get("detail") or field or "")


def reason_texts(reasons: Iterable[dict[str, Any]] | None) -> list[str]:
    """The matcher's reasons (not the verdicts' notes), strongest first, as sentences."""
    return [reason_text(r) for r in reasons or [] if r.get("field") != DECISION]
