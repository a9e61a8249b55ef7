"""Register and edit a need with a form, with the projects that likely address it shown live
while the person types.

The form is read into the JSON body the API takes and loaded with the API's own schemas,
then handed to the same workflows as POST and PATCH /needs, which store the suggestions as
links: no rule is written here twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, gettext
from werkzeug.datastructures import MultiDict

from adam.access import page
from adam.auth import permissions
from adam.auth.models import Role
from adam.errors import N_, AdamError, Conflict, InvalidInput, PreconditionFailed, flatten_messages
from adam.needs import service as need_service
from adam.needs.models import Need, NeedState
from adam.needs.schemas import PRIORITIES, NeedCreateSchema, NeedInSchema
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.i18n import localized, translate
from adam.portal.views.needs import FIELDS, template_helpers
from adam.portal.views.recommendations import excerpt, recommendation_choices
from adam.reference import service as reference_service
from adam.session import get_session, get_settings, rollback_request_session
from adam.web import commit, current_actor
from adam.workflows import needs as need_workflows

blp = portal_blueprint("portal_need_forms", __name__)

_CREATE = NeedCreateSchema()
_EDIT = NeedInSchema()
TEMPLATE = "portal/need_form.html"

# The needs schema's own messages with their values filled in, in the catalogue so that the
# form can show them in Russian (marshmallow's fixed ones are in validation_texts).
SCHEMA_MESSAGES = (
    N_("Longer than maximum length 200."),
    N_("Longer than maximum length 20000."),
    N_("Give a title of 1 to 500 characters."),
    N_("Name 1 to 20 themes."),
    N_("The end date is before the start date."),
    N_("The estimated cost cannot be negative."),
    N_("The estimated cost is implausibly large."),
    N_("Give the amount of the estimated cost with its currency."),
    N_("Give the currency of the estimated cost."),
    N_("Use at most two decimal places."),
)


# --- The form as the API's body ---


def _text(form: MultiDict[str, str], name: str) -> str:
    return form.get(name, "").strip()


def _codes(form: MultiDict[str, str], name: str) -> list[str]:
    return [part.strip() for v in form.getlist(name) for part in v.split(",") if part.strip()]


def form_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The JSON body the API would get for this form (empty fields as null)."""
    amount, currency = _text(form, "cost_amount"), _text(form, "cost_currency")
    recommendation = _text(form, "recommendation_id")
    return {
        "country": _text(form, "country"),
        "title": form.get("title", ""),
        # Browsers send a text area's line breaks as CRLF; the API's clients send LF.
        "description": form.get("description", "").replace("\r\n", "\n").strip() or None,
        "location": _text(form, "location") or None,
        "themes": _codes(form, "themes"),
        "priority": _text(form, "priority"),
        # A missing half is left out, for the schema to ask for it by name.
        "estimated_cost": (
            {k: v for k, v in (("amount", amount), ("currency", currency)) if v}
            if amount or currency
            else None
        ),
        "start_date": _text(form, "start_date") or None,
        "end_date": _text(form, "end_date") or None,
        # A number as the API's clients send it; anything else for the schema to refuse.
        "recommendation_id": form_int(recommendation) or recommendation or None,
    }


def stored_form(need: Need) -> MultiDict[str, str]:
    """A stored need as the form's fields (what the edit form starts with)."""
    fields: list[tuple[str, str]] = [
        ("country", need.country_code),
        ("title", need.title),
        ("description", need.description or ""),
        ("location", need.location or ""),
        ("priority", str(need.priority)),
        ("start_date", need.start_date.isoformat() if need.start_date else ""),
        ("end_date", need.end_date.isoformat() if need.end_date else ""),
        ("recommendation_id", str(need.recommendation_id or "")),
        ("version", str(need.version)),
    ]
    if need.cost_amount is not None:
        fields += [
            ("cost_amount", f"{need.cost_amount:.2f}"),
            ("cost_currency", need.cost_currency or ""),
        ]
    fields += [("themes", t.slug) for t in need.themes]
    return MultiDict(fields)


