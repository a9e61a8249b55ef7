"""The filters of a page said in words, for the title of a map or a chart that goes into a
report: "Theme: Border control; Year: 2025", in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date, format_decimal, gettext
from sqlalchemy.orm import Session

from adam.portal.i18n import label, localized
from adam.portal.query import FIELD_TITLES
from adam.reference import service as reference_service


def _names(session: Session, name: str, codes: list[str]) -> list[str]:
    if name == "country":
        countries = reference_service.countries_by_code(session, codes)
        return [localized(countries[c.upper()]) if c.upper() in countries else c for c in codes]
    if name == "theme":
        themes = reference_service.themes_by_slug(session, codes)
        return [localized(themes[c.lower()]) if c.lower() in themes else c for c in codes]
    if name in ("donor", "implementer"):
        orgs = reference_service.organizations_by_code(session, codes)
        return [orgs[c.lower()].name if c.lower() in orgs else c for c in codes]
    return [label(c) for c in codes]  # statuses


def describe(session: Session, args: dict[str, Any]) -> list[str]:
    """Each filter set in ``args`` (a loaded ``ProjectQuerySchema``) as "Title: value"."""
    parts: list[str] = []
    for name in ("country", "theme", "donor", "implementer", "status"):
        if args.get(name):
            parts.append(f"{FIELD_TITLES[name]}: {', '.join(_names(session, name, args[name]))}")
    if args.get("year") is not None:
        parts.append(f"{FIELD_TITLES['year']}: {args['year']}")
    for name in ("active_on", "start_from", "end_to"):
        if args.get(name):
            parts.append(f"{FIELD_TITLES[name]}: {format_date(args[name], 'long')}")
    if args.get("q"):
        parts.append(f"{FIELD_TITLES['q']}: “{args['q']}”")
    for name in ("budget_min", "budget_max"):
        if args.get(name) is not None:
            amount = format_decimal(args[name])
            parts.append(f"{FIELD_TITLES[name]}: {amount} {args.get('currency', '')}".rstrip())
    if args.get("currency") and args.get("budget_min") is None and args.get("budget_max") is None:
        parts.append(f"{FIELD_TITLES['currency']}: {args['currency']}")
    if args.get("withdrawn"):
        parts.append(gettext("Withdrawn projects only"))
    return parts


def title(
    session: Session, what: str, args: dict[str, Any], today: dt.date, everything: str = ""
) -> str:
    """``what`` ("Projects by country"), the filters (or ``everything``, by default "all
    projects") and the date."""
    filters = "; ".join(describe(session, args)) or everything or gettext("all projects")
    return f"{what} — {filters} — {format_date(today, 'long')}"
