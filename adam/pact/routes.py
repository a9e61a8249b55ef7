"""Paris Pact endpoints: events, recommendations (If-Match on edits), their state, follow-up,
progress notes and history, and the follow-up report for a PCG meeting."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from adam.access import protected
from adam.api import (
    NOT_MODIFIED,
    Blueprint,
    created_headers,
    etag_header,
    if_match,
    if_none_match,
    label,
    language,
    link,
    read_answer,
    translate,
)
from adam.exports.formats import FILE_SCHEMA, dated_filename, pdf_download, xlsx_download
from adam.exports.mediatypes import PDF, XLSX
from adam.idempotency.decorator import idempotent
from adam.pact import report, report_pdf, service
from adam.pact.etag import event_version, recommendation_version
from adam.pact.follow_up import FollowUp
from adam.pact.models import Event, EventHistory, ProgressNote, RecommendationHistory
from adam.pact.schemas import (
    EventHistoryEntrySchema,
    EventInSchema,
    EventListQuerySchema,
    EventOutSchema,
    EventPageSchema,
    EventPatchSchema,
    EventWithdrawSchema,
    FollowUpQuerySchema,
    FollowUpReportSchema,
    FollowUpSchema,
    ProgressNoteInSchema,
    ProgressNoteOutSchema,
    RecommendationDetailSchema,
    RecommendationHistoryEntrySchema,
    RecommendationInSchema,
    RecommendationListQuerySchema,
    RecommendationPageSchema,
    RecommendationPatchSchema,
    RecommendationStateSchema,
)
from adam.paging import page_answer
from adam.session import get_session
from adam.web import commit, current_actor
from adam.workflows import recommendations
from adam.workflows.recommendations import RecommendationWritten
from adam.workflows.schemas import RecommendationWrittenSchema

blp = Blueprint(
    "pact",
    __name__,
    description="The Paris Pact's consultative mechanism: its events, the recommendations "
    "they agree, and their follow-up",
)

EVENT = "/api/v1/events/{event_id}"
RECOMMENDATION = "/api/v1/recommendations/{recommendation_id}"
_EVENT_ID = {"event_id": "$response.body#/id"}
_REC_ID = {"recommendation_id": "$response.body#/id"}
EVENT_LINKS = {
    "GetEvent": link("GET", EVENT, _EVENT_ID),
    "UpdateEvent": link("PATCH", EVENT, {**_EVENT_ID, "header.If-Match": "$response.header.ETag"}),
    "WithdrawEvent": link("POST", EVENT + "/withdraw", _EVENT_ID),
    "EventHistory": link("GET", EVENT + "/history", _EVENT_ID),
}
RECOMMENDATION_LINKS = {
    "GetRecommendation": link("GET", RECOMMENDATION, _REC_ID),
    "UpdateRecommendation": link(
        "PATCH", RECOMMENDATION, {**_REC_ID, "header.If-Match": "$response.header.ETag"}
    ),
    "SetRecommendationState": link("POST", RECOMMENDATION + "/state", _REC_ID),
    "SetFollowUp": link("POST", RECOMMENDATION + "/follow-up", _REC_ID),
    "RecommendationNotes": link("GET", RECOMMENDATION + "/notes", _REC_ID),
    "RecommendationHistory": link("GET", RECOMMENDATION + "/history", _REC_ID),
}
REPORT_ANSWER = (
    "The report as JSON, as an Excel workbook (?format=xlsx) or as a PDF to print (?format=pdf)."
)


# --- Events ---


@protected
@blp.route("/events")
@blp.arguments(EventListQuerySchema, location="query", unknown="raise")
@blp.response(200, EventPageSchema)
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """Find events by kind, pillar, route, country and year, the latest first."""
    items, total = service.search_events(
        get_session(),
        actor=current_actor(),
        filters=service.EventFilters.from_args(args),
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/events", methods=["POST"])
@idempotent
@blp.arguments(EventInSchema())
@blp.response(201, EventOutSchema)
@blp.doc(responses={201: {"links": EVENT_LINKS}})
def create_event(data: dict[str, Any]) -> tuple[Event, int, dict[str, str]]:
    """Register an event of the mechanism (coordinators and administrators)."""
    event = service.create_event(get_session(), actor=current_actor(), data=data)
    commit()
    return event, 201, created_headers(event, f"/api/v1/events/{event.id}")


@protected
@blp.route("/events/<int:event_id>")
@blp.response(200, EventOutSchema)
@blp.alt_response(304, description=NOT_MODIFIED)
@blp.doc(
    parameters=[if_none_match("the event's")],
    responses={200: {"links": EVENT_LINKS}},
)
def get_event(event_id: int) -> tuple[Event, int, dict[str, str]] | Response:
    """Show an event; its ETag is what PATCH expects in If-Match."""
    event = service.get_event(get_session(), event_id, actor=current_actor())
    return read_answer(event, event)


@protected
@blp.route("/events/<int:event_id>", methods=["PATCH"])
@blp.arguments(EventPatchSchema(partial=tuple(EventPatchSchema._declared_fields)))
@blp.response(200, EventOutSchema)
@blp.doc(parameters=[if_match(required=True)])
def update_event(data: dict[str, Any], event_id: int) -> tuple[Event, int, dict[str, str]]:
    """Change an event. Requires If-Match with the ETag of the version you read."""
    version = event_version(request.headers.get("If-Match"), event_id, required=True)
    event = service.update_event(
        get_session(), event_id, actor=current_actor(), changes=data, expected_version=version
    )
    commit()
    return event, 200, etag_header(event)


@protected
@blp.route("/events/<int:event_id>/withdraw", methods=["POST"])
@blp.arguments(EventWithdrawSchema())
@blp.response(200, EventOutSchema)
@blp.doc(parameters=[if_match(required=False)])
def withdraw_event(data: dict[str, Any], event_id: int) -> tuple[Event, int, dict[str, str]]:
    """Withdraw an event: kept, out of the lists; refused while recommendations name it."""
    version = event_version(request.headers.get("If-Match"), event_id, required=False)
    event = service.withdraw_event(
        get_session(),
        event_id,
        actor=current_actor(),
        expected_version=version,
        note=data.get("note"),
    )
    commit()
    return event, 200, etag_header(event)


@protected
@blp.route("/events/<int:event_id>/restore", methods=["POST"])
@blp.response(200, EventOutSchema)
@blp.doc(parameters=[if_match(required=False)])
def restore_event(event_id: int) -> tuple[Event, int, dict[str, str]]:
    """Restore a withdrawn event (coordinators and administrators)."""
    version = event_version(request.headers.get("If-Match"), event_id, required=False)
    event = service.restore_event(
        get_session(), event_id, actor=current_actor(), expected_version=version
    )
    commit()
    return event, 200, etag_header(event)


@protected
@blp.route("/events/<int:event_id>/history")
@blp.response(200, EventHistoryEntrySchema(many=True))
def event_history(event_id: int) -> list[EventHistory]:
    """Every recorded change of an event: who, when, what changed, the note."""
    return service.event_history(get_session(), event_id, actor=current_actor())


# --- Recommendations ---


@protected
@blp.route("/recommendations")
@blp.arguments(RecommendationListQuerySchema, location="query", unknown="raise")
@blp.response(200, RecommendationPageSchema)
def list_recommendations(args: dict[str, Any]) -> dict[str, Any]:
    """Find recommendations by state, pillar, theme, country, route, event, follow-up, words."""
    items, total = service.search_recommendations(
        get_session(),
        actor=current_actor(),
        filters=service.RecommendationFilters.from_args(args),
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/recommendations", methods=["POST"])
@idempotent
@blp.arguments(RecommendationInSchema())
@blp.response(201, RecommendationWrittenSchema)
@blp.doc(responses={201: {"links": RECOMMENDATION_LINKS}})
def create_recommendation(
    data: dict[str, Any],
) -> tuple[RecommendationWritten, int, dict[str, str]]:
    """Register a proposed recommendation (coordinators and administrators); the answer
    lists the projects that likely serve it (stored as suggested links)."""
    written = recommendations.register(get_session(), actor=current_actor(), data=data)
    commit()
    location = f"/api/v1/recommendations/{written.follow_up.id}"
    return written, 201, created_headers(written.follow_up.recommendation, location)


@protected
@blp.route("/recommendations/<int:recommendation_id>")
@blp.response(200, RecommendationDetailSchema)
@blp.doc(responses={200: {"links": RECOMMENDATION_LINKS}})
def get_recommendation(recommendation_id: int) -> tuple[FollowUp, int, dict[str, str]]:
    """Show a recommendation with its linked projects and latest progress note."""
    answer = service.read_recommendation(get_session(), recommendation_id, actor=current_actor())
    return answer, 200, etag_header(answer.recommendation)


@protected
@blp.route("/recommendations/<int:recommendation_id>", methods=["PATCH"])
@blp.arguments(RecommendationPatchSchema(partial=tuple(RecommendationPatchSchema._declared_fields)))
@blp.response(200, RecommendationWrittenSchema)
@blp.doc(parameters=[if_match(required=True)])
def update_recommendation(
    data: dict[str, Any], recommendation_id: int
) -> tuple[RecommendationWritten, int, dict[str, str]]:
    """Change a recommendation. Requires If-Match with the ETag of the version you read."""
    version = recommendation_version(
        request.headers.get("If-Match"), recommendation_id, required=True
    )
    written = recommendations.edit(
        get_session(),
        recommendation_id,
        actor=current_actor(),
        changes=data,
        expected_version=version,
    )
    commit()
    return written, 200, etag_header(written.follow_up.recommendation)


@protected
@blp.route("/recommendations/<int:recommendation_id>/state", methods=["POST"])
@blp.arguments(RecommendationStateSchema())
@blp.response(200, RecommendationWrittenSchema)
@blp.doc(parameters=[if_match(required=False)])
def set_recommendation_state(
    data: dict[str, Any], recommendation_id: int
) -> tuple[RecommendationWritten, int, dict[str, str]]:
    """Set the state: endorsed (by a PCG event), superseded (by another recommendation),
    withdrawn (its deletion), or proposed again."""
    version = recommendation_version(
        request.headers.get("If-Match"), recommendation_id, required=False
    )
    written = recommendations.set_state(
        get_session(),
        recommendation_id,
        actor=current_actor(),
        state=data["state"],
        endorsed_by=data.get("endorsed_by"),
        superseded_by=data.get("superseded_by"),
        note=data.get("note"),
        expected_version=version,
    )
    commit()
    return written, 200, etag_header(written.follow_up.recommendation)


@protected
@blp.route("/recommendations/<int:recommendation_id>/follow-up", methods=["POST"])
@blp.arguments(FollowUpSchema())
@blp.response(200, RecommendationDetailSchema)
@blp.doc(parameters=[if_match(required=False)])
def set_follow_up(
    data: dict[str, Any], recommendation_id: int
) -> tuple[FollowUp, int, dict[str, str]]:
    """Set an endorsed recommendation's follow-up status with a note (coordinators)."""
    version = recommendation_version(
        request.headers.get("If-Match"), recommendation_id, required=False
    )
    session = get_session()
    recommendation = service.set_follow_up(
        session,
        recommendation_id,
        actor=current_actor(),
        status=data["status"],
        note=data["note"],
        expected_version=version,
    )
    commit()
    answer = service.describe(session, recommendation)
    return answer, 200, etag_header(answer.recommendation)


