"""What an alert announces: the pair side by side, in the shape webhooks and e-mails receive."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from adam import events
from adam.duplicates.models import DuplicateAlert
from adam.projects.models import Project

ALERT_CREATED = "alert.created"


def _project(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "code": project.code,
        "title": project.title,
        "description": project.description,
        "donors": [{"code": o.code, "name": o.name} for o in project.donors],
        "implementers": [{"code": o.code, "name": o.name} for o in project.implementers],
        "countries": [{"code": c.code, "name": c.name_en} for c in project.countries],
        "themes": [{"slug": t.slug, "name": t.name_en} for t in project.themes],
        "status": str(project.status),
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "budget": (
            {"amount": f"{project.budget_amount:.2f}", "currency": project.budget_currency}
            if project.budget_amount is not None
            else None
        ),
        "url": f"/api/v1/projects/{project.id}",
    }


def alert_payload(alert: DuplicateAlert, projects: list[Project] | None = None) -> dict[str, Any]:
    """What subscribers receive; ``projects`` are the alert's two, if the caller has them."""
    pair = projects if projects is not None else alert.projects
    return {
        "alert": {
            "id": alert.id,
            "score": alert.score,
            "status": str(alert.status),
            "created_at": alert.created_at.isoformat().replace("+00:00", "Z"),
            "url": f"/api/v1/alerts/{alert.id}",
            "reasons": [
                {"field": r["field"], "score": r["score"], "detail": r["detail"]}
                for r in alert.reasons
            ],
        },
        # The project that raised the alert first: it is the news.
        "projects": [
            _project(p) for p in sorted(pair, key=lambda p: p.id != alert.raised_by_project_id)
        ],
    }


def announce_alert(
    session: Session, alert: DuplicateAlert, projects: list[Project] | None = None
) -> None:
    events.publish(session, ALERT_CREATED, alert_payload(alert, projects))
