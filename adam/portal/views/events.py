"""The Paris Pact's events in the portal: the list with its filters, one event's page with the
recommendations it agreed or endorsed, its documents and its history, and the documents'
upload, download and withdrawal.

The list reads its query with the API list's schema and every write calls the service the API
calls, so who may do what is the services' rule, not the page's.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from marshmallow import EXCLUDE, ValidationError
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from adam.access import page
from adam.auth import permissions
from adam.auth.actor import Actor
from adam.documents import event_documents
from adam.documents import routes as documents_routes
from adam.documents.categories import EVENT_CATEGORIES
from adam.documents.errors import FileTooLarge, UnsupportedFileType
from adam.documents.models import Document
from adam.documents.schemas import EventDocumentUploadSchema
from adam.errors import Conflict, InvalidInput, PreconditionFailed
from adam.pact import service as pact_service
from adam.pact.models import DatePrecision, Event, Recommendation
from adam.pact.schemas import KINDS, PILLARS, ROUTES, EventListQuerySchema
from adam.paging import page_count
from adam.portal import query
from adam.portal.blueprint import portal_blueprint
from adam.portal.categories import category_label
from adam.portal.errors import page_for
from adam.portal.forms import form_int
from adam.portal.i18n import label, localized, translate
from adam.portal.views.project_page import (
    FORM_PROBLEMS,
    document_languages,
    file_size,
    language_name,
    upload_errors,
)
from adam.reference import service as reference_service
from adam.session import get_session, rollback_request_session
from adam.uploads import FORM_OVERHEAD
from adam.web import commit, current_actor

blp = portal_blueprint("portal_events", __name__)

QUERY = EventListQuerySchema()
PAGE_SIZES = (20, 50, 100)
UPLOAD_ENDPOINT = "portal_events.upload"
# An event's recommendations on its page: the largest meetings agree a few dozen.
RECOMMENDATIONS_SHOWN = 500
WITHDRAW_NOTE_MAX = 5000  # as EventWithdrawSchema's note
KIND_TITLES: dict[str, Any] = {
    "expert_working_group": lazy_gettext("Expert working group"),
    "expert_round_table": lazy_gettext("Expert round table"),
    "policy_consultative_group": lazy_gettext("Policy Consultative Group"),
    "ministerial_conference": lazy_gettext("Ministerial conference"),
}
ROUTE_TITLES: dict[str, Any] = {
    "northern": lazy_gettext("Northern route"),
    "balkan": lazy_gettext("Balkan route"),
    "southern": lazy_gettext("Southern route"),
}
RECOMMENDATION_STATES: dict[str, Any] = {
    "proposed": lazy_gettext("Proposed"),
    "endorsed": lazy_gettext("Endorsed"),
    "superseded": lazy_gettext("Superseded"),
    "withdrawn": lazy_gettext("Withdrawn"),
}
FOLLOW_UPS: dict[str, Any] = {
    "not_started": lazy_gettext("Not started"),
    "under_way": lazy_gettext("Under way"),
    "implemented": lazy_gettext("Implemented"),
}
# The history's field names, as a reader reads them (the form's words).
HISTORY_FIELDS: dict[str, Any] = {
    "kind": lazy_gettext("Kind of event"),
    "number": lazy_gettext("Number in its series"),
    "title": lazy_gettext("Title"),
    "focus": lazy_gettext("Focus"),
    "place": lazy_gettext("Place"),
    "host": lazy_gettext("Host"),
    "pillar": lazy_gettext("Pillar"),
    "start_date": lazy_gettext("Start date"),
    "date_precision": lazy_gettext("The sources give"),
    "end_date": lazy_gettext("End date"),
    "routes": lazy_gettext("Routes"),
    "countries": lazy_gettext("Countries"),
    "participant_countries": lazy_gettext("Participating countries"),
    "participant_organizations": lazy_gettext("Participating organisations"),
    "participant_people": lazy_gettext("Participants"),
    "outcome": lazy_gettext("Outcome"),
    "source": lazy_gettext("Source"),
    "withdrawn": lazy_gettext("Withdrawn (kept, no longer listed)"),
}
# Named with the event, as Russian gives the participle the noun's gender.
HISTORY_ACTIONS: dict[str, Any] = {
    "create": lazy_gettext("Event registered"),
    "update": lazy_gettext("Event changed"),
    "withdraw": lazy_gettext("Event withdrawn"),
    "restore": lazy_gettext("Event restored"),
}
PRECISION_TITLES: dict[str, Any] = {
    "day": lazy_gettext("the day"),
    "month": lazy_gettext("only the month"),
}
TITLES: dict[str, Any] = {
    **query.FIELD_TITLES,
    "kind": lazy_gettext("Kind of event"),
    "pillar": lazy_gettext("Pillar"),
    "route": lazy_gettext("Route"),
    "per_page": lazy_gettext("Events per page"),
}


# What a filter needs, where the schema's refusal names codes or bounds (a hand-made URL).
FILTER_HINTS: dict[str, Any] = {
    "kind": lazy_gettext("Choose a kind of event from the list."),
    "pillar": lazy_gettext("Choose a pillar from the list."),
    "route": lazy_gettext("Choose routes from the list."),
    "year": lazy_gettext("Give a year from 1900 to 2200."),
}


def _title(titles: dict[str, Any], code: Any) -> str:
    key = str(getattr(code, "value", code))
    found = titles.get(key)
    return str(found) if found is not None else key


def kind_title(code: Any) -> str:
    return _title(KIND_TITLES, code)


def route_title(code: Any) -> str:
    return _title(ROUTE_TITLES, code)


def state_title(code: Any) -> str:
    return _title(RECOMMENDATION_STATES, code)


def follow_up_title(code: Any) -> str:
    return _title(FOLLOW_UPS, code)


def history_value(value: Any, field: str = "") -> str:
    """A value of the history (JSON) as a reader reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "kind":
        return kind_title(value)
    if field == "pillar":
        return label(value)
    if field == "date_precision":
        return _title(PRECISION_TITLES, value)
    if field == "routes" and isinstance(value, list):
        return ", ".join(route_title(v) for v in value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) > 300:
        return value[:299] + "…"
    return str(value)


