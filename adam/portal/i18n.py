"""Languages: which one a page or an API answer speaks, and names of codes in it.

A page speaks the language its reader chose with the switch (kept on their account, or in the
browser's session before sign-in), else the best of the browser's Accept-Language. The API
follows Accept-Language alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_babel import Babel, format_date, get_locale, gettext, lazy_gettext

from adam.errors import Text

LANGUAGES = ("en", "ru")
DEFAULT = "en"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}

babel = Babel()


def select_locale() -> str:
    if not request.path.startswith("/api/"):
        user = g.get("portal_user")
        if user is not None and user.locale in LANGUAGES:
            return str(user.locale)
        chosen = session.get("locale")
        if chosen in LANGUAGES:
            return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def language() -> str:
    return str(get_locale() or DEFAULT)


def translate(message: str) -> str:
    """A service's message in the reader's language, where the catalogue has it (a ``Text``
    keeps its values; a plain message is looked up as it is)."""
    if language() == DEFAULT or not message:
        return message
    if isinstance(message, Text):
        values = {k: translate(v) if isinstance(v, Text) else v for k, v in message.values.items()}
        return str(gettext(message.template, **values))
    return str(gettext(message))


def localized(record: Any) -> str:
    """The name of a country or theme (which carry ``name_en`` and ``name_ru``)."""
    if record is None:
        return ""
    if language() == "ru" and getattr(record, "name_ru", None):
        return str(record.name_ru)
    return str(record.name_en)


# Names of the codes a person reads, in both languages (extracted into the catalogue).
LABELS: dict[str, Any] = {
    # Project status (IATI ActivityStatus).
    "pipeline": lazy_gettext("Pipeline"),
    "implementation": lazy_gettext("Implementation"),
    "finalisation": lazy_gettext("Finalisation"),
    "closed": lazy_gettext("Closed"),
    "cancelled": lazy_gettext("Cancelled"),
    "suspended": lazy_gettext("Suspended"),
    # Roles of people.
    "admin": lazy_gettext("Administrator"),
    "coordinator": lazy_gettext("Coordinator"),
    "focal_point": lazy_gettext("Focal point"),
    "donor": lazy_gettext("Donor"),
    "viewer": lazy_gettext("Viewer"),
    # Alerts.
    "open": lazy_gettext("Open"),
    "resolved": lazy_gettext("Resolved"),
    "duplicate": lazy_gettext("Duplicate"),
    "related": lazy_gettext("Related"),
    "not_duplicate": lazy_gettext("Not a duplicate"),
    # Pillars of the Paris Pact (themes).
    "regional_initiatives": lazy_gettext("Regional initiatives"),
    "financial_flows": lazy_gettext("Illicit financial flows"),
    "precursors": lazy_gettext("Precursors"),
    "drug_abuse_and_dependence": lazy_gettext("Drug abuse and dependence"),
    # Follow-up of a Paris Pact recommendation.
    "not_started": lazy_gettext("Not started"),
    "under_way": lazy_gettext("Under way"),
    "implemented": lazy_gettext("Implemented"),
    # Kinds of Paris Pact events.
    "expert_working_group": lazy_gettext("Expert working group"),
    "expert_round_table": lazy_gettext("Expert round table"),
    "policy_consultative_group": lazy_gettext("Policy Consultative Group"),
    "ministerial_conference": lazy_gettext("Ministerial conference"),
}


def label(code: Any) -> str:
    """The reader's name of a status, role, resolution or category code."""
    key = str(getattr(code, "value", code))
    found = LABELS.get(key)
    return str(found) if found is not None else key


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        localized=localized,
        label=label,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        # Dates in the reader's locale on every page (12 дек. 2026 г., Dec 12, 2026).
        format_date=format_date,
    )
