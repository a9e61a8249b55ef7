"""Administrators manage people's accounts: list, create, change role and scope, deactivate."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from adam.access import page
from adam.auth import permissions
from adam.auth import service as auth_service
from adam.auth.models import Role, User
from adam.auth.schemas import UserInSchema, UserPatchSchema
from adam.errors import Conflict, InvalidInput
from adam.portal.blueprint import portal_blueprint
from adam.portal.i18n import translate
from adam.reference import service as reference_service
from adam.session import get_session
from adam.web import commit, current_actor

blp = portal_blueprint("portal_admin", __name__)

FIELDS = ("email", "name", "role", "country", "organization", "password")


def _typed(names: tuple[str, ...]) -> dict[str, Any]:
    """What the form sent, as typed (empty scope fields mean none)."""
    typed: dict[str, Any] = {name: request.form.get(name, "").strip() for name in names}
    for name in ("country", "organization", "password"):
        if name in typed and not typed[name]:
            typed[name] = None
    return typed


def _messages(details: dict[str, Any]) -> dict[str, list[str]]:
    return {
        key: [
            translate(m if isinstance(m, str) else str(m))
            for m in (value if isinstance(value, list) else [value])
        ]
        for key, value in details.items()
    }


def _form(template: str, status: int, **context: Any) -> tuple[str, int]:
    countries = reference_service.list_countries(get_session())
    return render_template(template, roles=list(Role), countries=countries, **context), status


@page
@blp.route("/admin/users")
def users() -> ResponseReturnValue:
    """Everyone's accounts (administrators)."""
    people = auth_service.list_users(get_session(), actor=current_actor())
    return render_template("portal/admin_users.html", users=people), 200


@page
@blp.route("/admin/users/new", methods=["GET", "POST"])
def new_user() -> ResponseReturnValue:
    """Create an account with a first password (administrators)."""
    permissions.require(current_actor(), "user.manage")
    if request.method == "GET":
        return _form("portal/admin_user_form.html", 200, user=None, typed={}, errors={})
    typed = _typed(FIELDS)
    try:
        data = UserInSchema().load({k: v for k, v in typed.items() if v is not None})
        user = auth_service.create_user(
            get_session(),
            email=data["email"],
            role=Role(data["role"]),
            name=data.get("name", ""),
            password=data.get("password"),
            country=data.get("country"),
            organization=data.get("organization"),
            actor=current_actor(),
        )
    except ma.ValidationError as error:
        errors = _messages(error.normalized_messages())
    except (InvalidInput, Conflict) as error:
        errors = _messages(error.details) or {"email": [translate(error.message)]}
    else:
        commit()
        flash(gettext("The account of %(email)s is created.", email=user.email))
        return redirect(url_for("portal_admin.users"), 303)
    return _form("portal/admin_user_form.html", 422, user=None, typed=typed, errors=errors)


def _current(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "country": user.country_code,
        "organization": user.organization.code if user.organization else None,
    }


@page
@blp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change a person's name, role and scope (administrators)."""
    session = get_session()
    user = auth_service.get_user(session, user_id, actor=current_actor())
    if request.method == "GET":
        return _form("portal/admin_user_form.html", 200, user=user, typed=_current(user), errors={})
    typed = _typed(("name", "role", "country", "organization"))
    try:
        changes = UserPatchSchema().load(typed)
        auth_service.update_user(session, user_id, changes=changes, actor=current_actor())
    except ma.ValidationError as error:
        errors = _messages(error.normalized_messages())
    except InvalidInput as error:
        errors = _messages(error.details)
    else:
        commit()
        flash(gettext("The account of %(email)s is changed.", email=user.email))
        return redirect(url_for("portal_admin.users"), 303)
    typed["email"] = user.email
    return _form("portal/admin_user_form.html", 422, user=user, typed=typed, errors=errors)


@page
@blp.route("/admin/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int) -> ResponseReturnValue:
    """Deactivate (signs them out everywhere) or reactivate a person (administrators)."""
    active = request.form.get("active") == "1"
    user = auth_service.update_user(
        get_session(), user_id, changes={"is_active": active}, actor=current_actor()
    )
    commit()
    if active:
        flash(gettext("%(email)s may sign in again.", email=user.email))
    else:
        flash(gettext("%(email)s is deactivated.", email=user.email))
    return redirect(url_for("portal_admin.users"), 303)
