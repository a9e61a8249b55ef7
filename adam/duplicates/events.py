"""What an alert announces: the pair side by side, in the shape webhooks and e-mails receive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from adam import events
from adam.projects.models import Project

ALERT_CREATED = "alert.created"


def notice(
    *,
    id: int,
    code: str,
    title: str,
    description: str | None,
    donors: Sequence[tuple[str, str]],
    implementers: Sequence[tuple[str, str]],
    countries: Sequence[tuple[str, str]],
    themes: Sequence[tuple[str, str]],
    status: str,
    start_date: dt.date | None,
    end_date: dt.date | None,
    budget_amount: Decimal | None,
    budget_currency: str | None,
) -> dict[str, Any]:
    """One project as an alert shows it; codes and names come as (code, name) pairs."""
    return {
        "id": id,
        "code": code,
        "title": title,
        "description": description,
        "donors": [{"code": c, "name": n} for c, n in donors],
        "implementers": [{"code": c, "name": n} for c, n in implementers],
        "countries": [{"code": c, "name": n} for c, n in countries],
        "themes": [{"slug": s, "name": n} for s, n in themes],
        "status": str(status),
        "start_date": start_date.isoformat() if start_date else None,
        "end_date": end_date.isoformat() if end_date else None,
        "budget": (
            {"amount": f"{budget_amount:.2f}", "currency": budget_currency}
            if budget_amount is not None
            else None
        ),
        "url": f"/api/v1/projects/{id}",
    }


def project_notice(project: Project) -> dict[str, Any]:
    return notice(
        id=project.id,
        code=project.code,
        title=project.title,
        description=project.description,
        donors=[(o.code, o.name) for o in project.donors],
        implementers=[(o.code, o.name) for o in project.implementers],
        countries=[(c.code, c.name_en) for c in project.countries],
        themes=[(t.slug, t.name_en) for t in project.themes],
        status=project.status,
        start_date=project.start_date,
        end_date=project.end_date,
        budget_amount=project.budget_amount,
        budget_currency=project.budget_currency,
    )


def payload(
    *,
    alert_id: int,
    score: float,
    created_at: dt.datetime,
    reasons: Sequence[dict[str, Any]],
    raised_by: dict[str, Any],
    other: dict[str, Any],
    status: str = "open",
) -> dict[str, Any]:
    """The alert and its two projects, the one that raised it first: it is the news."""
    return {
        "alert": {
            "id": alert_id,
            "score": score,
            "status": status,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "url": f"/api/v1/alerts/{alert_id}",
            "reasons": [
                {"field": r["field"], "score": r["score"], "detail": r["detail"]} for r in reasons
            ],
        },
        "projects": [raised_by, other],
    }


def announce(session: Session, documents: Sequence[dict[str, Any]]) -> None:
    events.publish_many(session, ALERT_CREATED, documents)
