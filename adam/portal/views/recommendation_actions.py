"""The forms of a recommendation's page: its state, its follow-up status, a progress note,
and the verdicts on the projects suggested as serving it.

Each reads its form with the API operation's schema and calls the workflow or service that
operation calls; a refused form shows the page again with the errors beside its fields.
Who may post is asked first, so that a person without the right gets 403 whatever they typed.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from adam.access import page
from adam.auth import permissions
from adam.coverage import service as coverage_service
from adam.errors import N_, AdamError, Conflict, InvalidInput, NotFound, PreconditionFailed
from adam.pact import service as pact_service
from adam.pact.models import Recommendation
from adam.pact.schemas import (
    FOLLOW_UPS,
    STATES,
    FollowUpSchema,
    ProgressNoteInSchema,
    RecommendationStateSchema,
)
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.i18n import translate
from adam.portal.views.recommendations import follow_up_title, render_page, state_title
from adam.session import get_session, get_settings, rollback_request_session
from adam.web import commit, current_actor
from adam.workflows import recommendations as recommendation_workflows

blp = portal_blueprint("portal_recommendation_actions", __name__)

# The page holds three forms; their fields' errors are shown under these names.
STATE_FIELDS = {
    "state": "state",
    "endorsed_by": "endorsed_by",
    "superseded_by": "superseded_by",
    "note": "state_note",
}
FOLLOW_UP_FIELDS = {"status": "status", "note": "follow_up_note"}
NOTE_FIELDS = {"noted_on": "noted_on", "text": "text"}


def _messages(messages: Any, names: dict[str, str], fallback: str) -> dict[str, list[str]]:
    """Errors keyed by the page's field names (an error of no known field goes to
    ``fallback``), in the reader's language."""
    if not isinstance(messages, dict):
        messages = {"": messages}
    found: dict[str, list[str]] = {}
    for name, problems in messages.items():
        listed = problems if isinstance(problems, list) else [problems]
        found.setdefault(names.get(name, fallback), []).extend(translate(p) for p in listed)
    return found


def _refused(error: AdamError, names: dict[str, str], fallback: str) -> dict[str, list[str]]:
    return _messages(error.details or [error.message], names, fallback)


def _status(error: AdamError) -> int:
    # A stale form is a conflict for a person: they read the page again.
    return 409 if isinstance(error, PreconditionFailed) else error.status


def _back(recommendation_id: int) -> ResponseReturnValue:
    return redirect(
        url_for("portal_recommendations.recommendation", recommendation_id=recommendation_id),
        303,
    )


def _fields(*names: str) -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in names}


def _number(value: str) -> int | str:
    """A typed or chosen id as the API's clients send it; anything else for the schema to
    refuse."""
    return form_int(value) or value


def _recommendation(recommendation_id: int) -> Recommendation:
    """:raises NotFound:"""
    return pact_service.get_recommendation(get_session(), recommendation_id, actor=current_actor())


@page
@blp.route("/recommendations/<int:recommendation_id>/state", methods=["POST"])
def change_state(recommendation_id: int) -> ResponseReturnValue:
    """Move the recommendation to another state (POST /recommendations/<id>/state)."""
    actor = current_actor()
    permissions.require(actor, "recommendation.state", _recommendation(recommendation_id))
    form = _fields("state", "endorsed_by", "superseded_by", "state_note")
    body: dict[str, Any] = {"state": form["state"], "note": form["state_note"] or None}
    # Each reference goes with its own state only; the other select's choice is left out.
    if form["state"] == "endorsed" and form["endorsed_by"]:
        body["endorsed_by"] = _number(form["endorsed_by"])
    if form["state"] == "superseded" and form["superseded_by"]:
        body["superseded_by"] = _number(form["superseded_by"])
    try:
        data = RecommendationStateSchema().load(body)
    except ma.ValidationError as error:
        errors = _messages(error.messages, STATE_FIELDS, "state")
        if form["state"] not in STATES:
            errors["state"] = [gettext("Choose a state from the list.")]
        return render_page(recommendation_id, status=422, errors=errors, form=form)
    try:
        written = recommendation_workflows.set_state(
            get_session(),
            recommendation_id,
            actor=actor,
            state=data["state"],
            endorsed_by=data.get("endorsed_by"),
            superseded_by=data.get("superseded_by"),
            note=data.get("note"),
            expected_version=form_int(request.form.get("expected_version")),
            settings=get_settings().coverage,
        )
    except (InvalidInput, Conflict, PreconditionFailed) as error:
        rollback_request_session()
        errors = _refused(error, STATE_FIELDS, "state")
        return render_page(recommendation_id, status=_status(error), errors=errors, form=form)
    commit()
    state = state_title(written.follow_up.recommendation.state)
    flash(gettext("The recommendation is now: %(state)s.", state=state))
    return _back(recommendation_id)


