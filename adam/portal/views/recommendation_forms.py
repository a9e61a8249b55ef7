"""Register and edit a recommendation with a form (coordinators and administrators).

The form is read into the JSON body the API takes and loaded with the API's own schemas,
then handed to the workflows POST and PATCH /recommendations call, which store the projects
that likely serve it as suggested links.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from adam.access import page
from adam.auth import permissions
from adam.errors import N_, AdamError, Conflict, InvalidInput, PreconditionFailed, flatten_messages
from adam.pact import service as pact_service
from adam.pact.models import Recommendation, RecommendationState
from adam.pact.schemas import (
    ADDRESSEES,
    PILLARS,
    ROUTES,
    RecommendationInSchema,
    RecommendationPatchSchema,
)
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.i18n import localized, translate
from adam.portal.views.recommendations import (
    CHOICE_PAGE,
    FIELDS,
    event_title,
    template_helpers,
)
from adam.reference import service as reference_service
from adam.session import get_session, get_settings, rollback_request_session
from adam.web import commit, current_actor
from adam.workflows import recommendations as recommendation_workflows

blp = portal_blueprint("portal_recommendation_forms", __name__)

_CREATE = RecommendationInSchema()
_EDIT = RecommendationPatchSchema(partial=tuple(RecommendationPatchSchema._declared_fields))
TEMPLATE = "portal/recommendation_form.html"
LISTS = ("themes", "countries", "routes", "addressees")

# The schema's own messages, in the catalogue so that the form shows them in Russian.
SCHEMA_MESSAGES = (
    N_("A code is 1 to 40 letters, digits, '.', '/', '_' or '-', e.g. EWG-2023-SOFIA/3."),
    N_("Name at most 20 themes."),
    N_("Name at most 80 countries."),
    N_("Longer than maximum length 20000."),
)


def _codes(form: MultiDict[str, str], name: str) -> list[str]:
    return [part.strip() for v in form.getlist(name) for part in v.split(",") if part.strip()]


def form_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The JSON body the API would get for this form (empty fields left out or null)."""
    event = form.get("event_id", "").strip()
    body: dict[str, Any] = {
        "code": form.get("code", "").strip() or None,
        # Browsers send a text area's line breaks as CRLF; the API's clients send LF.
        "text_en": form.get("text_en", "").replace("\r\n", "\n").strip() or None,
        "text_ru": form.get("text_ru", "").replace("\r\n", "\n").strip() or None,
        "illustrative": form.get("illustrative") == "on",
        "event_id": form_int(event) or event or None,
        **{name: _codes(form, name) for name in LISTS},
    }
    if form.get("pillar", "").strip():
        body["pillar"] = form["pillar"].strip()
    if body["event_id"] is None:
        del body["event_id"]  # for the schema to ask for it
    return body


def stored_form(recommendation: Recommendation) -> MultiDict[str, str]:
    """A stored recommendation as the form's fields (what the edit form starts with)."""
    snapshot = pact_service.snapshot(recommendation)
    fields: list[tuple[str, str]] = [
        ("code", recommendation.code),
        ("text_en", recommendation.text_en or ""),
        ("text_ru", recommendation.text_ru or ""),
        ("event_id", str(recommendation.event_id)),
        ("pillar", snapshot["pillar"] or ""),
        ("version", str(recommendation.version)),
    ]
    if recommendation.illustrative:
        fields.append(("illustrative", "on"))
    fields += [(name, value) for name in LISTS for value in snapshot[name]]
    return MultiDict(fields)


def _comparable(name: str, value: Any) -> Any:
    if name in LISTS and isinstance(value, list):
        return sorted(str(v).lower() for v in value)
    return value if value not in ("", []) else None