def event_name(event: Event) -> str:
    """What a reader calls the event in their language: its kind, number and place (the
    stored title is written in one language only)."""
    name = kind_title(event.kind)
    if event.number:
        name += f" {event.number}"
    if event.place:
        name += f", {event.place}"
    return name


def by_month(event: Event) -> bool:
    """Whether the sources give only the month the event started in."""
    return event.date_precision == DatePrecision.MONTH


def template_helpers() -> dict[str, Any]:
    """What the event templates call to name codes."""
    return {
        "kind_title": kind_title,
        "route_title": route_title,
        "state_title": state_title,
        "follow_up_title": follow_up_title,
        "event_name": event_name,
        "by_month": by_month,
        "label": label,
    }


# --- The list ---


@page
@blp.route("/events")
def events() -> ResponseReturnValue:
    """The events by kind, pillar, route, country and year, the latest first, paged."""
    args, errors = query.parse(QUERY, TITLES, FILTER_HINTS)
    session, actor = get_session(), current_actor()
    items: list[Event] = []
    total = 0
    if not errors:
        try:
            items, total = pact_service.search_events(
                session,
                actor=actor,
                filters=pact_service.EventFilters.from_args(args),
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
        "kinds": KINDS,
        "pillars": PILLARS,
        "routes": ROUTES,
        "chosen": query.chosen("kind", "pillar", "route", "country"),
        "page_sizes": PAGE_SIZES,
        "url": query.url_with,
        "may_register": permissions.allowed(actor, "event.create"),
        **template_helpers(),
    }
    return render_template("portal/events.html", **context), 422 if errors else 200


# --- One event ---


def _abilities(actor: Actor, event: Event) -> dict[str, bool]:
    live = event.withdrawn_at is None
    return {
        "edit": live and permissions.allowed(actor, "event.update"),
        "withdraw": live and permissions.allowed(actor, "event.withdraw"),
        "upload": live and permissions.allowed(actor, "event_document.write"),
    }


def _recommendations(event: Event) -> tuple[list[Recommendation], list[Recommendation]]:
    """The live recommendations the event agreed, and those it endorsed (a PCG)."""
    found, _total = pact_service.search_recommendations(
        get_session(),
        actor=current_actor(),
        filters=pact_service.RecommendationFilters(event_id=event.id),
        per_page=RECOMMENDATIONS_SHOWN,
    )
    agreed = [r for r in found if r.event_id == event.id]
    endorsed = [r for r in found if r.endorsed_by_id == event.id and r.event_id != event.id]
    return agreed, endorsed


def _documents(actor: Actor, event: Event) -> list[Document]:
    # A withdrawn event's documents are for those who may change them only.
    if event.withdrawn_at is not None and not permissions.allowed(actor, "event_document.write"):
        return []
    return event_documents.list_(get_session(), event.id, actor=actor)