def _comparable(name: str, value: Any) -> Any:
    """A field's value in the shape ``need_service.snapshot`` gives."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if name == "themes" and isinstance(value, list):
        return sorted(str(v).lower() for v in value)
    if name == "estimated_cost" and isinstance(value, dict):
        amount = value.get("amount")
        if isinstance(amount, Decimal):
            amount = f"{amount:.2f}"
        return {"amount": amount, "currency": value.get("currency")}
    return value or None


def changed_fields(loaded: dict[str, Any], need: Need) -> dict[str, Any]:
    """The loaded fields whose value differs from the stored one."""
    stored = need_service.snapshot(need)
    return {
        name: value
        for name, value in loaded.items()
        if _comparable(name, value) != _comparable(name, stored.get(name))
    }


def _translated(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: [translate(m) for m in messages] for field, messages in errors.items()}


def _load(
    schema: ma.Schema, body: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    try:
        return schema.load(body), {}
    except ma.ValidationError as error:
        return None, _translated(flatten_messages(error.messages))


def _service_errors(error: AdamError) -> dict[str, list[str]]:
    """What the service refused, beside its fields (else above the form)."""
    return _translated(error.details) or {"_request": [translate(error.message)]}


# --- Rendering ---


def _countries() -> list[tuple[str, str]]:
    """The countries the reader may write needs for: their own for a focal point."""
    actor = current_actor()
    countries = reference_service.list_countries(get_session())
    if actor.role == Role.FOCAL_POINT:
        countries = [c for c in countries if c.code == actor.country_code]
    return sorted(((c.code, localized(c)) for c in countries), key=lambda p: p[1].casefold())


def _recommendations() -> list[tuple[int, str]]:
    """The recommendations a need may answer: those proposed or endorsed, by code."""
    return [(r.id, f"{r.code}: {excerpt(r, 80)}") for r in recommendation_choices(current_actor())]


def _render(
    form: MultiDict[str, str], errors: dict[str, list[str]], status: int, **extra: Any
) -> tuple[str, int]:
    themes = [(t.slug, localized(t)) for t in reference_service.list_themes(get_session())]
    return (
        render_template(
            TEMPLATE,
            form=form,
            errors=errors,
            labels=FIELDS,
            countries=_countries(),
            themes=themes,
            priorities=PRIORITIES,
            recommendations=_recommendations(),
            **template_helpers(),
            **extra,
        ),
        status,
    )


def _may_write(country: str) -> None:
    """Refuse the form early to those who may not register a need of ``country`` (empty:
    the reader's own, if any): the service's rule.

    :raises Forbidden:
    """
    actor = current_actor()
    permissions.require(actor, "need.create", (country or actor.country_code or "").upper())


def _saved(need: Need, suggested: int, registered: bool) -> ResponseReturnValue:
    text = gettext("The need is registered.") if registered else gettext("The need is saved.")
    if suggested:
        text += " " + gettext("Projects that likely address it: %(num)d.", num=suggested)
    flash(text)
    return redirect(f"/needs/{need.id}", 303)


# --- Views ---


@page
@blp.route("/needs/new", methods=["GET", "POST"])
def new_need() -> ResponseReturnValue:
    """The registration form; a valid one registers the need as POST /needs does."""
    if request.method == "GET":
        country = request.args.get("country", "").strip().upper()
        _may_write(country)
        form = MultiDict(
            {"country": country or current_actor().country_code or "", "priority": "medium"}
        )
        return _render(form, {}, 200, need=None)
    form = request.form
    _may_write(_text(form, "country"))
    data, errors = _load(_CREATE, form_body(form))
    status = 422
    if data is not None:
        try:
            written = need_workflows.register(
                get_session(), actor=current_actor(), data=data, settings=get_settings().coverage
            )
        except InvalidInput as error:
            rollback_request_session()
            errors, status = _service_errors(error), error.status
        else:
            commit()
            return _saved(written.need, len(written.suggested_projects), registered=True)
    return _render(form, errors, status, need=None)


def _editable(need_id: int) -> Need:
    """The need, if the reader may edit it (the service's rule, asked early).

    :raises NotFound, Forbidden, Conflict: (a withdrawn need is reopened before editing)
    """
    actor = current_actor()
    need = need_service.get_need(get_session(), need_id, actor=actor)
    permissions.require(actor, "need.update", need.country_code)
    if need.state == NeedState.WITHDRAWN:
        raise Conflict(N_("Need %(id)s is withdrawn; reopen it before editing.", id=need.id))
    return need


@page
@blp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
def edit_need(need_id: int) -> ResponseReturnValue:
    """The edit form, filled with the stored values; a save sends what the person changed at
    the version the form was read at (as PATCH /needs/<id> with If-Match)."""
    need = _editable(need_id)
    if request.method == "GET":
        return _render(stored_form(need), {}, 200, need=need)
    form = request.form
    data, errors = _load(_EDIT, form_body(form))
    status = 422
    if data is not None:
        try:
            written = need_workflows.edit(
                get_session(),
                need_id,
                actor=current_actor(),
                changes=changed_fields(data, need),
                expected_version=form_int(form.get("version")),
                settings=get_settings().coverage,
            )
        except PreconditionFailed as error:
            rollback_request_session()
            errors, status = {"_request": [translate(error.message)]}, 409
        except (InvalidInput, Conflict) as error:
            rollback_request_session()
            errors, status = _service_errors(error), error.status
        else:
            commit()
            return _saved(written.need, len(written.suggested_projects), registered=False)
    return _render(form, errors, status, need=_editable(need_id))


@page
@blp.route("/needs/form/suggestions", methods=["POST"])
def live_suggestions() -> ResponseReturnValue:
    """The projects that likely address the need as typed, with the reasons; nothing is
    saved. It speaks once a title and a country are given (and says so when no project
    matches); a need without its themes or priority yet is matched without them. An invalid
    form says nothing."""
    body = form_body(request.form)
    if not (body["title"].strip() and body["country"]):
        return "", 200
    typed = {**body, "priority": body["priority"] or "medium"}
    if not typed["themes"]:
        del typed["themes"]
    try:
        data = _CREATE.load(typed, partial=("themes",))
    except ma.ValidationError:
        return "", 200
    data.setdefault("themes", [])
    try:
        found = need_workflows.preview(
            get_session(), actor=current_actor(), data=data, settings=get_settings().coverage
        )
        # Said even when nothing matches, so that the person knows the search ran.
        return render_template(
            "portal/need_suggestions.html",
            found=found,
            format_decimal=format_decimal,
            **template_helpers(),
        ), 200
    except AdamError:
        return "", 200
    finally:
        rollback_request_session()  # nothing of a dry run is ever committed
