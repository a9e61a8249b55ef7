"""The follow-up report for a meeting of the Policy Consultative Group, as a printable page
and as the API's Excel workbook and PDF: per pillar, each endorsed recommendation with its status,
its linked projects (donors, budgets, periods) and its latest progress note.

All read the query with the API's schema and call ``report.follow_up_report`` as
``GET /api/v1/pact/follow-up`` does.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from adam.access import page
from adam.errors import InvalidInput
from adam.exports.formats import dated_filename, pdf_download, xlsx_download
from adam.pact import report, report_pdf
from adam.pact.schemas import PILLARS, FollowUpQuerySchema
from adam.portal import query
from adam.portal.blueprint import portal_blueprint
from adam.portal.errors import page_for
from adam.portal.i18n import label, language, translate
from adam.portal.views.recommendations import pcg_events, template_helpers
from adam.session import get_session
from adam.web import current_actor

blp = portal_blueprint("portal_follow_up", __name__)

QUERY = FollowUpQuerySchema(exclude=("format",))
TITLES: dict[str, Any] = {
    "event": lazy_gettext("PCG meeting"),
    "pillar": lazy_gettext("Pillar"),
}


def _parse() -> tuple[dict[str, Any], list[str]]:
    try:
        return QUERY.load(query.as_data(QUERY, request.args)), []
    except ma.ValidationError as error:
        found = error.messages if isinstance(error.messages, dict) else {"": error.messages}
        return {}, query.messages(found, TITLES)


def _report(args: dict[str, Any]) -> report.FollowUpReport:
    """:raises InvalidInput: the event is no PCG meeting (see the report)."""
    return report.follow_up_report(
        get_session(), actor=current_actor(), event_id=args.get("event"), pillar=args.get("pillar")
    )


@page
@blp.route("/pact/follow-up")
def follow_up() -> ResponseReturnValue:
    """The printable follow-up report, for one PCG meeting and one pillar if chosen."""
    args, errors = _parse()
    built = None
    if not errors:
        try:
            built = _report(args)
        except InvalidInput as error:
            errors = query.messages(error.details, TITLES) or [translate(error.message)]
    context: dict[str, Any] = {
        "args": args,
        "errors": errors,
        "report": built,
        "events": pcg_events(current_actor()),
        "pillars": PILLARS,
        "chosen_event": request.args.get("event", "").strip(),
        "chosen_pillar": request.args.get("pillar", "").strip(),
        "excel_url": query.url_with(url_for("portal_follow_up.download_xlsx")),
        "pdf_url": query.url_with(url_for("portal_follow_up.download_pdf")),
        **template_helpers(),
    }
    return render_template("portal/follow_up.html", **context), 422 if errors else 200


def _download() -> report.FollowUpReport | ResponseReturnValue:
    """The report the query asks for, or the error page that says why there is none."""
    args, errors = _parse()
    if errors:
        return page_for(422, " ".join(errors))
    try:
        return _report(args)
    except InvalidInput as error:
        return page_for(
            422, " ".join(query.messages(error.details, TITLES)) or translate(error.message)
        )


@page
@blp.route("/pact/follow-up.xlsx")
def download_xlsx() -> ResponseReturnValue:
    """The report as an Excel workbook (the API's file)."""
    built = _download()
    if not isinstance(built, report.FollowUpReport):
        return built
    workbook = report.report_workbook(built, report.Wording(translate, label))
    return xlsx_download(workbook, dated_filename(report.FILE_STEM, "xlsx"))


@page
@blp.route("/pact/follow-up.pdf")
def download_pdf() -> ResponseReturnValue:
    """The report as a PDF (the API's file), in the page's language."""
    built = _download()
    if not isinstance(built, report.FollowUpReport):
        return built
    document = report_pdf.report_pdf(built, report.Wording(translate, label, language()))
    return pdf_download(document, dated_filename(report.FILE_STEM, "pdf"))
