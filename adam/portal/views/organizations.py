"""Organisations (donors and implementers): search them, register one, change one; the same
services and permissions as the API's /organizations routes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, gettext, lazy_gettext

from adam.access import page
from adam.auth import permissions
from adam.errors import Conflict, InvalidInput
from adam.paging import page_count
from adam.portal.blueprint import portal_blueprint
from adam.reference import service
from adam.reference.models import Organization, OrganizationType
from adam.reference.schemas import (
    OrganizationInSchema,
    OrganizationPatchSchema,
    OrganizationQuerySchema,
)
from adam.session import get_session
from adam.web import commit, current_actor

blp = portal_blueprint("portal_organizations", __name__)

TYPES = {
    "government": lazy_gettext("Government agency"),
    "multilateral": lazy_gettext("Multilateral organisation"),
    "bilateral": lazy_gettext("Bilateral donor"),
    "ngo": lazy_gettext("Non-governmental organisation"),
    "private": lazy_gettext("Private sector"),
    "other": lazy_gettext("Other"),
}
FIELDS = ("code", "name", "acronym", "type", "country")


def _field_messages() -> dict[str, str]:
    # One message per field, in the reader's language, whatever rule the value broke.
    return {
        "code": gettext(
            "Give a code of at most 100 characters: letters, digits, '.', '_' or '-' "
            "(a slug such as gb-fcdo, or an IATI organisation identifier)."
        ),
        "name": gettext("Give a name of at most 300 characters."),
        "acronym": gettext("An acronym has at most 50 characters."),
        "type": gettext("Choose one of the types listed."),
        "country": gettext("Choose one of the countries listed."),
    }


@blp.context_processor
def _context() -> dict[str, Any]:
    return {"org_types": TYPES, "format_decimal": format_decimal}


@page
@blp.route("/organizations")
def organizations() -> ResponseReturnValue:
    """Organisations, searched by name, acronym or code, 50 a page."""
    query = {k: v for k, v in request.args.items() if v.strip()}
    try:
        args = OrganizationQuerySchema(unknown=ma.EXCLUDE).load(query)
    except ma.ValidationError:
        raise InvalidInput(gettext("This page of the list does not exist.")) from None
    items, total = service.search_organizations(
        get_session(),
        q=args.get("q"),
        type=OrganizationType(args["type"]) if "type" in args else None,
        page=args["page"],
        per_page=args["per_page"],
    )
    actor = current_actor()
    pages = page_count(total, args["per_page"])
    return (
        render_template(
            "portal/organizations.html",
            organizations=items,
            editable={
                o.id for o in items if permissions.allowed(actor, "organization.update", o.id)
            },
            may_create=permissions.allowed(actor, "organization.create"),
            total=total,
            q=args.get("q", ""),
            type=args.get("type", ""),
            page=args["page"],
            pages=pages,
        ),
        200,
    )


def _typed() -> dict[str, Any]:
    typed: dict[str, Any] = {name: request.form.get(name, "").strip() for name in FIELDS}
    for name in ("acronym", "country"):
        if not typed[name]:
            typed[name] = None
    return typed


def _errors(names: Any) -> dict[str, list[str]]:
    messages = _field_messages()
    return {name: [messages[name]] for name in names if name in messages}


def _form(
    org: Organization | None, typed: dict[str, Any], errors: dict[str, list[str]], status: int
) -> tuple[str, int]:
    countries = service.list_countries(get_session())
    return (
        render_template(
            "portal/organization_form.html",
            org=org,
            typed=typed,
            errors=errors,
            countries=countries,
        ),
        status,
    )


@page
@blp.route("/organizations/new", methods=["GET", "POST"])
def new_organization() -> ResponseReturnValue:
    """Register an organisation (not viewers)."""
    permissions.require(current_actor(), "organization.create")
    if request.method == "GET":
        return _form(None, {}, {}, 200)
    typed = _typed()
    status = 422
    try:
        data = OrganizationInSchema().load({k: v for k, v in typed.items() if v is not None})
        org = service.create_organization(
            get_session(),
            actor=current_actor(),
            code=data["code"],
            name=data["name"],
            type=OrganizationType(data["type"]),
            acronym=data.get("acronym"),
            country=data.get("country"),
        )
    except ma.ValidationError as error:
        errors = _errors(error.normalized_messages())
    except Conflict:
        status = 409
        errors = {
            "code": [
                gettext(
                    "An organisation with the code %(code)s exists already.", code=typed["code"]
                )
            ]
        }
    except InvalidInput as error:
        errors = _errors(error.details)
    else:
        commit()
        flash(gettext("The organisation %(name)s is registered.", name=org.name))
        return redirect(url_for("portal_organizations.organizations", q=org.code), 303)
    return _form(None, typed, errors, status)


def _current(org: Organization) -> dict[str, Any]:
    return {
        "code": org.code,
        "name": org.name,
        "acronym": org.acronym,
        "type": org.type.value,
        "country": org.country_code,
    }


@page
@blp.route("/organizations/<string:code>/edit", methods=["GET", "POST"])
def edit_organization(code: str) -> ResponseReturnValue:
    """Change an organisation's name, acronym, type or country (its code is permanent)."""
    session = get_session()
    org = service.get_organization(session, code)
    permissions.require(current_actor(), "organization.update", org.id)
    if request.method == "GET":
        return _form(org, _current(org), {}, 200)
    typed = _typed()
    typed["code"] = org.code
    try:
        changes = OrganizationPatchSchema().load({k: v for k, v in typed.items() if k != "code"})
        changes["type"] = OrganizationType(changes["type"])
        service.update_organization(session, org.code, actor=current_actor(), changes=changes)
    except ma.ValidationError as error:
        errors = _errors(error.normalized_messages())
    except InvalidInput as error:
        errors = _errors(error.details)
    else:
        commit()
        flash(gettext("The organisation %(name)s is changed.", name=org.name))
        return redirect(url_for("portal_organizations.organizations", q=org.code), 303)
    return _form(org, typed, errors, 422)
