"""Register and edit a project with a form, with live duplicate warnings while typing.

The form is read into the same dict the API's JSON body gives and loaded with the API's own
schema (ProjectInSchema), then handed to the same workflows as POST and PATCH /projects:
no rule is written here twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, gettext, lazy_gettext
from werkzeug.datastructures import MultiDict

from adam.access import page
from adam.auth import permissions
from adam.errors import N_, AdamError, Conflict, InvalidInput, PreconditionFailed, flatten_messages
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.i18n import LANGUAGE_NAMES, localized, translate
from adam.portal.views.alerts import reason_field
from adam.projects import service as project_service
from adam.projects.models import Project
from adam.projects.schemas import STATUSES, ProjectInSchema
from adam.reference import service as reference_service
from adam.session import get_session, get_settings, rollback_request_session
from adam.web import commit, current_actor
from adam.workflows import projects as project_workflows

blp = portal_blueprint("portal_project_forms", __name__)

_SCHEMA = ProjectInSchema()
# Lists whose order means nothing (the project keeps them sorted); donors keep their order.
_UNORDERED = frozenset({"countries", "themes"})
ORGANIZATION_FIELDS = ("donors", "implementers")
# The form's inputs of the fields that take more than one.
FORM_KEYS = {
    "budget": ("budget_amount", "budget_currency"),
    "contact": ("contact_name", "contact_email"),
}
FIELD_LABELS = {
    "title": lazy_gettext("Title"),
    "description": lazy_gettext("Description"),
    "language": lazy_gettext("Language of the title and description"),
    "countries": lazy_gettext("Beneficiary countries"),
    "themes": lazy_gettext("Themes"),
    "donors": lazy_gettext("Donors"),
    "implementers": lazy_gettext("Implementers"),
    "status": lazy_gettext("Status"),
    "start_date": lazy_gettext("Start date"),
    "end_date": lazy_gettext("End date"),
    "budget": lazy_gettext("Budget"),
    "iati_identifier": lazy_gettext("IATI identifier"),
    "contact": lazy_gettext("Contact"),
}
# The form's fields, in the order a person reads them (and the conflict page lists them).
FIELDS = tuple(FIELD_LABELS)
# How many organisations the type-to-find list offers at once.
SUGGESTIONS = 12

# The registration schema's own messages with their values filled in, in the catalogue so
# that a page can show them in Russian (marshmallow's fixed ones are in validation_texts).
SCHEMA_MESSAGES = (
    N_("Length must be between 1 and 200."),
    N_("Longer than maximum length 200."),
    N_("Longer than maximum length 320."),
    N_("Longer than maximum length 20000."),
    N_("Give a title of 1 to 500 characters."),
    N_("Name 1 to 50 donor organizations."),
    N_("Name 1 to 60 beneficiary countries."),
    N_("Name 1 to 20 themes."),
    N_("The budget cannot be negative."),
    N_("The budget is implausibly large."),
    N_("Use at most two decimal places."),
    N_("An IATI identifier has no spaces."),
    N_("The end date is before the start date."),
    N_("Contains control characters."),
)


# --- The form as the API's body ---


def _text(form: MultiDict[str, str], name: str) -> str:
    return form.get(name, "").strip()


def _optional(form: MultiDict[str, str], name: str) -> str | None:
    return _text(form, name) or None


def _codes(form: MultiDict[str, str], name: str) -> list[str]:
    """Every value of a repeated field; one field may also hold several, comma-separated."""
    return [part.strip() for v in form.getlist(name) for part in v.split(",") if part.strip()]


def form_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The JSON body the API would get for this form (empty fields as null or absent)."""
    body: dict[str, Any] = {
        "title": form.get("title", ""),
        # Browsers send a text area's line breaks as CRLF; the API's clients send LF.
        "description": form.get("description", "").replace("\r\n", "\n").strip() or None,
        "countries": _codes(form, "countries"),
        "themes": _codes(form, "themes"),
        "donors": _codes(form, "donors"),
        "implementers": _codes(form, "implementers"),
        "status": form.get("status", ""),
        "start_date": _optional(form, "start_date"),
        "end_date": _optional(form, "end_date"),
        "iati_identifier": _optional(form, "iati_identifier"),
    }
    if language := _text(form, "language"):
        body["language"] = language
    amount, currency = _text(form, "budget_amount"), _text(form, "budget_currency")
    body["budget"] = {"amount": amount, "currency": currency} if amount or currency else None
    name, email = _optional(form, "contact_name"), _optional(form, "contact_email")
    body["contact"] = {"name": name, "email": email} if name or email else None
    return body