def _render(
    event_id: int,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, str] | None = None,
) -> tuple[str, int]:
    session, actor = get_session(), current_actor()
    event = pact_service.get_event(session, event_id, actor=actor)
    agreed, endorsed = _recommendations(event)
    can = _abilities(actor, event)
    html = render_template(
        "portal/event.html",
        event=event,
        agreed=agreed,
        endorsed=endorsed,
        documents=_documents(actor, event),
        # Newest first, as on a recommendation's page.
        history=list(reversed(pact_service.event_history(session, event_id, actor=actor))),
        HISTORY_FIELDS=HISTORY_FIELDS,
        HISTORY_ACTIONS=HISTORY_ACTIONS,
        history_value=history_value,
        can=can,
        errors=errors or {},
        form=form or {"language": "en"},
        categories={code: category_label(code) for code in EVENT_CATEGORIES},
        languages=document_languages() if can["upload"] else [],
        category_name=category_label,
        language_name=language_name,
        file_size=file_size,
        **template_helpers(),
    )
    return html, status


def _back(event_id: int) -> ResponseReturnValue:
    return redirect(url_for("portal_events.event", event_id=event_id), 303)


@page
@blp.route("/events/<int:event_id>")
def event(event_id: int) -> ResponseReturnValue:
    """Everything about one event: its facts, its recommendations and its documents."""
    return _render(event_id)


@page
@blp.route("/events/<int:event_id>/withdraw", methods=["POST"])
def withdraw(event_id: int) -> ResponseReturnValue:
    """Withdraw the event: kept and shown here, no longer listed (as POST .../withdraw)."""
    try:
        pact_service.withdraw_event(
            get_session(),
            event_id,
            actor=current_actor(),
            expected_version=form_int(request.form.get("expected_version")),
            # The field's maxlength is the API's bound; a hand-made longer note is cut to it.
            note=(request.form.get("note") or "")[:WITHDRAW_NOTE_MAX] or None,
        )
    except (Conflict, PreconditionFailed) as error:  # still named by recommendations; or stale
        rollback_request_session()
        flash(translate(error.message))
        return _back(event_id)
    commit()
    flash(gettext("The event is withdrawn."))
    return _back(event_id)


# --- Its documents ---


@blp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before the sign-in check reads the form for its CSRF token: an upload's body may
    # be as large as an upload through the API, not only as large as a form.
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = documents_routes.upload_settings().max_bytes + FORM_OVERHEAD


@page
@blp.route("/events/<int:event_id>/documents", methods=["POST"])
def upload(event_id: int) -> ResponseReturnValue:
    """Keep an agenda, presentation or report with the event (the API's upload)."""
    actor = current_actor()
    permissions.require(actor, "event_document.write")
    form = {k: request.form.get(k, "").strip() for k in ("title", "category", "language")}
    try:
        data = EventDocumentUploadSchema().load(
            CombinedMultiDict([request.files, request.form]), unknown=EXCLUDE
        )
    except ValidationError as error:
        problems = error.normalized_messages()
        errors = {
            name: [str(text)]
            for name, text in FORM_PROBLEMS.items()
            if isinstance(problems, dict) and name in problems
        }
        return _render(event_id, status=422, errors=errors, form=form)
    try:
        document = documents_routes.store_event_upload(
            event_id,
            file=data["file"],
            title=data["title"],
            category=data["category"],
            language=data["language"],
        )
    except (FileTooLarge, UnsupportedFileType, InvalidInput) as error:
        rollback_request_session()
        return _render(event_id, status=error.status, errors=upload_errors(error), form=form)
    except Conflict as error:  # the event was withdrawn meanwhile
        rollback_request_session()
        flash(translate(error.message))
        return _back(event_id)
    flash(gettext("“%(title)s” is kept with the event.", title=document.title))
    return _back(event_id)


@blp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    rollback_request_session()
    event_id = (request.view_args or {}).get("event_id")
    if request.endpoint != UPLOAD_ENDPOINT or event_id is None:
        return page_for(413)
    form = {k: "" for k in ("title", "category", "language")}
    return _render(event_id, status=413, errors=upload_errors(error), form=form)


@page
@blp.route("/events/<int:event_id>/documents/<int:document_id>/content")
def download(event_id: int, document_id: int) -> ResponseReturnValue:
    """A document's bytes (the same as the API's download)."""
    return documents_routes.send_event_content(event_id, document_id)


@page
@blp.route("/events/<int:event_id>/documents/<int:document_id>/withdraw", methods=["POST"])
def withdraw_document(event_id: int, document_id: int) -> ResponseReturnValue:
    """Withdraw a document: hidden from readers, kept, restorable through the API."""
    try:
        document = event_documents.withdraw(
            get_session(), event_id, document_id, actor=current_actor()
        )
    except Conflict as error:
        rollback_request_session()
        flash(translate(error.message))
        return _back(event_id)
    commit()
    flash(gettext("“%(title)s” is withdrawn.", title=document.title))
    return _back(event_id)
