"""Link endpoints: the projects serving a need or a recommendation, the needs and
recommendations a project serves; a link made by hand; a suggestion confirmed or rejected."""

from __future__ import annotations

from typing import Any

from adam.access import protected
from adam.api import Blueprint
from adam.coverage import service
from adam.coverage.models import CoverageLink
from adam.coverage.schemas import DecisionSchema, LinkInSchema, LinkListSchema, LinkSchema
from adam.idempotency.decorator import idempotent
from adam.session import get_session
from adam.web import commit, current_actor

blp = Blueprint(
    "links",
    __name__,
    description="Links between projects and the needs or recommendations "
    "they serve: suggested by the matcher, confirmed or rejected by people",
)


@protected
@blp.route("/needs/<int:need_id>/links")
@blp.response(200, LinkListSchema)
def need_links(need_id: int) -> dict[str, Any]:
    """The projects linked to a need or suggested for it, best score first."""
    return {"items": service.links_of_need(get_session(), need_id, actor=current_actor())}


@protected
@blp.route("/recommendations/<int:recommendation_id>/links")
@blp.response(200, LinkListSchema)
def recommendation_links(recommendation_id: int) -> dict[str, Any]:
    """The projects linked to a recommendation or suggested for it, best score first."""
    items = service.links_of_recommendation(get_session(), recommendation_id, actor=current_actor())
    return {"items": items}


@protected
@blp.route("/projects/<int:project_id>/links")
@blp.response(200, LinkListSchema)
def project_links(project_id: int) -> dict[str, Any]:
    """The needs and recommendations a project serves or likely serves, best score first."""
    return {"items": service.links_of_project(get_session(), project_id, actor=current_actor())}


@protected
@blp.route("/links", methods=["POST"])
@idempotent
@blp.arguments(LinkInSchema)
@blp.response(201, LinkSchema)
def create_link(data: dict[str, Any]) -> tuple[CoverageLink, int, dict[str, str]]:
    """Link a project to a need or a recommendation by hand (confirmed at once)."""
    link = service.create_link(
        get_session(),
        actor=current_actor(),
        project_id=data["project_id"],
        need_id=data.get("need_id"),
        recommendation_id=data.get("recommendation_id"),
        note=data.get("note"),
    )
    commit()
    return link, 201, {"Location": f"/api/v1/links/{link.id}"}


@protected
@blp.route("/links/<int:link_id>/confirm", methods=["POST"])
@idempotent
@blp.arguments(DecisionSchema)
@blp.response(200, LinkSchema)
def confirm_link(data: dict[str, Any], link_id: int) -> CoverageLink:
    """Confirm a suggested link: the project serves the need or the recommendation."""
    link = service.confirm_link(
        get_session(), link_id, actor=current_actor(), note=data.get("note")
    )
    commit()
    return link


@protected
@blp.route("/links/<int:link_id>/reject", methods=["POST"])
@idempotent
@blp.arguments(DecisionSchema)
@blp.response(200, LinkSchema)
def reject_link(data: dict[str, Any], link_id: int) -> CoverageLink:
    """Reject a suggestion, or withdraw a confirmed link; the pair is never suggested again."""
    link = service.reject_link(get_session(), link_id, actor=current_actor(), note=data.get("note"))
    commit()
    return link
