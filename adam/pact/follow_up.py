"""What a recommendation's follow-up shows: its confirmed linked projects (budgets, periods,
donors) and its latest progress note, read for one recommendation or for many at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from adam.coverage.models import CoverageLink, LinkState
from adam.pact.models import ProgressNote, Recommendation
from adam.projects.models import Project, ProjectOrganization


@dataclass(frozen=True, slots=True)
class LinkedProject:
    """A project a person confirmed as serving a recommendation, as the follow-up shows it."""

    id: int
    code: str
    title: str
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    budget_amount: Decimal | None
    budget_currency: str | None
    donors: tuple[tuple[str, str], ...]  # (code, name)

    @property
    def budget(self) -> dict[str, str] | None:
        if self.budget_amount is None:
            return None
        return {"amount": f"{self.budget_amount:.2f}", "currency": self.budget_currency or ""}

    @property
    def donor_refs(self) -> list[dict[str, str]]:
        return [{"code": code, "name": name} for code, name in self.donors]

    @property
    def url(self) -> str:
        return f"/api/v1/projects/{self.id}"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A recommendation with the projects serving it and its latest note; it reads as its
    recommendation too (``follow_up.code``), so one schema dumps both."""

    recommendation: Recommendation
    projects: list[LinkedProject] = field(default_factory=list)
    latest_note: ProgressNote | None = None

    def __getattr__(self, name: str) -> Any:
        if name == "recommendation":  # not set yet (a copy being built): no recursion
            raise AttributeError(name)
        return getattr(self.recommendation, name)

    @property
    def budgets(self) -> dict[str, Decimal]:
        """The projects' budgets summed per currency (never converted)."""
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for project in self.projects:
            if project.budget_amount is not None and project.budget_currency:
                sums[project.budget_currency] += project.budget_amount
        return dict(sorted(sums.items()))

    @property
    def budget_list(self) -> list[dict[str, str]]:
        return [{"currency": c, "amount": f"{a:.2f}"} for c, a in self.budgets.items()]


def _linked(project: Project) -> LinkedProject:
    return LinkedProject(
        id=project.id,
        code=project.code,
        title=project.title,
        status=str(project.status),
        start_date=project.start_date,
        end_date=project.end_date,
        budget_amount=project.budget_amount,
        budget_currency=project.budget_currency,
        donors=tuple((o.code, o.name) for o in project.donors),
    )


def linked_projects(
    session: Session, recommendation_ids: Sequence[int]
) -> dict[int, list[LinkedProject]]:
    """The confirmed, not withdrawn projects linked to each recommendation, by title."""
    found: dict[int, list[LinkedProject]] = {rid: [] for rid in recommendation_ids}
    if not recommendation_ids:
        return found
    rows = session.execute(
        select(CoverageLink.recommendation_id, Project)
        .join(Project, Project.id == CoverageLink.project_id)
        .where(
            CoverageLink.recommendation_id.in_(list(recommendation_ids)),
            CoverageLink.state == LinkState.CONFIRMED,
            Project.withdrawn_at.is_(None),
        )
        .options(selectinload(Project.participations).joinedload(ProjectOrganization.organization))
        .order_by(Project.title, Project.id)
    )
    for recommendation_id, project in rows.unique():
        if recommendation_id is not None:  # the query names recommendations only
            found[recommendation_id].append(_linked(project))
    return found


def latest_notes(session: Session, recommendation_ids: Sequence[int]) -> dict[int, ProgressNote]:
    """Each recommendation's latest progress note (latest day spoken of, then latest typed)."""
    latest: dict[int, ProgressNote] = {}
    if not recommendation_ids:
        return latest
    notes = session.scalars(
        select(ProgressNote)
        .where(
            ProgressNote.recommendation_id.in_(list(recommendation_ids)),
            ProgressNote.withdrawn_at.is_(None),
        )
        .order_by(ProgressNote.noted_on, ProgressNote.id)
    )
    for note in notes:
        latest[note.recommendation_id] = note
    return latest


def follow_ups(session: Session, recommendations: Iterable[Recommendation]) -> list[FollowUp]:
    """The follow-up of each recommendation, in the order given."""
    recs = list(recommendations)
    ids = [r.id for r in recs]
    projects = linked_projects(session, ids)
    notes = latest_notes(session, ids)
    return [FollowUp(r, projects.get(r.id, []), notes.get(r.id)) for r in recs]
