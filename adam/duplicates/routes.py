"""Alert endpoints: the coordinators' inbox of likely duplicates, and their verdicts; and a
dry-run duplicate check of a registration body."""

from __future__ import annotations

from typing import Any

from adam.access import protected
from adam.api import Blueprint
from adam.duplicates import service
from adam.duplicates.models import DuplicateAlert
from adam.duplicates.schemas import (
    AlertPageSchema,
    AlertQuerySchema,
    AlertSchema,
    DuplicateCheckSchema,
    ResolutionSchema,
)
from adam.idempotency.decorator import idempotent
from adam.paging import page_answer
from adam.projects.schemas import ProjectInSchema
from adam.session import get_session, get_settings, rollback_request_session
from adam.web import commit, current_actor
from adam.workflows import projects as project_workflows
from adam.workflows.projects import Preview

blp = Blueprint("alerts", __name__, description="Duplicate alerts")


@protected
@blp.route("/alerts")
@blp.arguments(AlertQuerySchema, location="query", unknown="raise")
@blp.response(200, AlertPageSchema)
def list_alerts(args: dict[str, Any]) -> dict[str, Any]:
    """Alerts you may see (coordinators: all; focal points: your country; donors: your projects)."""
    filters = service.AlertFilters(
        statuses=tuple(args.get("status", ())),
        resolutions=tuple(args.get("resolution", ())),
        countries=tuple(args.get("country", ())),
        project_id=args.get("project"),
        min_score=args.get("min_score"),
    )
    items, total = service.list_alerts(
        get_session(),
        actor=current_actor(),
        filters=filters,
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/alerts/<int:alert_id>")
@blp.response(200, AlertSchema)
def get_alert(alert_id: int) -> DuplicateAlert:
    """One alert: both projects, the score and the evidence behind it."""
    return service.get_alert(get_session(), alert_id, actor=current_actor())


@protected
@blp.route("/alerts/<int:alert_id>/resolution", methods=["POST"])
@idempotent
@blp.arguments(ResolutionSchema)
@blp.response(200, AlertSchema)
def resolve_alert(data: dict[str, Any], alert_id: int) -> DuplicateAlert:
    """Resolve an alert: duplicate, related or not_duplicate (never alerted again)."""
    alert = service.resolve_alert(
        get_session(),
        alert_id,
        actor=current_actor(),
        resolution=data["resolution"],
        note=data.get("note"),
    )
    commit()
    return alert


@protected
@blp.route("/duplicates/check", methods=["POST"])
# The registration's own body schema, as an instance (webargs would build one per request).
@blp.arguments(ProjectInSchema())
@blp.response(200, DuplicateCheckSchema)
def check_duplicates(data: dict[str, Any]) -> Preview:
    """What registering this body would list as possible duplicates; nothing is saved."""
    try:
        return project_workflows.preview(
            get_session(), actor=current_actor(), data=data, matcher=get_settings().matcher
        )
    finally:
        rollback_request_session()  # nothing of a dry run is ever committed
