"""Register and edit a Paris Pact event with a form (coordinators and administrators).

The form is read into the JSON body the API takes and loaded with the API's own schema, then
handed to the service POST and PATCH /events call; an edit carries the version the form was
read at, as PATCH carries it in If-Match.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from werkzeug.datastructures import MultiDict

from adam.access import page
from adam.auth import permissions
from adam.errors import N_, AdamError, Conflict, InvalidInput, PreconditionFailed, flatten_messages
from adam.pact import service as pact_service
from adam.pact.models import Event
from adam.pact.schemas import KINDS, PILLARS, PRECISIONS, ROUTES, EventInSchema
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.i18n import localized, translate
from adam.portal.views.events import template_helpers
from adam.reference import service as reference_service
from adam.reference.models import Country, Region
from adam.session import get_session, rollback_request_session
from adam.web import commit, current_actor

blp = portal_blueprint("portal_event_forms", __name__)

_SCHEMA = EventInSchema()
TEMPLATE = "portal/event_form.html"
FIGURES = ("countries", "organizations", "people")
# The form's field names, as a reader reads them.
FIELDS: dict[str, Any] = {
    "kind": lazy_gettext("Kind of event"),
    "number": lazy_gettext("Number in its series"),
    "title": lazy_gettext("Title"),
    "pillar": lazy_gettext("Pillar"),
    "place": lazy_gettext("Place"),
    "host": lazy_gettext("Host"),
    "start_date": lazy_gettext("Start date"),
    "date_precision": lazy_gettext("The sources give"),
    "end_date": lazy_gettext("End date"),
    "countries": lazy_gettext("Countries"),
    "routes": lazy_gettext("Routes"),
    "participants.countries": lazy_gettext("Participating countries"),
    "participants.organizations": lazy_gettext("Participating organisations"),
    "participants.people": lazy_gettext("Participants"),
    "focus": lazy_gettext("Focus"),
    "outcome": lazy_gettext("Outcome"),
    "source": lazy_gettext("Source"),
}
PRECISION_TITLES: dict[str, Any] = {
    "day": lazy_gettext("the day"),
    "month": lazy_gettext("only the month"),
}
# What a field needs, where the schema's own message names codes or bounds a reader does
# not need (its fixed messages and those below are translated as they are).
HINTS: dict[str, Any] = {
    "kind": lazy_gettext("Choose a kind of event from the list."),
    "pillar": lazy_gettext("Choose a pillar from the list."),
    "date_precision": lazy_gettext("Choose from the list."),
    "number": lazy_gettext("Give a whole number from 1 to 10000."),
    "countries": lazy_gettext("Choose countries from the list."),
    "routes": lazy_gettext("Choose routes from the list."),
    **{
        f"participants.{name}": lazy_gettext("Give a whole number from 0 to 100000.")
        for name in FIGURES
    },
}
# The events schema's messages with their values filled in, in the catalogue so that the
# form can show them in Russian.
SCHEMA_MESSAGES = (
    N_("Longer than maximum length 300."),
    N_("Longer than maximum length 200."),
    N_("Longer than maximum length 2000."),
    N_("Longer than maximum length 5000."),
    N_("Longer than maximum length 20000."),
    N_("The end date is before the start date."),
)


# --- The form as the API's body ---


def _text(form: MultiDict[str, str], name: str) -> str:
    return form.get(name, "").strip()


def _long_text(form: MultiDict[str, str], name: str) -> str | None:
    # Browsers send a text area's line breaks as CRLF; the API's clients send LF.
    return form.get(name, "").replace("\r\n", "\n").strip() or None


def _number(text: str) -> int | str | None:
    """A typed number as the API's clients send it; anything else for the schema to refuse."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _codes(form: MultiDict[str, str], name: str) -> list[str]:
    return [part.strip() for v in form.getlist(name) for part in v.split(",") if part.strip()]


