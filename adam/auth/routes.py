"""Token endpoints (issue with HTTP Basic, revoke) and user administration."""

from __future__ import annotations

from typing import Any

from flask import g, request

from adam import limits
from adam.access import protected, public
from adam.api import Blueprint
from adam.auth import service
from adam.auth.models import Role, User
from adam.auth.schemas import TokenSchema, UserInSchema, UserPatchSchema, UserSchema
from adam.errors import N_, Unauthorized
from adam.idempotency.decorator import idempotent
from adam.session import get_session, get_settings
from adam.web import commit, current_actor

blp = Blueprint("auth", __name__, description="Tokens and users")


@public
@limits.takes_password(account=limits.basic_username, issues_tokens=True)
@blp.route("/auth/tokens", methods=["POST"])
@blp.response(201, TokenSchema)
@blp.alt_response(429, **limits.TOO_MANY_REQUESTS)
def issue_token() -> dict[str, Any]:
    """Exchange e-mail and password (HTTP Basic) for a bearer token."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        raise Unauthorized(N_("Send your e-mail and password with HTTP Basic authentication."))
    session = get_session()
    user = service.authenticate_password(session, credentials.username, credentials.password or "")

    issued = service.issue_token(session, user, ttl_days=get_settings().token_ttl_days)
    commit()
    return {"token": issued.token, "expires_at": issued.expires_at}


@protected
@blp.route("/auth/tokens/current", methods=["DELETE"])
@blp.response(204)
def revoke_token() -> None:
    """Revoke the token this request was sent with."""
    service.revoke_token(get_session(), g.token)
    commit()


@protected
@blp.route("/auth/me")
@blp.response(200, UserSchema)
def whoami() -> User:
    """The account behind the token."""
    user = get_session().get(User, current_actor().user_id)
    assert user is not None
    return user


@protected
@blp.route("/users")
@blp.response(200, UserSchema(many=True))
def list_users() -> list[User]:
    """List users (administrators)."""
    return service.list_users(get_session(), actor=current_actor())


@protected
@blp.route("/users", methods=["POST"])
@idempotent
@blp.arguments(UserInSchema)
@blp.response(201, UserSchema)
def create_user(data: dict[str, Any]) -> tuple[User, int, dict[str, str]]:
    """Create a user (administrators). Without a password the user signs in by token only."""
    user = service.create_user(
        get_session(),
        email=data["email"],
        role=Role(data["role"]),
        name=data.get("name", ""),
        password=data.get("password"),
        country=data.get("country"),
        organization=data.get("organization"),
        actor=current_actor(),
    )
    commit()
    return user, 201, {"Location": f"/api/v1/users/{user.id}"}


@protected
@blp.route("/users/<int:user_id>")
@blp.response(200, UserSchema)
def get_user(user_id: int) -> User:
    """Show a user (administrators)."""
    return service.get_user(get_session(), user_id, actor=current_actor())


@protected
@blp.route("/users/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserPatchSchema)
@blp.response(200, UserSchema)
def update_user(data: dict[str, Any], user_id: int) -> User:
    """Change a user's name, role, scope or activity; deactivating revokes their tokens."""
    user = service.update_user(get_session(), user_id, changes=data, actor=current_actor())
    commit()
    return user