@protected
@blp.route("/recommendations/<int:recommendation_id>/history")
@blp.response(200, RecommendationHistoryEntrySchema(many=True))
def recommendation_history(recommendation_id: int) -> list[RecommendationHistory]:
    """Every recorded change of a recommendation: who, when, what changed, the note."""
    return service.recommendation_history(get_session(), recommendation_id, actor=current_actor())


@protected
@blp.route("/recommendations/<int:recommendation_id>/notes")
@blp.response(200, ProgressNoteOutSchema(many=True))
def progress_notes(recommendation_id: int) -> list[ProgressNote]:
    """The progress notes on a recommendation, the latest day first."""
    return service.progress_notes(get_session(), recommendation_id, actor=current_actor())


@protected
@blp.route("/recommendations/<int:recommendation_id>/notes", methods=["POST"])
@idempotent
@blp.arguments(ProgressNoteInSchema())
@blp.response(201, ProgressNoteOutSchema)
def add_progress_note(
    data: dict[str, Any], recommendation_id: int
) -> tuple[ProgressNote, int, dict[str, str]]:
    """Note progress on a recommendation (focal points, liaison officers, coordinators)."""
    note = service.add_progress_note(
        get_session(),
        recommendation_id,
        actor=current_actor(),
        noted_on=data["noted_on"],
        text=data["text"],
    )
    commit()
    location = f"/api/v1/recommendations/{recommendation_id}/notes"
    return note, 201, {"Location": location}


# --- The follow-up report ---


@protected
@blp.route("/pact/follow-up")
@blp.arguments(FollowUpQuerySchema, location="query", unknown="raise")
@blp.response(200, FollowUpReportSchema, description=REPORT_ANSWER)
@blp.alt_response(
    200, content_type=XLSX, schema=FILE_SCHEMA, description=REPORT_ANSWER, success=True
)
@blp.alt_response(
    200, content_type=PDF, schema=FILE_SCHEMA, description=REPORT_ANSWER, success=True
)
def follow_up_report(args: dict[str, Any]) -> dict[str, Any] | Response:
    """Per pillar, each endorsed recommendation with its status, linked projects, their
    donors and budgets, and the latest progress note."""
    built = report.follow_up_report(
        get_session(), actor=current_actor(), event_id=args.get("event"), pillar=args.get("pillar")
    )
    if args["format"] == "xlsx":
        workbook = report.report_workbook(built, report.Wording(translate, label))
        return xlsx_download(workbook, dated_filename(report.FILE_STEM, "xlsx"))
    if args["format"] == "pdf":
        document = report_pdf.report_pdf(built, report.Wording(translate, label, language()))
        return pdf_download(document, dated_filename(report.FILE_STEM, "pdf"))
    return report.report_answer(built)
