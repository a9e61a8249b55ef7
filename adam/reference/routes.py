"""Reference data endpoints: countries, themes, organizations."""

from __future__ import annotations

from typing import Any

from adam.access import protected
from adam.api import Blueprint
from adam.idempotency.decorator import idempotent
from adam.paging import page_answer
from adam.reference import service
from adam.reference.models import Country, Organization, OrganizationType, Region, Theme
from adam.reference.schemas import (
    CountryQuerySchema,
    CountrySchema,
    OrganizationInSchema,
    OrganizationPageSchema,
    OrganizationPatchSchema,
    OrganizationQuerySchema,
    OrganizationSchema,
    ThemeSchema,
)
from adam.session import get_session
from adam.web import commit, current_actor

blp = Blueprint("reference", __name__, description="Countries, themes and organizations")


@protected
@blp.route("/countries")
@blp.arguments(CountryQuerySchema, location="query", unknown="raise")
@blp.response(200, CountrySchema(many=True))
def list_countries(args: dict[str, Any]) -> list[Country]:
    """List countries (ISO 3166-1 plus Kosovo) with their region."""
    region = Region(args["region"]) if "region" in args else None
    return service.list_countries(get_session(), region=region)


@protected
@blp.route("/themes")
@blp.response(200, ThemeSchema(many=True))
def list_themes() -> list[Theme]:
    """List the themes, their Vienna Declaration pillar and their OECD DAC purpose codes."""
    return service.list_themes(get_session())


@protected
@blp.route("/organizations")
@blp.arguments(OrganizationQuerySchema, location="query", unknown="raise")
@blp.response(200, OrganizationPageSchema)
def list_organizations(args: dict[str, Any]) -> dict[str, Any]:
    """Search organizations by name, acronym or code."""
    items, total = service.search_organizations(
        get_session(),
        q=args.get("q"),
        type=OrganizationType(args["type"]) if "type" in args else None,
        country=args.get("country"),
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_answer(items, total, args)


@protected
@blp.route("/organizations", methods=["POST"])
@idempotent
@blp.arguments(OrganizationInSchema)
@blp.response(201, OrganizationSchema)
def create_organization(data: dict[str, Any]) -> tuple[Organization, int, dict[str, str]]:
    """Register an organization (donor or implementer)."""
    org = service.create_organization(
        get_session(),
        actor=current_actor(),
        code=data["code"],
        name=data["name"],
        type=OrganizationType(data["type"]),
        acronym=data.get("acronym"),
        country=data.get("country"),
    )
    commit()
    return org, 201, {"Location": f"/api/v1/organizations/{org.code}"}


@protected
@blp.route("/organizations/<string:code>")
@blp.response(200, OrganizationSchema)
def get_organization(code: str) -> Organization:
    """Show one organization."""
    return service.get_organization(get_session(), code)


@protected
@blp.route("/organizations/<string:code>", methods=["PATCH"])
@blp.arguments(OrganizationPatchSchema)
@blp.response(200, OrganizationSchema)
def update_organization(data: dict[str, Any], code: str) -> Organization:
    """Change an organization's name, acronym, type or country (its code is permanent)."""
    if "type" in data:
        data["type"] = OrganizationType(data["type"])
    org = service.update_organization(get_session(), code, actor=current_actor(), changes=data)
    commit()
    return org