def stored_form(project: Project) -> MultiDict[str, str]:
    """A stored project as the form's fields (what the edit form starts with)."""
    fields: list[tuple[str, str]] = [
        ("title", project.title),
        ("description", project.description or ""),
        ("language", project.language),
        ("status", str(project.status)),
        ("start_date", project.start_date.isoformat() if project.start_date else ""),
        ("end_date", project.end_date.isoformat() if project.end_date else ""),
        ("iati_identifier", project.iati_identifier or ""),
        ("contact_name", project.contact_name or ""),
        ("contact_email", project.contact_email or ""),
        ("version", str(project.version)),
    ]
    if project.budget_amount is not None:
        fields.append(("budget_amount", f"{project.budget_amount:.2f}"))
        fields.append(("budget_currency", project.budget_currency or ""))
    fields.append(("original", json.dumps(project_service.snapshot(project))))
    fields += [("countries", c.code) for c in project.countries]
    fields += [("themes", t.slug) for t in project.themes]
    fields += [("donors", o.code) for o in project.donors]
    fields += [("implementers", o.code) for o in project.implementers]
    return MultiDict(fields)


def _comparable(name: str, value: Any) -> Any:
    """A field's value in one shape, whether it came from the schema or from the store."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        items = [str(v).lower() if name in ORGANIZATION_FIELDS else str(v) for v in value]
        items = [v.upper() if name == "countries" else v for v in items]
        return sorted(items) if name in _UNORDERED else items
    if name == "budget" and isinstance(value, dict):
        amount = value.get("amount")
        if isinstance(amount, Decimal | str):
            # A hidden copy someone edited is compared as it is.
            with contextlib.suppress(ArithmeticError):
                amount = f"{Decimal(amount):.2f}"
        return {"amount": amount, "currency": value.get("currency")}
    if name == "contact" and isinstance(value, dict):
        return {"name": value.get("name"), "email": value.get("email")}
    return value


def changed_fields(loaded: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """The loaded fields whose value differs from the stored one (``snapshot``'s shape)."""
    return {
        name: value
        for name, value in loaded.items()
        if _comparable(name, value) != _comparable(name, stored.get(name))
    }


def _load(body: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    try:
        return _SCHEMA.load(body), {}
    except ma.ValidationError as error:
        return None, _translated(flatten_messages(error.messages))


def _translated(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Messages in the reader's language where the catalogue has them, by the form's field
    (a list item's message, ``donors.1``, goes beside its list)."""
    shown: dict[str, list[str]] = {}
    for field, messages in errors.items():
        name = ".".join(part for part in field.split(".") if not part.isdigit())
        shown.setdefault(name, []).extend(translate(m) for m in messages)
    return shown


def _service_errors(error: AdamError) -> dict[str, list[str]]:
    """What the service refused, beside its fields (else above the form)."""
    return _translated(error.details) or {"_request": [translate(error.message)]}


# --- Rendering ---


def _choices() -> dict[str, Any]:
    session = get_session()
    countries = sorted(
        ((c.code, localized(c)) for c in reference_service.list_countries(session)),
        key=lambda pair: pair[1].casefold(),
    )
    themes = [(t.slug, localized(t)) for t in reference_service.list_themes(session)]
    return {"countries": countries, "themes": themes, "statuses": STATUSES}


def _organization_inputs(form: MultiDict[str, str], add: str | None) -> dict[str, list[str]]:
    """The values of each organisation field's inputs: one per organisation, then one empty
    (two when the person asked for another)."""
    inputs = {}
    for name in ORGANIZATION_FIELDS:
        values = _codes(form, name)
        inputs[name] = [*values, ""] + ([""] if add == name else [])
    return inputs


def _render(
    template: str,
    form: MultiDict[str, str],
    errors: dict[str, list[str]],
    status: int,
    **extra: Any,
) -> tuple[str, int]:
    languages = dict(LANGUAGE_NAMES)
    if (chosen := form.get("language", "")) and chosen not in languages:
        languages[chosen] = chosen
    return (
        render_template(
            template,
            form=form,
            errors=errors,
            organizations=_organization_inputs(form, extra.pop("add", None)),
            languages=languages,
            labels=FIELD_LABELS,
            **_choices(),
            **extra,
        ),
        status,
    )


def _saved_message(project: Project, new_alerts: int, registered: bool) -> str:
    if registered:
        text = gettext("Project %(code)s is registered.", code=project.code)
    else:
        text = gettext("Project %(code)s is saved.", code=project.code)
    if new_alerts:
        text += " " + gettext("Duplicate alerts raised: %(num)d.", num=new_alerts)
    return text


# --- Views ---


@page
@blp.route("/projects/new", methods=["GET", "POST"])
def new_project() -> ResponseReturnValue:
    """The registration form; a valid one registers the project as POST /projects does."""
    if request.method == "GET":
        return _render("portal/project_form.html", MultiDict(), {}, 200, project=None)
    form = request.form
    if add := form.get("add"):
        return _render("portal/project_form.html", form, {}, 200, project=None, add=add)
    data, errors = _load(form_body(form))
    status = 422
    if data is not None:
        try:
            written = project_workflows.register(
                get_session(), actor=current_actor(), data=data, matcher=get_settings().matcher
            )
        except (InvalidInput, Conflict) as error:
            rollback_request_session()
            errors, status = _service_errors(error), error.status
        else:
            commit()
            project = written.project
            flash(_saved_message(project, len(written.outcome.new_alerts), registered=True))
            return redirect(f"/projects/{project.id}", 303)
    return _render("portal/project_form.html", form, errors, status, project=None)


def _editable(project_id: int) -> Project:
    """The project, if the reader may edit it (the service's own rule, asked early).

    :raises NotFound, Forbidden:
    """
    actor = current_actor()
    project = project_service.get_project(get_session(), project_id, actor=actor)
    permissions.require(actor, "project.update", project_service.scope_of(project))
    return project


def _version(form: MultiDict[str, str], name: str = "version") -> int | None:
    return form_int(form.get(name))


def _original(form: MultiDict[str, str], project: Project) -> dict[str, Any]:
    """The values the form was read with (its hidden copy), else the stored ones."""
    try:
        original = json.loads(form.get("original", ""))
    except ValueError:
        original = None
    return original if isinstance(original, dict) else project_service.snapshot(project)


def _shown(name: str, value: Any) -> str:
    value = _comparable(name, value)
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v)
    return str(value)


def _merged(
    form: MultiDict[str, str], current: Project, mine: dict[str, Any]
) -> tuple[MultiDict[str, str], list[dict[str, str]], list[str]]:
    """The form again after a conflict: the stored values, with the person's own changes over
    them; and per field the person changed, what is stored now beside theirs."""
    stored = project_service.snapshot(current)
    original = _original(form, current)
    merged = stored_form(current)
    for name in mine:
        for key in FORM_KEYS.get(name, (name,)):
            merged.setlist(key, form.getlist(key))
    conflicts = [
        {"field": name, "stored": _shown(name, stored.get(name)), "mine": _shown(name, value)}
        for name, value in mine.items()
        if _comparable(name, value) != _comparable(name, stored.get(name))
    ]
    theirs = [
        name
        for name in FIELDS
        if name not in mine
        and _comparable(name, stored.get(name)) != _comparable(name, original.get(name))
    ]
    return merged, conflicts, theirs


@page
@blp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
def edit_project(project_id: int) -> ResponseReturnValue:
    """The edit form, filled with the stored values; a save sends what the person changed, at
    the version the form was read at (as PATCH /projects/<id> with If-Match)."""
    project = _editable(project_id)
    template = "portal/project_form.html"
    if request.method == "GET":
        return _render(template, stored_form(project), {}, 200, project=project)
    form = request.form
    if add := form.get("add"):
        return _render(template, form, {}, 200, project=project, add=add)
    data, errors = _load(form_body(form))
    status = 422
    if data is not None:
        changes = changed_fields(data, _original(form, project))
        try:
            written = project_workflows.edit(
                get_session(),
                project_id,
                actor=current_actor(),
                changes=changes,
                expected_version=_version(form),
                matcher=get_settings().matcher,
            )
        except PreconditionFailed:
            rollback_request_session()
            current = _editable(project_id)
            merged, conflicts, theirs = _merged(form, current, changes)
            return _render(
                template,
                merged,
                {},
                409,
                project=current,
                conflicts=conflicts,
                theirs=[FIELD_LABELS[name] for name in theirs],
            )
        except (InvalidInput, Conflict) as error:
            rollback_request_session()
            errors, status = _service_errors(error), error.status
        else:
            commit()
            saved = written.project
            flash(_saved_message(saved, len(written.outcome.new_alerts), registered=False))
            return redirect(f"/projects/{saved.id}", 303)
    return _render(template, form, errors, status, project=project)


@page
@blp.route("/projects/form/organizations")
def organization_options() -> ResponseReturnValue:
    """<option>s of the organisations whose name, acronym or code holds what is typed (the
    form's type-to-find lists; GET /organizations's search)."""
    typed = next(
        (v.strip() for k in ("q", *ORGANIZATION_FIELDS) for v in request.args.getlist(k) if v),
        "",
    )[:100]
    found: list[Any] = []
    if typed:
        found, _ = reference_service.search_organizations(
            get_session(), q=typed, per_page=SUGGESTIONS
        )
    return render_template("portal/organization_options.html", organizations=found), 200


@page
@blp.route("/projects/form/duplicates", methods=["POST"])
def duplicate_warnings() -> ResponseReturnValue:
    """The stored projects a registration of the form as typed would list, nothing saved.
    It speaks once a title, a country and an organisation are typed; a form without its
    status or themes yet is checked as a project in the pipeline with no theme (what the
    matcher reads most is the text, countries, organisations and dates). An invalid form
    says nothing."""
    form = request.form
    body = form_body(form)
    if not (
        body["title"].strip() and body["countries"] and (body["donors"] or body["implementers"])
    ):
        return "", 200
    editing = _version(form, "project_id")
    if editing is not None:
        body["iati_identifier"] = None  # the project itself holds it: no clash to report
    try:
        typed = {**body, "status": body["status"] or "pipeline"}
        if not typed["themes"]:
            del typed["themes"]
        data = _SCHEMA.load(typed, partial=("themes",))
    except ma.ValidationError:
        return "", 200
    data.setdefault("themes", [])
    try:
        preview = project_workflows.preview(
            get_session(), actor=current_actor(), data=data, matcher=get_settings().matcher
        )
    except AdamError:
        return "", 200
    finally:
        rollback_request_session()  # nothing of a dry run is ever committed
    found = [f for f in preview.possible_duplicates if f.project["id"] != editing]
    if not found:
        return "", 200
    return render_template(
        "portal/duplicate_warnings.html",
        found=found,
        format_decimal=format_decimal,
        reason_field=reason_field,
    ), 200
