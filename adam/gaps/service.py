"""The gap and overlap view: the cells of the matrix that the filters keep, and the needs,
recommendations and projects behind one cell.

``cells`` says what a cell counts, ``figures`` reads the figures from the database and
``matrix`` keeps them per process, up to date with each write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from adam.db import utcnow
from adam.errors import N_, InvalidInput
from adam.gaps.cells import OPEN_NEED_STATES, PRIORITIES, By, Cell, Matrix, active_projects
from adam.gaps.figures import assisted_needs, assisted_recommendations, compute_matrix
from adam.gaps.matrix import clear_cache, matrix
from adam.needs.models import PRIORITY_RANK, Need, need_theme
from adam.pact.models import (
    Recommendation,
    RecommendationState,
    recommendation_country,
    recommendation_theme,
)
from adam.projects.models import Project, ProjectOrganization, project_country, project_theme
from adam.reference import refusals
from adam.reference import service as reference_service
from adam.reference.models import Country, Pillar, Region, Theme

__all__ = [
    "OPEN_NEED_STATES",
    "PRIORITIES",
    "By",
    "Cell",
    "CellDetail",
    "GapFilters",
    "GapView",
    "Matrix",
    "assisted_needs",
    "assisted_recommendations",
    "cell_detail",
    "clear_cache",
    "compute_matrix",
    "gap_view",
    "matrix",
]
# Projects listed by a cell's drill-through at most (the cell's figures count them all).
MAX_CELL_PROJECTS = 1000


@dataclass(frozen=True, slots=True)
class GapFilters:
    countries: Sequence[str] = ()
    region: str | None = None
    themes: Sequence[str] = ()
    pillar: str | None = None


@dataclass(slots=True)
class GapView:
    matrix: Matrix
    cells: list[Cell]
    overlap_donors: int

    @property
    def currencies(self) -> list[str]:
        return sorted({c for cell in self.cells for c in (*cell.budget, *cell.need_cost)})


@dataclass(frozen=True, slots=True)
class Picked:
    countries: set[str] | None
    columns: set[str] | None
    regional: bool


def _pick(session: Session, by: By, filters: GapFilters) -> Picked:
    """The countries and columns the filters keep.

    :raises InvalidInput: an unknown country or theme (with the nearest known ones), a theme
        and a pillar together, or a theme filter on the pillar view.
    """
    errors: dict[str, list[str]] = {}
    known = refusals.KnownCodes(session)
    countries: set[str] | None = None
    if filters.countries:
        found = reference_service.countries_by_code(session, filters.countries)
        if unknown := refusals.unknown_codes("country", filters.countries, found, known=known):
            errors["country"] = unknown
        countries = set(found)
    if filters.region:
        in_region = set(
            session.scalars(select(Country.code).where(Country.region == Region(filters.region)))
        )
        countries = in_region if countries is None else countries & in_region
    columns: set[str] | None = None
    if filters.themes and filters.pillar:
        errors["pillar"] = [N_("Filter by theme or by pillar, not both.")]
    elif filters.themes:
        if by == "pillar":
            errors["theme"] = [
                N_("The pillar view is filtered by pillar; filter by theme with by=theme.")
            ]
        themes = reference_service.themes_by_slug(session, filters.themes)
        if unknown := refusals.unknown_codes("theme", filters.themes, themes, known=known):
            errors.setdefault("theme", []).extend(unknown)
        columns = set(themes)
    elif filters.pillar:
        if by == "pillar":
            columns = {filters.pillar}
        else:
            columns = set(
                session.scalars(select(Theme.slug).where(Theme.pillar == Pillar(filters.pillar)))
            )
    if errors:
        raise InvalidInput(N_("The filters name things that do not exist."), errors)
    return Picked(countries, columns, regional=countries is None)


def gap_view(
    session: Session,
    *,
    by: By,
    filters: GapFilters,
    overlap_donors: int,
    today: dt.date | None = None,
    cache: bool = True,
) -> GapView:
    """The cells the filters keep, countries in order, then the regional row.

    :raises InvalidInput: see ``_pick``.
    """
    picked = _pick(session, by, filters)
    found = matrix(session, by=by, today=today, cache=cache)
    cells = [
        cell
        for (country, column), cell in found.cells.items()
        if (picked.columns is None or column in picked.columns)
        and (
            (country is None and picked.regional)
            or (country is not None and (picked.countries is None or country in picked.countries))
        )
    ]
    cells.sort(key=lambda c: (c.country is None, c.country or "", c.column))
    return GapView(found, cells, overlap_donors)


# ---------------------------------------------------------------------------------------
# One cell's drill-through


@dataclass(slots=True)
class CellDetail:
    view: GapView
    cell: Cell
    needs: list[tuple[Need, bool]]
    recommendations: list[tuple[Recommendation, bool]]
    projects: list[Project]


def _cell_themes(session: Session, theme: str | None, pillar: str | None) -> list[int]:
    if theme is not None:
        return list(session.scalars(select(Theme.id).where(Theme.slug == theme.lower())))
    assert pillar is not None
    return list(session.scalars(select(Theme.id).where(Theme.pillar == Pillar(pillar))))


def cell_detail(
    session: Session,
    *,
    country: str | None,
    theme: str | None,
    pillar: str | None,
    overlap_donors: int,
    limit: int = 100,
    today: dt.date | None = None,
) -> CellDetail:
    """The needs, recommendations and projects behind one cell, with its figures.

    ``country`` None is the regional row: recommendations naming no country.

    :raises InvalidInput: an unknown country or theme, both theme and pillar, or neither.
    """
    today = today or utcnow().date()
    if (theme is None) == (pillar is None):
        raise InvalidInput(
            N_("Name the cell's column: a theme or a pillar, not both."),
            {"theme": [N_("Give theme or pillar (one of them).")]},
        )
    by: By = "theme" if theme is not None else "pillar"
    filters = GapFilters(
        countries=[country] if country else (), themes=[theme] if theme else (), pillar=pillar
    )
    view = gap_view(session, by=by, filters=filters, overlap_donors=overlap_donors, today=today)
    column = theme.lower() if theme is not None else str(pillar)
    code = country.upper() if country else None
    cell = next(
        (c for c in view.cells if c.country == code and c.column == column), Cell(code, column)
    )
    theme_ids = _cell_themes(session, theme, pillar)
    needs: list[tuple[Need, bool]] = []
    projects: list[Project] = []
    if code is not None:
        assisted = assisted_needs(session, today)
        found_needs = session.scalars(
            select(Need)
            .where(
                Need.country_code == code,
                Need.state.in_(OPEN_NEED_STATES),
                Need.id.in_(
                    select(need_theme.c.need_id).where(need_theme.c.theme_id.in_(theme_ids))
                ),
            )
            .order_by(PRIORITY_RANK, Need.id)
        )
        needs = [(n, n.id in assisted) for n in found_needs]
        projects = list(
            session.scalars(
                select(Project)
                .where(
                    *active_projects(today),
                    Project.id.in_(
                        select(project_country.c.project_id).where(
                            project_country.c.country_code == code
                        )
                    ),
                    Project.id.in_(
                        select(project_theme.c.project_id).where(
                            project_theme.c.theme_id.in_(theme_ids)
                        )
                    ),
                )
                .options(
                    selectinload(Project.participations).joinedload(
                        ProjectOrganization.organization
                    )
                )
                .order_by(Project.id)
                .limit(min(limit, MAX_CELL_PROJECTS))
            )
        )
    named = select(recommendation_country.c.recommendation_id)
    in_country = (
        Recommendation.id.in_(named.where(recommendation_country.c.country_code == code))
        if code is not None
        else Recommendation.id.not_in(named)
    )
    assisted_recs = assisted_recommendations(session, today)
    found_recs = session.scalars(
        select(Recommendation)
        .where(
            Recommendation.state == RecommendationState.ENDORSED,
            in_country,
            Recommendation.id.in_(
                select(recommendation_theme.c.recommendation_id).where(
                    recommendation_theme.c.theme_id.in_(theme_ids)
                )
            ),
        )
        .order_by(Recommendation.code)
    )
    recommendations = [(r, r.id in assisted_recs) for r in found_recs]
    return CellDetail(view, cell, needs, recommendations, projects)