def changed_fields(loaded: dict[str, Any], recommendation: Recommendation) -> dict[str, Any]:
    """The loaded fields whose value differs from the stored one (a blank code keeps it)."""
    stored = pact_service.snapshot(recommendation)
    return {
        name: value
        for name, value in loaded.items()
        if not (name == "code" and not value)
        and _comparable(name, value) != _comparable(name, stored.get(name))
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


def _events() -> list[tuple[int, str]]:
    events, _ = pact_service.search_events(
        get_session(),
        actor=current_actor(),
        filters=pact_service.EventFilters(),
        page=1,
        per_page=CHOICE_PAGE,
    )
    return [(e.id, event_title(e)) for e in events]


def _render(
    form: MultiDict[str, str], errors: dict[str, list[str]], status: int, **extra: Any
) -> tuple[str, int]:
    session = get_session()
    themes = [(t.slug, localized(t)) for t in reference_service.list_themes(session)]
    countries = sorted(
        ((c.code, localized(c)) for c in reference_service.list_countries(session)),
        key=lambda p: p[1].casefold(),
    )
    return (
        render_template(
            TEMPLATE,
            form=form,
            errors=errors,
            labels=FIELDS,
            events=_events(),
            themes=themes,
            countries=countries,
            pillars=PILLARS,
            routes=ROUTES,
            addressees=ADDRESSEES,
            **template_helpers(),
            **extra,
        ),
        status,
    )


def _saved(recommendation: Recommendation, suggested: int, registered: bool) -> ResponseReturnValue:
    if registered:
        text = gettext("The recommendation is registered.")
    else:
        text = gettext("The recommendation is saved.")
    if suggested:
        text += " " + gettext("Projects that likely serve it: %(num)d.", num=suggested)
    flash(text)
    return redirect(f"/recommendations/{recommendation.id}", 303)


@page
@blp.route("/recommendations/new", methods=["GET", "POST"])
def new_recommendation() -> ResponseReturnValue:
    """The registration form; a valid one registers it as POST /recommendations does."""
    permissions.require(current_actor(), "recommendation.create")
    if request.method == "GET":
        event = request.args.get("event", "").strip()
        return _render(MultiDict({"event_id": event}), {}, 200, rec=None)
    form = request.form
    data, errors = _load(_CREATE, form_body(form))
    status = 422
    if data is not None:
        try:
            written = recommendation_workflows.register(
                get_session(),
                actor=current_actor(),
                data=data,
                note=form.get("note", "").strip()[:5000] or None,
                settings=get_settings().coverage,
            )
        except (InvalidInput, Conflict) as error:
            rollback_request_session()
            errors, status = _service_errors(error), error.status
        else:
            commit()
            recommendation = written.follow_up.recommendation
            return _saved(recommendation, len(written.suggested_projects), registered=True)
    return _render(form, errors, status, rec=None)


def _editable(recommendation_id: int) -> Recommendation:
    """The recommendation, if the reader may edit it (the service's rule, asked early).

    :raises NotFound, Forbidden, Conflict: (a withdrawn one is proposed again before editing)
    """
    actor = current_actor()
    recommendation = pact_service.get_recommendation(get_session(), recommendation_id, actor=actor)
    permissions.require(actor, "recommendation.update")
    if recommendation.state == RecommendationState.WITHDRAWN:
        raise Conflict(
            N_(
                "Recommendation %(code)s is withdrawn; propose it again before editing.",
                code=recommendation.code,
            )
        )
    return recommendation


@page
@blp.route("/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
def edit_recommendation(recommendation_id: int) -> ResponseReturnValue:
    """The edit form, filled with the stored values; a save sends what changed at the
    version the form was read at (as PATCH /recommendations/<id> with If-Match)."""
    recommendation = _editable(recommendation_id)
    if request.method == "GET":
        return _render(stored_form(recommendation), {}, 200, rec=recommendation)
    form = request.form
    data, errors = _load(_EDIT, form_body(form))
    status = 422
    if data is not None:
        try:
            written = recommendation_workflows.edit(
                get_session(),
                recommendation_id,
                actor=current_actor(),
                changes=changed_fields(data, recommendation),
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
            saved = written.follow_up.recommendation
            return _saved(saved, len(written.suggested_projects), registered=False)
    return _render(form, errors, status, rec=_editable(recommendation_id))
