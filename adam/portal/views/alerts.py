"""The duplicate alert inbox: the alerts one may see, one alert's two projects side by side,
and coordinators' verdicts, one at a time or for every checked alert of the list.

The pages call the same service functions as ``/api/v1/alerts`` (``adam.duplicates.routes``):
``list_alerts`` (which refuses viewers), ``get_alert`` and ``resolve_alert``.

A bulk verdict is all or nothing: the checked alerts are resolved in one transaction, and if
any of them cannot be (it was resolved meanwhile, or no longer exists) none is, and the
message names each one that failed, so the reader can reload the list and choose again.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, format_decimal, gettext, lazy_gettext

from adam.access import page
from adam.auth import permissions
from adam.db import utcnow
from adam.duplicates import service
from adam.duplicates.models import DuplicateAlert
from adam.duplicates.schemas import RESOLUTIONS, AlertQuerySchema, ResolutionSchema
from adam.errors import Conflict, InvalidInput, NotFound
from adam.paging import page_count
from adam.portal import signin
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.highlight import highlight, shared_words
from adam.portal.i18n import label, localized
from adam.reference import service as reference_service
from adam.session import get_session, rollback_request_session
from adam.web import commit, current_actor

# A bulk resolution is one transaction; a list page shows at most this many alerts.
BULK_LIMIT = 100

blp = portal_blueprint("portal_alerts", __name__)

# The list's query, as the page's form and links write it (the API's names and values).
FILTERS = ("status", "resolution", "country", "min_score", "sort", "page", "per_page")
SORTS = (("-created_at", lazy_gettext("Newest first")), ("-score", lazy_gettext("Highest score")))
# The matcher's evidence, by the field its reasons name (adam/matching/explain.py).
REASON_FIELDS: dict[str, Any] = {
    "title": lazy_gettext("Title"),
    "title_conflict": lazy_gettext("Titles that differ"),
    "description": lazy_gettext("Description"),
    "organizations": lazy_gettext("Organizations"),
    "countries": lazy_gettext("Countries"),
    "dates": lazy_gettext("Period"),
    "budget": lazy_gettext("Budget"),
    "themes": lazy_gettext("Themes"),
    "phase": lazy_gettext("Phase"),
    "years": lazy_gettext("Years"),
    "iati_identifier": lazy_gettext("IATI identifier"),
}


def reason_field(code: str) -> str:
    found = REASON_FIELDS.get(code)
    return str(found) if found is not None else code


def _query() -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """The list's query from the URL: what the form shows, what the service takes, errors."""
    shown = {name: request.args.get(name, "").strip() for name in FILTERS}
    given = {name: value for name, value in shown.items() if value}
    try:
        args = AlertQuerySchema().load(given, unknown=ma.EXCLUDE)
    except ma.ValidationError as error:
        fields = error.messages if isinstance(error.messages, dict) else {}
        errors = {name: [gettext("Check this value.")] for name in fields}
        valid = {name: value for name, value in given.items() if name not in errors}
        return shown, AlertQuerySchema().load(valid, unknown=ma.EXCLUDE), errors
    return shown, args, {}


def _age(alert: DuplicateAlert) -> int:
    """Days since the alert was raised."""
    created = alert.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        return max((utcnow().replace(tzinfo=None) - created).days, 0)
    return max((utcnow() - created).days, 0)


