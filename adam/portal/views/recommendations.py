"""Paris Pact recommendations in the portal: the list with its filters, and one
recommendation's page with its text, state, history and follow-up (the confirmed projects with
their budgets, the suggested ones to decide on, the progress notes).

The list reads its query with the API list's schema; the page reads the same services as
``GET /api/v1/recommendations/<id>``. The page's forms post to ``recommendation_actions``.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_date, lazy_gettext

from adam.access import page
from adam.auth import permissions
from adam.auth.actor import Actor
from adam.coverage import service as coverage_service
from adam.coverage.models import CoverageLink, LinkState
from adam.errors import InvalidInput
from adam.pact import service as pact_service
from adam.pact.models import Event, EventKind, Recommendation, RecommendationState
from adam.pact.schemas import (
    ADDRESSEES,
    FOLLOW_UPS,
    KINDS,
    PILLARS,
    ROUTES,
    STATES,
    RecommendationListQuerySchema,
)
from adam.paging import page_count
from adam.portal import query
from adam.portal.blueprint import portal_blueprint
from adam.portal.i18n import LABELS, label, language, localized, translate
from adam.portal.views.needs import LINK_STATES
from adam.reference import service as reference_service
from adam.session import get_session
from adam.web import current_actor

blp = portal_blueprint("portal_recommendations", __name__)

QUERY = RecommendationListQuerySchema()
PAGE_SIZES = (20, 50, 100)
# Enough for every recommendation in a select at once: the choices are read in pages this size.
CHOICE_PAGE = 500

STATE_TITLES: dict[str, Any] = {
    "proposed": lazy_gettext("Proposed"),
    "endorsed": lazy_gettext("Endorsed"),
    "superseded": lazy_gettext("Superseded"),
    "withdrawn": lazy_gettext("Withdrawn"),
}
# The follow-up statuses and event kinds are named in LABELS, which the workbooks share.
FOLLOW_UP_TITLES: dict[str, Any] = {code: LABELS[code] for code in FOLLOW_UPS}
ROUTE_TITLES: dict[str, Any] = {
    "northern": lazy_gettext("Northern route"),
    "balkan": lazy_gettext("Balkan route"),
    "southern": lazy_gettext("Southern route"),
}
ADDRESSEE_TITLES: dict[str, Any] = {
    "governments": lazy_gettext("Governments"),
    "donors": lazy_gettext("Donors"),
    "unodc": lazy_gettext("UNODC"),
    "organizations": lazy_gettext("Organisations"),
}
KIND_TITLES: dict[str, Any] = {code: LABELS[code] for code in KINDS}
TITLES: dict[str, Any] = {
    **query.FIELD_TITLES,
    "state": lazy_gettext("State"),
    "pillar": lazy_gettext("Pillar"),
    "route": lazy_gettext("Route"),
    "event": lazy_gettext("Event"),
    "follow_up": lazy_gettext("Follow-up status"),
    "per_page": lazy_gettext("Recommendations per page"),
}
# The history's and the form's field names, as a reader reads them.
FIELDS: dict[str, Any] = {
    "code": lazy_gettext("Code"),
    "text_en": lazy_gettext("Text in English"),
    "text_ru": lazy_gettext("Text in Russian"),
    "illustrative": lazy_gettext("Illustrative stand-in text"),
    "event_id": lazy_gettext("Event that agreed it"),
    "pillar": lazy_gettext("Pillar"),
    "themes": lazy_gettext("Themes"),
    "countries": lazy_gettext("Countries"),
    "routes": lazy_gettext("Routes"),
    "addressees": lazy_gettext("Addressed to"),
    "state": lazy_gettext("State"),
    "endorsed_by": lazy_gettext("Endorsed by"),
    "superseded_by": lazy_gettext("Superseded by"),
    "follow_up": lazy_gettext("Follow-up status"),
}
ACTIONS: dict[str, Any] = {
    "create": lazy_gettext("Registered"),
    "update": lazy_gettext("Changed"),
    "state": lazy_gettext("State changed"),
    "follow_up": lazy_gettext("Follow-up status changed"),
    "withdraw": lazy_gettext("Withdrawn"),
    "restore": lazy_gettext("Proposed again"),
}


def _title(titles: dict[str, Any], code: Any) -> str:
    key = str(getattr(code, "value", code))
    found = titles.get(key)
    return str(found) if found is not None else key


def state_title(code: Any) -> str:
    return _title(STATE_TITLES, code)


def follow_up_title(code: Any) -> str:
    return _title(FOLLOW_UP_TITLES, code)


def route_title(code: Any) -> str:
    return _title(ROUTE_TITLES, code)


def addressee_title(code: Any) -> str:
    return _title(ADDRESSEE_TITLES, code)


def event_title(event: Event | None) -> str:
    """An event as a reader names it: "Policy Consultative Group 17, Vienna, 11 Dec 2023"."""
    if event is None:
        return "—"
    name = _title(KIND_TITLES, event.kind)
    if event.number:
        name += f" {event.number}"
    parts = [name, event.place or "", format_date(event.start_date, "medium")]
    return ", ".join(p for p in parts if p)


def texts(recommendation: Recommendation) -> list[tuple[str, str]]:
    """The recommendation's wordings as (language, text), the reader's language first."""
    found = [(lang, getattr(recommendation, f"text_{lang}")) for lang in ("en", "ru")]
    found = [(lang, text) for lang, text in found if text]
    return sorted(found, key=lambda pair: pair[0] != language())


def excerpt(recommendation: Recommendation, length: int = 120) -> str:
    """The start of the recommendation's text in the reader's language (else the other)."""
    found = texts(recommendation)
    text = " ".join(found[0][1].split()) if found else ""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def shown(value: Any, field: str = "") -> str:
    """A value of the history (JSON) as a reader reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "state":
        return state_title(value)
    if field == "follow_up":
        return follow_up_title(value)
    if field == "pillar":
        return label(value)
    if field == "routes" and isinstance(value, list):
        return ", ".join(route_title(v) for v in value)
    if field == "addressees" and isinstance(value, list):
        return ", ".join(addressee_title(v) for v in value)
    if field == "illustrative" and isinstance(value, bool):
        return str(lazy_gettext("Yes")) if value else str(lazy_gettext("No"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) > 300:
        return value[:299] + "…"
    return str(value)


def template_helpers() -> dict[str, Any]:
    """What the recommendation templates call to name codes."""
    return {
        "state_title": state_title,
        "follow_up_title": follow_up_title,
        "route_title": route_title,
        "addressee_title": addressee_title,
        "event_title": event_title,
        "texts": texts,
        "excerpt": excerpt,
        "label": label,
    }


def pcg_events(actor: Actor) -> list[Event]:
    """The Policy Consultative Group's meetings, the latest first (those that endorse)."""
    filters = pact_service.EventFilters(kinds=(EventKind.POLICY_CONSULTATIVE_GROUP.value,))
    events, _ = pact_service.search_events(
        get_session(), actor=actor, filters=filters, page=1, per_page=CHOICE_PAGE
    )
    return events


def recommendation_choices(
    actor: Actor, states: tuple[str, ...] = ("proposed", "endorsed")
) -> list[Recommendation]:
    """Every recommendation in ``states``, by code (for a select)."""
    filters = pact_service.RecommendationFilters(states=states)
    found: list[Recommendation] = []
    page_number = 1
    while True:
        items, total = pact_service.search_recommendations(
            get_session(), actor=actor, filters=filters, page=page_number, per_page=CHOICE_PAGE
        )
        found += items
        if not items or len(found) >= total:
            return found
        page_number += 1


# --- The list ---


@page
@blp.route("/recommendations")
def recommendations() -> ResponseReturnValue:
    """Recommendations by state, pillar, theme, country, follow-up status and words."""
    args, errors = query.parse(QUERY, TITLES)
    session, actor = get_session(), current_actor()
    items: list[Recommendation] = []
    total = 0
    if not errors:
        try:
            items, total = pact_service.search_recommendations(
                session,
                actor=actor,
                filters=pact_service.RecommendationFilters.from_args(args),
                page=args["page"],
                per_page=args["per_page"],
            )
        except InvalidInput as error:
            errors = query.messages(error.details, TITLES) or [translate(error.message)]
    context: dict[str, Any] = {
        "args": args,
        "errors": errors,
        "items": items,
        "total": total,
        "pages": page_count(total, args["per_page"]) if args else 0,
        "countries": sorted(reference_service.list_countries(session), key=localized),
        "themes": sorted(reference_service.list_themes(session), key=localized),
        "pillars": PILLARS,
        "states": STATES,
        "follow_ups": FOLLOW_UPS,
        "chosen": query.chosen("country", "theme", "pillar", "state", "follow_up"),
        "page_sizes": PAGE_SIZES,
        "url": query.url_with,
        "may_register": permissions.allowed(actor, "recommendation.create"),
        **template_helpers(),
    }
    return render_template("portal/recommendations.html", **context), 422 if errors else 200


# --- One recommendation ---


def _abilities(actor: Actor, recommendation: Recommendation) -> dict[str, bool]:
    live = recommendation.state != RecommendationState.WITHDRAWN
    return {
        "edit": live and permissions.allowed(actor, "recommendation.update"),
        "state": permissions.allowed(actor, "recommendation.state", recommendation),
        "follow_up": recommendation.state == RecommendationState.ENDORSED
        and permissions.allowed(actor, "recommendation.follow_up", recommendation),
        "note": live
        and permissions.allowed(
            actor, "progress_note.create", pact_service.note_scope(recommendation)
        ),
    }


def render_page(
    recommendation_id: int,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, str] | None = None,
) -> tuple[str, int]:
    """The recommendation's page; a refused form is shown again with its errors."""
    session, actor = get_session(), current_actor()
    follow_up = pact_service.read_recommendation(session, recommendation_id, actor=actor)
    recommendation = follow_up.recommendation
    history = pact_service.recommendation_history(session, recommendation_id, actor=actor)
    notes = pact_service.progress_notes(session, recommendation_id, actor=actor)
    links = coverage_service.links_of_recommendation(session, recommendation_id, actor=actor)
    by_state: dict[str, list[CoverageLink]] = {state.value: [] for state in LinkState}
    for link in links:
        by_state[link.state.value].append(link)
    by_state["suggested"].sort(key=lambda link: -(link.score or 0))
    can = _abilities(actor, recommendation)
    context: dict[str, Any] = {
        "rec": recommendation,
        "follow_up": follow_up,
        "history": list(reversed(history)),
        "notes": notes,
        "links": by_state,
        "confirmed_links": {link.project_id: link for link in by_state["confirmed"]},
        "may_decide": {link.id: coverage_service.may_decide(actor, link) for link in links},
        "can": can,
        "errors": errors or {},
        "form": form or {},
        "states": STATES,
        "follow_ups": FOLLOW_UPS,
        "pcg_events": pcg_events(actor) if can["state"] else [],
        "in_force": (
            [r for r in recommendation_choices(actor) if r.id != recommendation.id]
            if can["state"]
            else []
        ),
        "link_states": LINK_STATES,
        "FIELDS": FIELDS,
        "ACTIONS": ACTIONS,
        "shown": shown,
        "ROUTES": ROUTES,
        "ADDRESSEES": ADDRESSEES,
        **template_helpers(),
    }
    return render_template("portal/recommendation.html", **context), status


@page
@blp.route("/recommendations/<int:recommendation_id>")
def recommendation(recommendation_id: int) -> ResponseReturnValue:
    """Everything about one recommendation and its follow-up."""
    return render_page(recommendation_id)
