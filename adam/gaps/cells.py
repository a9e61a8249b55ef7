"""What a cell of the gap and overlap matrix holds, and the definitions its figures follow.

Definitions, said once here:

- An **active project** is live (not withdrawn), in status pipeline, implementation or
  finalisation, and has no end date or one not before today (``active_projects``).
- An **open need** is in state open or partly met. A need or a recommendation is *assisted*
  when a project confirmed-linked to it (``CoverageLink`` in state confirmed) is active.
- A **gap** is a high-priority open need, or an endorsed recommendation, that is not assisted.
- An **overlap** is a cell where at least ``GAP_OVERLAP_DONORS`` (default 2) distinct donors fund
  active projects, and at least two of those projects have a donor: one co-funded project
  alone is not several efforts on one thing. The cell also counts the open duplicate alerts
  between two of its projects.
- A recommendation naming no country counts in one separate *regional* row (country null),
  not in every country's; the country and region filters leave that row out.

A project, need or recommendation with several countries or themes counts once in each of its
cells, whole (budgets and costs are summed per currency, without conversion); in a pillar's
column each counts once even when several of its themes fall in that pillar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import false, or_
from sqlalchemy.sql import ColumnElement

from adam.needs.models import NeedState, Priority
from adam.projects.models import Project, ProjectStatus

By = Literal["theme", "pillar"]
ACTIVE_STATUSES = (
    ProjectStatus.PIPELINE,
    ProjectStatus.IMPLEMENTATION,
    ProjectStatus.FINALISATION,
)
OPEN_NEED_STATES = (NeedState.OPEN, NeedState.PARTLY_MET)
PRIORITIES = tuple(p.value for p in Priority)
# Distinct donor-funded projects a cell needs, with enough donors, to be an overlap.
OVERLAP_PROJECTS = 2

CellKey = tuple[str | None, str]


def active_projects(today: dt.date) -> list[ColumnElement[bool]]:
    """The conditions on ``project`` rows of an active project (see the module's definitions)."""
    return [
        Project.withdrawn_at.is_(None),
        Project.status.in_(ACTIVE_STATUSES),
        or_(Project.end_date.is_(None), Project.end_date >= today),
    ]


def active_facts(fact: Any, today: dt.date) -> list[ColumnElement[bool]]:
    """The same conditions on ``project_fact`` rows, which copy the project's columns."""
    return [
        fact.c.withdrawn.is_(false()),
        fact.c.status.in_([s.value for s in ACTIVE_STATUSES]),
        or_(fact.c.end_date.is_(None), fact.c.end_date >= today),
    ]


@dataclass(slots=True)
class Cell:
    country: str | None  # None: the regional row (recommendations naming no country)
    column: str  # a theme's slug or a pillar
    needs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PRIORITIES, 0))
    need_cost: dict[str, Decimal] = field(default_factory=dict)
    unassisted_high_needs: int = 0
    projects: int = 0
    budget: dict[str, Decimal] = field(default_factory=dict)
    budget_projects: dict[str, int] = field(default_factory=dict)
    donors: int = 0
    funded_projects: int = 0  # active projects with at least one donor
    recommendations: int = 0
    unassisted_recommendations: int = 0
    duplicate_alerts: int = 0

    @property
    def open_needs(self) -> int:
        return sum(self.needs.values())

    @property
    def gaps(self) -> int:
        return self.unassisted_high_needs + self.unassisted_recommendations

    def overlap(self, donors: int) -> bool:
        return self.donors >= donors and self.funded_projects >= OVERLAP_PROJECTS


@dataclass(slots=True)
class Matrix:
    by: By
    as_of: dt.date
    cells: dict[CellKey, Cell]
    countries: dict[str, dict[str, Any]]  # code -> label, with its region
    columns: dict[str, dict[str, Any]]  # slug or pillar -> label


def cell_of(cells: dict[CellKey, Cell], country: str | None, column: str) -> Cell:
    found = cells.get((country, column))
    if found is None:
        found = cells[(country, column)] = Cell(country, column)
    return found