@page
@blp.route("/alerts")
def inbox() -> ResponseReturnValue:
    """The alerts one may see, with filters, a sort and pages; staff resolve checked ones."""
    actor = current_actor()
    shown, args, errors = _query()
    filters = service.AlertFilters(
        statuses=tuple(args.get("status", ())),
        resolutions=tuple(args.get("resolution", ())),
        countries=tuple(args.get("country", ())),
        min_score=args.get("min_score"),
    )
    session = get_session()
    alerts, total = service.list_alerts(
        session,
        actor=actor,
        filters=filters,
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    query = {k: v for k, v in shown.items() if v and k != "page" and k not in errors}
    pages = page_count(total, args["per_page"])
    return render_template(
        "portal/alerts.html",
        alerts=alerts,
        ages={alert.id: _age(alert) for alert in alerts},
        total=total,
        page=args["page"],
        pages=pages,
        query=query,
        shown=shown,
        errors=errors,
        sorts=SORTS,
        resolutions=RESOLUTIONS,
        # By name in the reader's language, named once each.
        countries=sorted((localized(c), c.code) for c in reference_service.list_countries(session)),
        may_resolve=permissions.allowed(actor, "alert.resolve"),
        format_decimal=format_decimal,
    ), (422 if errors else 200)


def _verdict() -> dict[str, Any] | None:
    """The posted resolution and note, checked as the API checks them; None if wrong."""
    try:
        verdict: dict[str, Any] = ResolutionSchema().load(
            {"resolution": request.form.get("resolution", ""), "note": request.form.get("note")}
        )
    except ma.ValidationError:
        return None
    return verdict


@page
@blp.route("/alerts/resolve", methods=["POST"])
def resolve_checked() -> ResponseReturnValue:
    """Resolve every checked alert of the list at once, or none of them."""
    actor = current_actor()
    back = signin.safe_next(request.form.get("next"), url_for("portal_alerts.inbox"))
    permissions.require(actor, "alert.resolve")
    verdict = _verdict()
    ids = sorted({n for v in request.form.getlist("alert") if (n := form_int(v)) is not None})
    if len(ids) > BULK_LIMIT:
        flash(gettext("Resolve at most %(n)s alerts at once.", n=BULK_LIMIT))
        return redirect(back, 303)
    if verdict is None:
        flash(gettext("Choose a resolution."))
        return redirect(back, 303)
    if not ids:
        flash(gettext("Check at least one alert."))
        return redirect(back, 303)
    session = get_session()
    failures: list[str] = []
    for alert_id in ids:
        try:
            service.resolve_alert(
                session,
                alert_id,
                actor=actor,
                resolution=verdict["resolution"],
                note=verdict.get("note") or None,
                only_open=True,
            )
        except Conflict:
            failures.append(gettext("alert %(id)s was resolved meanwhile", id=alert_id))
        except (NotFound, InvalidInput):
            failures.append(gettext("alert %(id)s does not exist", id=alert_id))
    if failures:
        rollback_request_session()
        flash(
            gettext("No alert was resolved: %(reasons)s.", reasons="; ".join(failures))
            + " "
            + gettext("Reload the list and choose again.")
        )
        return redirect(back, 303)
    commit()
    flash(
        gettext(
            "Alerts resolved as “%(resolution)s”: %(count)s.",
            count=len(ids),
            resolution=label(verdict["resolution"]),
        )
    )
    return redirect(back, 303)


def _side_by_side(alert: DuplicateAlert) -> dict[str, Any]:
    """What the two projects share: words of the title and description, and codes."""
    a, b = alert.project_a, alert.project_b

    def common(values_a: list[Any], values_b: list[Any], key: str) -> set[Any]:
        return {getattr(v, key) for v in values_a} & {getattr(v, key) for v in values_b}

    titles = shared_words(a.title, b.title)
    descriptions = shared_words(a.description, b.description)
    return {
        "titles": [highlight(p.title, titles) for p in (a, b)],
        "descriptions": [highlight(p.description, descriptions) for p in (a, b)],
        "donors": common(a.donors, b.donors, "id"),
        "implementers": common(a.implementers, b.implementers, "id"),
        "countries": common(a.countries, b.countries, "code"),
        "themes": common(a.themes, b.themes, "slug"),
    }


@page
@blp.route("/alerts/<int:alert_id>")
def alert(alert_id: int) -> ResponseReturnValue:
    """One alert: its two projects side by side, shared words marked, and the evidence."""
    actor = current_actor()
    found = service.get_alert(get_session(), alert_id, actor=actor)
    return render_template(
        "portal/alert.html",
        alert=found,
        shared=_side_by_side(found),
        reasons=sorted(found.reasons, key=lambda r: -abs(r.get("contribution") or 0.0)),
        reason_field=reason_field,
        resolutions=RESOLUTIONS,
        may_resolve=permissions.allowed(actor, "alert.resolve"),
        format_decimal=format_decimal,
        format_date=format_date,
        format_datetime=format_datetime,
    ), 200


@page
@blp.route("/alerts/<int:alert_id>/resolution", methods=["POST"])
def resolve(alert_id: int) -> ResponseReturnValue:
    """Resolve one alert as duplicate, related or not a duplicate, with a note."""
    actor = current_actor()
    verdict = _verdict()
    if verdict is None:
        permissions.require(actor, "alert.resolve")
        flash(gettext("Choose a resolution."))
        return redirect(url_for("portal_alerts.alert", alert_id=alert_id), 303)
    service.resolve_alert(
        get_session(),
        alert_id,
        actor=actor,
        resolution=verdict["resolution"],
        note=verdict.get("note") or None,
    )
    commit()
    flash(
        gettext(
            "Alert %(id)s resolved as “%(resolution)s”.",
            id=alert_id,
            resolution=label(verdict["resolution"]),
        )
    )
    return redirect(url_for("portal_alerts.alert", alert_id=alert_id), 303)