def form_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The JSON body the API would get for this form (empty fields as null)."""
    figures = {name: _number(_text(form, f"participants_{name}")) for name in FIGURES}
    return {
        "kind": _text(form, "kind"),
        "number": _number(_text(form, "number")),
        "title": _text(form, "title") or None,
        "pillar": _text(form, "pillar") or None,
        "place": _text(form, "place") or None,
        "host": _text(form, "host") or None,
        # A missing date is left out, for the schema to ask for it by name.
        **({"start_date": _text(form, "start_date")} if _text(form, "start_date") else {}),
        "date_precision": _text(form, "date_precision") or "day",
        "end_date": _text(form, "end_date") or None,
        "countries": _codes(form, "countries"),
        "routes": _codes(form, "routes"),
        "participants": figures if any(v is not None for v in figures.values()) else None,
        "focus": _long_text(form, "focus"),
        "outcome": _long_text(form, "outcome"),
        "source": _long_text(form, "source"),
    }


def stored_form(event: Event) -> MultiDict[str, str]:
    """A stored event as the form's fields (what the edit form starts with)."""
    figures = {
        "countries": event.participant_countries,
        "organizations": event.participant_organizations,
        "people": event.participant_people,
    }
    fields: list[tuple[str, str]] = [
        ("kind", str(event.kind)),
        ("number", str(event.number or "")),
        ("title", event.title or ""),
        ("pillar", str(event.pillar or "")),
        ("place", event.place or ""),
        ("host", event.host or ""),
        ("start_date", event.start_date.isoformat()),
        ("date_precision", str(event.date_precision)),
        ("end_date", event.end_date.isoformat() if event.end_date else ""),
        ("focus", event.focus or ""),
        ("outcome", event.outcome or ""),
        ("source", event.source or ""),
        ("version", str(event.version)),
    ]
    fields += [(f"participants_{k}", "" if v is None else str(v)) for k, v in figures.items()]
    fields += [("countries", c.code) for c in event.countries]
    fields += [("routes", r) for r in event.routes or []]
    return MultiDict(fields)


