"""Needs in the portal: the list with its filters, one need's page with its history and the
projects linked to it or suggested for it, the verdicts on those suggestions and the need's
state changes.

The list reads its query with the API list's schema; every write calls the service or the
workflow the API calls, so the rules (who may decide on a link, who may move a need) are
the services' own.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from adam.access import page
from adam.auth import permissions
from adam.auth.actor import Actor
from adam.coverage import service as coverage_service
from adam.coverage.models import CoverageLink, LinkState
from adam.errors import N_, Conflict, InvalidInput, NotFound, PreconditionFailed
from adam.needs import service as need_service
from adam.needs.models import Need, NeedState
from adam.needs.schemas import PRIORITIES, STATES, NeedListQuerySchema, NeedStateSchema
from adam.paging import page_count
from adam.portal import query
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.i18n import label, localized, translate
from adam.reference import service as reference_service
from adam.session import get_session, get_settings, rollback_request_session
from adam.web import commit, current_actor
from adam.workflows import needs as need_workflows

blp = portal_blueprint("portal_needs", __name__)

QUERY = NeedListQuerySchema()
PAGE_SIZES = (20, 50, 100)
PRIORITY_TITLES: dict[str, Any] = {
    "high": lazy_gettext("High priority"),
    "medium": lazy_gettext("Medium priority"),
    "low": lazy_gettext("Low priority"),
}
STATE_TITLES: dict[str, Any] = {
    "open": lazy_gettext("Open"),
    "partly_met": lazy_gettext("Partly met"),
    "met": lazy_gettext("Met"),
    "withdrawn": lazy_gettext("Withdrawn"),
}
LINK_STATES: dict[str, Any] = {
    "suggested": lazy_gettext("Suggested"),
    "confirmed": lazy_gettext("Confirmed"),
    "rejected": lazy_gettext("Rejected"),
}
TITLES: dict[str, Any] = {
    **query.FIELD_TITLES,
    "priority": lazy_gettext("Priority"),
    "state": lazy_gettext("State"),
    "pillar": lazy_gettext("Pillar"),
    "recommendation": lazy_gettext("Recommendation"),
    "per_page": lazy_gettext("Needs per page"),
}
# The history's and the form's field names, as a reader reads them.
FIELDS: dict[str, Any] = {
    "country": lazy_gettext("Country"),
    "title": lazy_gettext("Title"),
    "description": lazy_gettext("Description"),
    "location": lazy_gettext("Region or province"),
    "themes": lazy_gettext("Themes"),
    "priority": lazy_gettext("Priority"),
    "estimated_cost": lazy_gettext("Estimated cost"),
    "start_date": lazy_gettext("Start date"),
    "end_date": lazy_gettext("End date"),
    "recommendation_id": lazy_gettext("Recommendation answered"),
    "state": lazy_gettext("State"),
}
ACTIONS: dict[str, Any] = {
    "create": lazy_gettext("Registered"),
    "update": lazy_gettext("Changed"),
    "state": lazy_gettext("State changed"),
}


def state_title(code: Any) -> str:
    key = str(getattr(code, "value", code))
    found = STATE_TITLES.get(key)
    return str(found) if found is not None else key


def priority_title(code: Any) -> str:
    key = str(getattr(code, "value", code))
    found = PRIORITY_TITLES.get(key)
    return str(found) if found is not None else key


def shown(value: Any, field: str = "") -> str:
    """A value of the history (JSON) as a reader reads it."""
    if field == "state" and isinstance(value, str):
        return state_title(value)
    if field == "priority" and isinstance(value, str):
        return priority_title(value)
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict) and "amount" in value:
        return f"{value['amount']} {value.get('currency', '')}"
    return str(value)


def template_helpers() -> dict[str, Any]:
    """What the need templates call to name codes."""
    return {
        "state_title": state_title,
        "priority_title": priority_title,
    }


# --- The list ---


@page
@blp.route("/needs")
def needs() -> ResponseReturnValue:
    """Needs by country, theme, priority, state and words, newest first, paged."""
    args, errors = query.parse(QUERY, TITLES)
    session, actor = get_session(), current_actor()
    items: list[Need] = []
    total = 0
    if not errors:
        try:
            items, total = need_service.search_needs(
                session,
                actor=actor,
                filters=need_service.NeedFilters.from_args(args),
                sort=args["sort"],
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
        "priorities": PRIORITIES,
        "states": STATES,
        "chosen": query.chosen("country", "theme", "priority", "state"),
        "page_sizes": PAGE_SIZES,
        "url": query.url_with,
        "may_register": permissions.allowed(actor, "need.create", actor.country_code or ""),
        **template_helpers(),
    }
    return render_template("portal/needs.html", **context), 422 if errors else 200


# --- One need ---


def _abilities(actor: Actor, need: Need) -> dict[str, bool]:
    live = need.state != NeedState.WITHDRAWN
    return {
        "edit": live and permissions.allowed(actor, "need.update", need.country_code),
        "state": permissions.allowed(actor, "need.state", need.country_code),
    }


def _render(
    need_id: int,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, str] | None = None,
) -> tuple[str, int]:
    session, actor = get_session(), current_actor()
    need = need_service.get_need(session, need_id, actor=actor)
    history = need_service.need_history(session, need_id, actor=actor)
    links = coverage_service.links_of_need(session, need_id, actor=actor)
    by_state: dict[str, list[CoverageLink]] = {state.value: [] for state in LinkState}
    for link in links:
        by_state[link.state.value].append(link)
    html = render_template(
        "portal/need.html",
        need=need,
        history=list(reversed(history)),
        links=by_state,
        may_decide={link.id: coverage_service.may_decide(actor, link) for link in links},
        can=_abilities(actor, need),
        errors=errors or {},
        form=form or {},
        states=STATES,
        link_states=LINK_STATES,
        FIELDS=FIELDS,
        ACTIONS=ACTIONS,
        shown=shown,
        label=label,
        **template_helpers(),
    )
    return html, status


@page
@blp.route("/needs/<int:need_id>")
def need(need_id: int) -> ResponseReturnValue:
    """Everything about one need, and the projects that serve it or likely do."""
    return _render(need_id)


def _back(need_id: int) -> ResponseReturnValue:
    return redirect(url_for("portal_needs.need", need_id=need_id), 303)


@page
@blp.route("/needs/<int:need_id>/state", methods=["POST"])
def change_state(need_id: int) -> ResponseReturnValue:
    """Move the need to another state with a note (POST /needs/<id>/state)."""
    form = {k: request.form.get(k, "").strip() for k in ("state", "note")}
    try:
        data = NeedStateSchema().load({"state": form["state"], "note": form["note"] or None})
    except ma.ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        errors = {
            name: [translate(str(m)) for m in problems]
            for name, problems in messages.items()
            if isinstance(problems, list)
        }
        if "state" in errors:
            errors["state"] = [gettext("Choose a state from the list.")]
        return _render(need_id, status=422, errors=errors, form=form)
    try:
        written = need_workflows.set_state(
            get_session(),
            need_id,
            actor=current_actor(),
            state=data["state"],
            note=data.get("note"),
            expected_version=form_int(request.form.get("expected_version")),
            settings=get_settings().coverage,
        )
    except PreconditionFailed as error:
        rollback_request_session()
        return _render(need_id, status=409, errors={"state": [translate(error.message)]}, form=form)
    commit()
    flash(gettext("The need is now: %(state)s.", state=state_title(written.need.state)))
    return _back(need_id)


def _decide(need_id: int, link_id: int, verdict: str) -> ResponseReturnValue:
    session, actor = get_session(), current_actor()
    link = coverage_service.get_link(session, link_id, actor=actor)
    if link.need_id != need_id:
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
        return _back(need_id)
    commit()
    code = link.project.code
    if verdict == "confirm":
        flash(gettext("Project %(code)s is confirmed as serving this need.", code=code))
    else:
        flash(gettext("The suggestion of project %(code)s is rejected.", code=code))
    return _back(need_id)


@page
@blp.route("/needs/<int:need_id>/links/<int:link_id>/confirm", methods=["POST"])
def confirm(need_id: int, link_id: int) -> ResponseReturnValue:
    """Confirm a project suggested for the need (POST /links/<id>/confirm)."""
    return _decide(need_id, link_id, "confirm")


@page
@blp.route("/needs/<int:need_id>/links/<int:link_id>/reject", methods=["POST"])
def reject(need_id: int, link_id: int) -> ResponseReturnValue:
    """Reject a suggestion or withdraw a confirmed link (POST /links/<id>/reject)."""
    return _decide(need_id, link_id, "reject")
