"""Project filters as data, and the SQL they become (shared by the list, the tables and exports)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from adam.errors import N_, InvalidInput
from adam.projects.models import (
    OrganizationRole,
    Project,
    ProjectOrganization,
    project_country,
    project_theme,
)
from adam.reference import refusals
from adam.reference import service as reference_service


@dataclass(frozen=True, slots=True)
class ProjectFilters:
    countries: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    donors: tuple[str, ...] = ()
    implementers: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    active_on: dt.date | None = None
    start_from: dt.date | None = None
    end_to: dt.date | None = None
    year: int | None = None
    q: str | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    currency: str | None = None
    withdrawn: bool = False

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> ProjectFilters:
        return cls(
            countries=tuple(args.get("country", ())),
            themes=tuple(args.get("theme", ())),
            donors=tuple(args.get("donor", ())),
            implementers=tuple(args.get("implementer", ())),
            statuses=tuple(args.get("status", ())),
            active_on=args.get("active_on"),
            start_from=args.get("start_from"),
            end_to=args.get("end_to"),
            year=args.get("year"),
            q=args.get("q") or None,
            budget_min=args.get("budget_min"),
            budget_max=args.get("budget_max"),
            currency=args.get("currency"),
            withdrawn=bool(args.get("withdrawn", False)),
        )


def this_year() -> int:
    """The year up to which a project without an end date is taken to run."""
    return dt.date.today().year


def search_words(text: str) -> list[str]:
    return [w for w in fold(text).split() if w]


def fold(text: str) -> str:
    """Case-fold for search in Python, so Cyrillic matches on SQLite as on PostgreSQL."""
    return text.casefold()


def _link_filters(
    dialect: str, country_codes: list[str] | None, theme_ids: list[int] | None
) -> list[Any]:
    """Conditions on project ids by country and theme.

    On SQLite the two link tables are joined first, so only projects matching both are looked
    up in the (wide) project table; two IN lists made it read every project of the country.
    PostgreSQL plans two IN lists well (bitmap AND) and the joined form worse (measured at
    100k projects: bench/RESULTS.md), so it keeps them.
    """
    by_country = (
        select(project_country.c.project_id).where(
            project_country.c.country_code.in_(country_codes)
        )
        if country_codes is not None
        else None
    )
    by_theme = (
        select(project_theme.c.project_id).where(project_theme.c.theme_id.in_(theme_ids))
        if theme_ids is not None
        else None
    )
    if by_country is None or by_theme is None or dialect != "sqlite":
        return [Project.id.in_(q) for q in (by_country, by_theme) if q is not None]
    assert country_codes is not None and theme_ids is not None
    joined = (
        select(project_country.c.project_id)
        .join(project_theme, project_theme.c.project_id == project_country.c.project_id)
        .where(
            project_country.c.country_code.in_(country_codes),
            project_theme.c.theme_id.in_(theme_ids),
        )
    )
    return [Project.id.in_(joined)]


@dataclass(frozen=True, slots=True)
class FilterReferences:
    """What the filters name, looked up: None where a filter is not given."""

    country_codes: list[str] | None
    theme_ids: list[int] | None
    donor_ids: list[int] | None
    implementer_ids: list[int] | None


def filter_references(session: Session, filters: ProjectFilters) -> FilterReferences:
    """The countries, themes and organizations the filters name.

    :raises InvalidInput: when a filter names a country, theme or organization that does not exist,
        since an empty answer would look like "nobody works there".
    """
    errors: dict[str, list[str]] = {}
    known = refusals.KnownCodes(session)
    country_codes: list[str] | None = None
    theme_ids: list[int] | None = None
    if filters.countries:
        found = reference_service.countries_by_code(session, filters.countries)
        if unknown := refusals.unknown_codes("country", filters.countries, found, known=known):
            errors["country"] = unknown
        country_codes = list(found)
    if filters.themes:
        themes = reference_service.themes_by_slug(session, filters.themes)
        if unknown := refusals.unknown_codes("theme", filters.themes, themes, known=known):
            errors["theme"] = unknown
        theme_ids = [t.id for t in themes.values()]
    organizations: dict[str, list[int] | None] = {"donor": None, "implementer": None}
    for name, codes in (("donor", filters.donors), ("implementer", filters.implementers)):
        if not codes:
            continue
        orgs = reference_service.organizations_by_code(session, codes)
        if unknown := refusals.unknown_codes("organization", codes, orgs, known=known):
            errors[name] = unknown
        organizations[name] = [o.id for o in orgs.values()]
    if errors:
        raise InvalidInput(N_("The filters name things that do not exist."), errors)
    return FilterReferences(
        country_codes, theme_ids, organizations["donor"], organizations["implementer"]
    )


def organization_projects(ids: list[int], role: OrganizationRole) -> Select[int]:
    """The ids of projects where any of the organizations ``ids`` has ``role``."""
    return select(ProjectOrganization.project_id).where(
        ProjectOrganization.organization_id.in_(ids), ProjectOrganization.role == role
    )


# Whatever columns a query selects, its filtered form selects the same.
_Columns = TypeVarTuple("_Columns")


def apply_filters(
    session: Session, query: Select[*_Columns], filters: ProjectFilters
) -> Select[*_Columns]:
    """Add the filters' conditions to a query over ``Project``.

    :raises InvalidInput: when a filter names a country, theme or organization that does not exist,
        since an empty answer would look like "nobody works there".
    """
    refs = filter_references(session, filters)
    conditions: list[Any] = [
        Project.withdrawn_at.is_not(None) if filters.withdrawn else Project.withdrawn_at.is_(None)
    ]
    for ids, role in (
        (refs.donor_ids, OrganizationRole.DONOR),
        (refs.implementer_ids, OrganizationRole.IMPLEMENTER),
    ):
        if ids is not None:
            conditions.append(Project.id.in_(organization_projects(ids, role)))
    country_codes, theme_ids = refs.country_codes, refs.theme_ids
    dialect = session.get_bind().dialect.name
    conditions.extend(_link_filters(dialect, country_codes, theme_ids))
    if filters.statuses:
        conditions.append(Project.status.in_(filters.statuses))
    if filters.active_on:
        day = filters.active_on
        conditions.append(
            and_(
                Project.start_date <= day,
                or_(Project.end_date.is_(None), Project.end_date >= day),
            )
        )
    if filters.year is not None:
        # Running at some time in the year: started by its end, not ended before its start;
        # one without an end date runs to this year, as on the timeline (stats/timeline.py).
        ongoing = Project.end_date.is_(None) if filters.year <= this_year() else false()
        conditions.append(
            and_(
                Project.start_date <= dt.date(filters.year, 12, 31),
                or_(ongoing, Project.end_date >= dt.date(filters.year, 1, 1)),
            )
        )
    if filters.start_from:
        conditions.append(Project.start_date >= filters.start_from)
    if filters.end_to:
        conditions.append(Project.end_date <= filters.end_to)
    if filters.q:
        for word in search_words(filters.q):
            conditions.append(Project.search_text.contains(word, autoescape=True))
    if filters.currency:
        conditions.append(Project.budget_currency == filters.currency)
    if filters.budget_min is not None:
        conditions.append(Project.budget_amount >= filters.budget_min)
    if filters.budget_max is not None:
        conditions.append(Project.budget_amount <= filters.budget_max)
    return query.where(*conditions)