def _comparable(name: str, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if name in ("countries", "routes"):
        return sorted(value or [])
    return value if value not in ("", [], {}) else None


def changed_fields(loaded: dict[str, Any], event: Event) -> dict[str, Any]:
    """The loaded fields whose value differs from the stored one (what PATCH would send)."""
    stored: dict[str, Any] = {
        "kind": str(event.kind),
        "number": event.number,
        "title": event.title,
        "pillar": str(event.pillar) if event.pillar else None,
        "place": event.place,
        "host": event.host,
        "start_date": event.start_date,
        "date_precision": str(event.date_precision),
        "end_date": event.end_date,
        "countries": [c.code for c in event.countries],
        "routes": list(event.routes or []),
        "participants": (
            {
                "countries": event.participant_countries,
                "organizations": event.participant_organizations,
                "people": event.participant_people,
            }
            if any(
                v is not None
                for v in (
                    event.participant_countries,
                    event.participant_organizations,
                    event.participant_people,
                )
            )
            else None
        ),
        "focus": event.focus,
        "outcome": event.outcome,
        "source": event.source,
    }
    return {
        name: value
        for name, value in loaded.items()
        if _comparable(name, value) != _comparable(name, stored.get(name))
    }


def _schema_errors(error: ma.ValidationError) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, messages in flatten_messages(error.messages).items():
        # A list field's refusals come by position ("countries.3"): shown by the list.
        field = name if name in HINTS or name in FIELDS else name.rsplit(".", 1)[0]
        hint = HINTS.get(field)
        shown = [str(hint)] if hint is not None else [translate(m) for m in messages]
        found.setdefault(field, [])
        found[field] += [m for m in shown if m not in found[field]]
    return found


def _load(body: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    try:
        return _SCHEMA.load(body), {}
    except ma.ValidationError as error:
        return None, _schema_errors(error)


def _service_errors(error: AdamError) -> dict[str, list[str]]:
    """What the service refused, beside its fields (else above the form)."""
    if error.details:
        return {
            field: [str(HINTS[field])] if field in HINTS else [translate(m) for m in messages]
            for field, messages in error.details.items()
        }
    return {"_request": [translate(error.message)]}


# --- Rendering ---


def country_groups(countries: list[Country]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The countries of the event form in two groups, each by name: those of the Paris Pact's
    regions, whom its meetings mostly concern, first, so that they are not sought among all
    the world's; then the others (a donor's or a host's)."""
    named = sorted(
        ((c.region is not Region.OTHER, c.code, localized(c)) for c in countries),
        key=lambda c: c[2],
    )
    return [
        (
            gettext("Countries of the Paris Pact's regions"),
            [(c, n) for ours, c, n in named if ours],
        ),
        (gettext("Other countries"), [(c, n) for ours, c, n in named if not ours]),
    ]


def _render(
    form: MultiDict[str, str], errors: dict[str, list[str]], status: int, **extra: Any
) -> tuple[str, int]:
    countries = reference_service.list_countries(get_session())
    return (
        render_template(
            TEMPLATE,
            form=form,
            errors=errors,
            labels=FIELDS,
            country_groups=country_groups(countries),
            kinds=KINDS,
            pillars=PILLARS,
            routes=ROUTES,
            precisions=[(code, str(PRECISION_TITLES[code])) for code in PRECISIONS],
            **template_helpers(),
            **extra,
        ),
        status,
    )


def _saved(event: Event, registered: bool) -> ResponseReturnValue:
    flash(gettext("The event is registered.") if registered else gettext("The event is saved."))
    return redirect(f"/events/{event.id}", 303)


# --- Views ---


@page
@blp.route("/events/new", methods=["GET", "POST"])
def new_event() -> ResponseReturnValue:
    """The registration form; a valid one registers the event as POST /events does."""
    actor = current_actor()
    permissions.require(actor, "event.create")
    if request.method == "GET":
        return _render(MultiDict({"date_precision": "day"}), {}, 200, event=None)
    form = request.form
    data, errors = _load(form_body(form))
    status = 422
    if data is not None:
        try:
            event = pact_service.create_event(get_session(), actor=actor, data=data)
        except InvalidInput as error:
            rollback_request_session()
            errors, status = _service_errors(error), error.status
        else:
            commit()
            return _saved(event, registered=True)
    return _render(form, errors, status, event=None)


def _editable(event_id: int) -> Event:
    """The event, if the reader may edit it (the service's rule, asked early).

    :raises NotFound, Forbidden, Conflict: (a withdrawn event is not changed)
    """
    actor = current_actor()
    event = pact_service.get_event(get_session(), event_id, actor=actor)
    permissions.require(actor, "event.update")
    if event.withdrawn_at is not None:
        raise Conflict(N_("Event %(id)s is withdrawn; it cannot be changed.", id=event.id))
    return event


@page
@blp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int) -> ResponseReturnValue:
    """The edit form, filled with the stored values; a save sends what the person changed at
    the version the form was read at (as PATCH /events/<id> with If-Match)."""
    event = _editable(event_id)
    if request.method == "GET":
        return _render(stored_form(event), {}, 200, event=event)
    form = request.form
    data, errors = _load(form_body(form))
    status = 422
    if data is not None:
        try:
            event = pact_service.update_event(
                get_session(),
                event_id,
                actor=current_actor(),
                changes=changed_fields(data, event),
                expected_version=form_int(form.get("version")),
            )
        except PreconditionFailed as error:
            rollback_request_session()
            errors, status = {"_request": [translate(error.message)]}, 409
        except (InvalidInput, Conflict) as error:
            rollback_request_session()
            errors, status = _service_errors(error), error.status
        else:
            commit()
            return _saved(event, registered=False)
    return _render(form, errors, status, event=_editable(event_id))