@page
@blp.route("/recommendations/<int:recommendation_id>/follow-up", methods=["POST"])
def change_follow_up(recommendation_id: int) -> ResponseReturnValue:
    """Set the follow-up status with its note (POST /recommendations/<id>/follow-up)."""
    actor = current_actor()
    permissions.require(actor, "recommendation.follow_up", _recommendation(recommendation_id))
    form = _fields("status", "follow_up_note")
    try:
        data = FollowUpSchema().load({"status": form["status"], "note": form["follow_up_note"]})
    except ma.ValidationError as error:
        errors = _messages(error.messages, FOLLOW_UP_FIELDS, "status")
        if form["status"] not in FOLLOW_UPS:
            errors["status"] = [gettext("Choose a status from the list.")]
        return render_page(recommendation_id, status=422, errors=errors, form=form)
    try:
        written = pact_service.set_follow_up(
            get_session(),
            recommendation_id,
            actor=actor,
            status=data["status"],
            note=data["note"],
            expected_version=form_int(request.form.get("expected_version")),
        )
    except (InvalidInput, Conflict, PreconditionFailed) as error:
        rollback_request_session()
        errors = _refused(error, FOLLOW_UP_FIELDS, "status")
        return render_page(recommendation_id, status=_status(error), errors=errors, form=form)
    commit()
    flash(gettext("The follow-up is now: %(status)s.", status=follow_up_title(written.follow_up)))
    return _back(recommendation_id)


@page
@blp.route("/recommendations/<int:recommendation_id>/notes", methods=["POST"])
def add_note(recommendation_id: int) -> ResponseReturnValue:
    """Add a dated progress note (POST /recommendations/<id>/notes)."""
    actor = current_actor()
    permissions.require(
        actor, "progress_note.create", pact_service.note_scope(_recommendation(recommendation_id))
    )
    form = {
        "noted_on": request.form.get("noted_on", "").strip(),
        "text": request.form.get("text", ""),
    }
    body = {"noted_on": form["noted_on"], "text": form["text"].replace("\r\n", "\n")}
    try:
        data = ProgressNoteInSchema().load(body)
    except ma.ValidationError as error:
        errors = _messages(error.messages, NOTE_FIELDS, "text")
        return render_page(recommendation_id, status=422, errors=errors, form=form)
    try:
        pact_service.add_progress_note(
            get_session(),
            recommendation_id,
            actor=actor,
            noted_on=data["noted_on"],
            text=data["text"],
        )
    except (InvalidInput, Conflict) as error:
        rollback_request_session()
        errors = _refused(error, NOTE_FIELDS, "text")
        return render_page(recommendation_id, status=error.status, errors=errors, form=form)
    commit()
    flash(gettext("The progress note is added."))
    return _back(recommendation_id)


def _decide(recommendation_id: int, link_id: int, verdict: str) -> ResponseReturnValue:
    session, actor = get_session(), current_actor()
    link = coverage_service.get_link(session, link_id, actor=actor)
    if link.recommendation_id != recommendation_id:
        raise NotFound(N_("No link with id %(id)s.", id=link_id))
    note = request.form.get("note", "").strip()[:5000] or None
    decide_link = (
        coverage_service.confirm_link if verdict == "confirm" else coverage_service.reject_link
    )
    try:
        decide_link(session, link_id, actor=actor, note=note)
    except Conflict as error:  # decided meanwhile by someone else: say so, show the page
        rollback_request_session()
        flash(translate(error.message))
        return _back(recommendation_id)
    commit()
    code = link.project.code
    if verdict == "confirm":
        flash(gettext("Project %(code)s is confirmed as serving this recommendation.", code=code))
    else:
        flash(gettext("The suggestion of project %(code)s is rejected.", code=code))
    return _back(recommendation_id)


@page
@blp.route("/recommendations/<int:recommendation_id>/links/<int:link_id>/confirm", methods=["POST"])
def confirm(recommendation_id: int, link_id: int) -> ResponseReturnValue:
    """Confirm a project suggested as serving it (POST /links/<id>/confirm)."""
    return _decide(recommendation_id, link_id, "confirm")


@page
@blp.route("/recommendations/<int:recommendation_id>/links/<int:link_id>/reject", methods=["POST"])
def reject(recommendation_id: int, link_id: int) -> ResponseReturnValue:
    """Reject a suggestion or withdraw a confirmed link (POST /links/<id>/reject)."""
    return _decide(recommendation_id, link_id, "reject")
