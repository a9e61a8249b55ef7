"""Country indicators from pages: enter one figure, or import a CSV or Excel file of them with
its per-row report; the same services and permissions as PUT /countries/<code>/indicators/...
and POST /indicators/imports."""

from __future__ import annotations

import csv
import io
from typing import Any

import marshmallow as ma
from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, gettext, lazy_gettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from adam.access import page
from adam.auth import permissions
from adam.auth.actor import Actor
from adam.auth.models import Role
from adam.errors import N_, AdamError, Text, flatten_messages
from adam.indicators import catalogue, sheets
from adam.indicators import service as indicators_service
from adam.indicators.schemas import FigureInSchema
from adam.portal.blueprint import portal_blueprint
from adam.portal.forms import form_int
from adam.portal.i18n import localized, translate
from adam.reference import service as reference_service
from adam.session import get_session, rollback_request_session
from adam.uploads import FORM_OVERHEAD
from adam.web import commit, current_actor

blp = portal_blueprint("portal_indicators", __name__)

_SCHEMA = FigureInSchema()
OUTCOMES = {
    "created": lazy_gettext("Created"),
    "updated": lazy_gettext("Updated"),
    "unchanged": lazy_gettext("Unchanged"),
    "error": lazy_gettext("Error"),
    "not_written": lazy_gettext("Not written (other rows have errors)"),
}
# The API schema's own messages with their values filled in, so a page shows them in Russian.
SCHEMA_MESSAGES = (
    N_("Longer than maximum length 300."),
    N_("Longer than maximum length 2000."),
)


@blp.url_value_preprocessor
def _upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Before the sign-in hook's CSRF check reads the body: with the import's limit, not the
    # app's small one for forms.
    if endpoint == "portal_indicators.import_figures" and request.method == "POST":
        request.max_content_length = indicators_service.MAX_FILE_BYTES + FORM_OVERHEAD


def _size() -> str:
    limit = indicators_service.MAX_FILE_BYTES / (1024 * 1024)
    return gettext("%(size)s MB", size=format_decimal(limit, "#,##0.#"))


# --- Enter one figure ---


def _countries(actor: Actor) -> list[tuple[str, str]]:
    """The countries the person may enter figures of: a focal point's own, any for staff."""
    countries = reference_service.list_countries(get_session())
    if actor.role == Role.FOCAL_POINT:
        countries = [c for c in countries if c.code == actor.country_code]
    return sorted(((c.code, localized(c)) for c in countries), key=lambda p: p[1].casefold())


def _render_entry(form: MultiDict[str, str], errors: dict[str, list[str]], status: int) -> Any:
    indicators = [(i.code, translate(i.name_en), _unit(i)) for i in catalogue.CATALOGUE]
    chosen = catalogue.BY_CODE.get(form.get("indicator", "").strip())
    return (
        render_template(
            "portal/indicator_form.html",
            form=form,
            errors=errors,
            countries=_countries(current_actor()),
            indicators=indicators,
            unit=_unit(chosen) if chosen is not None else None,
            first_year=catalogue.FIRST_YEAR,
            last_year=catalogue.last_year(),
        ),
        status,
    )


def _unit(indicator: catalogue.Indicator) -> str:
    return translate(catalogue.UNIT_NAMES[indicator.unit][0])


def _translated(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: [translate(m) for m in messages] for field, messages in errors.items()}


def _check_entry(
    form: MultiDict[str, str],
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The figure the form gives, or each field's problem (the country is checked apart)."""
    errors: dict[str, list[str]] = {}
    found: dict[str, Any] = {}
    code = form.get("indicator", "").strip()
    indicator = catalogue.BY_CODE.get(code)
    if indicator is None:
        errors["indicator"] = [
            gettext("Choose an indicator of the list.")
            if not code
            else gettext("Unknown indicator: %(code)s. Choose one of the list.", code=code[:40])
        ]
    else:
        found["indicator"] = indicator
    year = form_int(form.get("year", "").strip())
    if year is None:
        errors["year"] = [gettext("Give the year as four digits, e.g. 2021.")]
    elif problem := catalogue.year_problem(year):
        errors["year"] = [translate(problem)]
    else:
        found["year"] = year
    body = {
        "value": form.get("value", "").strip(),
        "source": form.get("source", "").strip() or None,
        "note": form.get("note", "").replace("\r\n", "\n").strip() or None,
    }
    # Written as the page shows figures ("1 250,5") or as the API takes them ("1250.5").
    value = catalogue.plain_figure(body["value"] or "")
    if not body["value"]:
        errors["value"] = [gettext('Give the figure, e.g. "1250.5".')]
    elif isinstance(value, Text):
        errors["value"] = [translate(value)]
    else:
        body["value"] = value
        try:
            found.update(_SCHEMA.load(body))
        except ma.ValidationError as error:
            errors.update(_translated(flatten_messages(error.messages)))
    return found, errors


def _saved_message(figure: Any, outcome: str, country: str) -> str:
    indicator = catalogue.BY_CODE[figure.indicator]
    values = {
        "indicator": translate(indicator.name_en),
        "country": country,
        "year": figure.year,
        "value": format_decimal(figure.value),
        "unit": translate(catalogue.UNIT_NAMES[indicator.unit][0]),
    }
    if outcome == "created":
        return gettext("Saved: %(indicator)s, %(country)s, %(year)s: %(value)s %(unit)s.", **values)
    if outcome == "updated":
        return gettext(
            "Replaced: %(indicator)s, %(country)s, %(year)s is now %(value)s %(unit)s; the "
            "earlier figure is kept in its history.",
            **values,
        )
    return gettext(
        "Unchanged: %(indicator)s, %(country)s, %(year)s was already %(value)s %(unit)s.",
        **values,
    )


@page
@blp.route("/indicators/enter", methods=["GET", "POST"])
def enter() -> ResponseReturnValue:
    """Enter or replace one figure of a country's fact sheet (as PUT /countries/<code>/...)."""
    actor = current_actor()
    # Who may enter figures at all; the country is checked against the person's own below.
    permissions.require(actor, "indicator.enter")
    if request.method == "GET":
        return _render_entry(MultiDict({"country": request.args.get("country", "")}), {}, 200)
    form = request.form
    code = form.get("country", "").strip().upper()
    country = reference_service.get_country(get_session(), code) if len(code) == 2 else None
    if country is not None:
        # Refused before anything else is judged: a focal point learns nothing of the rest.
        permissions.require(actor, "indicator.write", country.code)
    found, errors = _check_entry(form)
    if country is None:
        errors["country"] = [gettext("Choose a country of the list.")]
    if errors:
        return _render_entry(form, errors, 422)
    assert country is not None
    try:
        figure, outcome = indicators_service.put_figure(
            get_session(),
            actor=actor,
            country_code=country.code,
            indicator_code=found["indicator"].code,
            year=found["year"],
            value=found["value"],
            source=found.get("source"),
            note=found.get("note"),
        )
    except AdamError as error:
        if error.status == 403:
            raise
        rollback_request_session()
        shown = _translated(error.details) or {"_request": [translate(error.message)]}
        return _render_entry(form, shown, error.status)
    commit()
    flash(_saved_message(figure, outcome, localized(country)))
    return redirect(
        url_for("portal_countries.country", code=country.code, _anchor="indicators-title"), 303
    )


# --- Import a file ---


def _render_import(
    errors: dict[str, list[str]], status: int, report: Any = None, refused: bool = False
) -> Any:
    rows = []
    if report is not None:
        rows = [
            {
                "row": r.row,
                "outcome": r.outcome,
                "label": OUTCOMES[r.outcome],
                # What the file said, where it could not be read.
                "country": r.country or r.given.get("country"),
                "indicator": r.indicator or r.given.get("indicator"),
                "year": r.year if r.year is not None else r.given.get("year"),
                "errors": [translate(e) for e in r.errors],
            }
            for r in report.rows
        ]
    return (
        render_template(
            "portal/indicator_import.html",
            errors=errors,
            report=report,
            rows=rows,
            refused=refused,
            limit=_size(),
            outcomes=OUTCOMES,
            catalogue=[(i.code, str(i.name_en), i.name_ru, _unit(i)) for i in catalogue.CATALOGUE],
            columns=_columns(),
        ),
        status,
    )


def _columns() -> list[tuple[str, str, bool]]:
    """Each column a file may have: its name in the reader's language, in English, whether
    it must be there."""
    return [
        (translate(label), str(label), column in sheets.REQUIRED)
        for column, label in indicators_service.COLUMN_LABELS.items()
    ]


@page
@blp.route("/indicators/import/template.csv")
def import_template() -> ResponseReturnValue:
    """A CSV file with the columns an import reads (named in the reader's language) and one
    example row, to fill in."""
    permissions.require(current_actor(), "indicator.import")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _english, _required in _columns()])
    writer.writerow(["TJ", "seizures_heroin", "2021", "1250.5", "", ""])
    # With a byte order mark, so that Excel opens the Russian names as UTF-8.
    body = "\ufeff" + out.getvalue()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=indicators-template.csv"},
    )


def _too_large() -> dict[str, list[str]]:
    return {
        "file": [gettext("The file is larger than the %(limit)s an import accepts.", limit=_size())]
    }


@blp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    # The body was refused unread: only the form again, with why.
    return _render_import(_too_large(), 413)


@page
@blp.route("/indicators/import", methods=["GET", "POST"])
def import_figures() -> ResponseReturnValue:
    """Import a CSV or Excel file of figures: every row, or none when any row is wrong."""
    actor = current_actor()
    permissions.require(actor, "indicator.import")
    if request.method == "GET":
        return _render_import({}, 200)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_import({"file": [gettext("Choose the CSV or Excel file to import.")]}, 422)
    try:
        report = indicators_service.import_figures(
            get_session(), actor=actor, filename=upload.filename, data=upload.stream.read()
        )
    except indicators_service.ImportRefused as refused:
        rollback_request_session()
        return _render_import({}, 422, refused.report, refused=True)
    except indicators_service.FileTooLarge:
        rollback_request_session()
        return _render_import(_too_large(), 413)
    except AdamError as error:
        if error.status == 403:
            raise
        rollback_request_session()
        messages = error.details.get("file") or [error.message]
        return _render_import({"file": [translate(m) for m in messages]}, error.status)
    commit()
    return _render_import({}, 200, report)
