"""Users and tokens: create users, issue, check and revoke tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.auth import permissions, portal_sessions
from adam.auth.actor import Actor
from adam.auth.models import ApiToken, Role, User
from adam.auth.secrets import hash_password, hash_token, new_token, verify_password
from adam.db import MAX_ID, utcnow
from adam.errors import N_, Conflict, InvalidInput, NotFound, Unauthorized
from adam.reference import refusals
from adam.reference import service as reference_service


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime


def create_user(
    session: Session,
    *,
    email: str,
    role: Role,
    name: str = "",
    password: str | None = None,
    country: str | None = None,
    organization: str | None = None,
    actor: Actor | None = None,
) -> User:
    """Create a user; ``actor`` is None only for the command line, which runs as the operator.

    :raises InvalidInput: for an unknown role scope (country, organization) or a missing scope.
    :raises Conflict: when the e-mail is taken.
    """
    if actor is not None:
        permissions.require(actor, "user.manage")
    email = email.strip().lower()
    country_code, organization_id = _scope(
        session, role, country, organization, N_("The user cannot be created.")
    )
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            N_("A user with e-mail %(email)s exists already.", email=email),
            {"email": [N_("Taken.")]},
        )
    user = User(
        email=email,
        name=name,
        role=role,
        country_code=country_code,
        organization_id=organization_id,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def _scope(
    session: Session, role: Role, country: str | None, organization: str | None, message: str
) -> tuple[str | None, int | None]:
    """The country code and organization id of a role's scope.

    :raises InvalidInput: for an unknown country or organization, or a scope the role needs.
    """
    errors: dict[str, list[str]] = {}
    country_code = None
    organization_id = None
    if country:
        found = reference_service.get_country(session, country)
        if found is None:
            errors["country"] = [refusals.unknown_code("country", country)]
        else:
            country_code = found.code
    if organization:
        org = reference_service.find_organization(session, organization)
        if org is None:
            errors["organization"] = [
                refusals.unknown_code(
                    "organization", organization, known=refusals.KnownCodes(session)
                )
            ]
        else:
            organization_id = org.id
    if role == Role.FOCAL_POINT and not (country or organization):
        errors["country"] = [N_("A focal point needs a country or an organization.")]
    if role == Role.DONOR and not organization:
        errors["organization"] = [N_("A donor account needs its organization.")]
    if errors:
        raise InvalidInput(message, errors)
    return country_code, organization_id


USER_CHANGES = frozenset({"name", "role", "country", "organization", "is_active"})


def update_user(
    session: Session, user_id: int, *, changes: Mapping[str, Any], actor: Actor
) -> User:
    """Change a user's name, role, scope (country, organization) or activity.

    ``changes`` holds only what changes (keys from ``USER_CHANGES``; a country or organization
    of None removes it); the role and scope that result are checked together, as at creation.

    :raises InvalidInput: for an unknown scope or one the resulting role lacks.
    """
    user = get_user(session, user_id, actor=actor)
    unknown = set(changes) - USER_CHANGES
    assert not unknown, unknown
    if user.id == actor.user_id and (
        changes.get("is_active") is False or changes.get("role", Role.ADMIN) != Role.ADMIN
    ):
        # The last administrator could lock everyone out; another administrator may do it.
        raise InvalidInput(
            N_("You cannot deactivate yourself or give up your own administrator role."),
            {"role" if "role" in changes else "is_active": [N_("Ask another administrator.")]},
        )
    if {"role", "country", "organization"} & set(changes):
        role = Role(changes.get("role", user.role))
        country = changes.get("country", user.country_code)
        organization = changes.get(
            "organization", user.organization.code if user.organization else None
        )
        user.country_code, user.organization_id = _scope(
            session, role, country, organization, N_("The user cannot be changed.")
        )
        user.role = role
    if "name" in changes:
        user.name = changes["name"]
    if "is_active" in changes:
        set_user_active(session, user.id, active=changes["is_active"], actor=actor)
    session.flush()
    session.expire(user, ["country", "organization"])  # their ids may have changed
    return user


def list_users(session: Session, *, actor: Actor) -> list[User]:
    permissions.require(actor, "user.manage")
    return list(session.scalars(select(User).order_by(User.id)))


def staff_emails(session: Session) -> list[str]:
    """Addresses of active coordinators and administrators (who receive duplicate alerts)."""
    return list(
        session.scalars(
            select(User.email)
            .where(User.is_active.is_(True), User.role.in_([Role.COORDINATOR, Role.ADMIN]))
            .where(User.email != "")
            .order_by(User.id)
        )
    )


def focal_points(session: Session, *, country_code: str, actor: Actor) -> list[User]:
    """The active focal points whose scope is the country, by name."""
    permissions.require(actor, "user.read_focal_points")
    return list(
        session.scalars(
            select(User)
            .where(
                User.role == Role.FOCAL_POINT,
                User.country_code == country_code.upper(),
                User.is_active.is_(True),
            )
            .order_by(User.name, User.email)
        )
    )


def locales_by_email(session: Session, addresses: Iterable[str]) -> dict[str, str]:
    """The language each address's active user chose (``User.locale``), by lower-cased
    address; addresses of nobody, of inactive users or of users who chose none are absent."""
    wanted = sorted({address.strip().lower() for address in addresses if address})
    if not wanted:
        return {}
    rows = session.execute(
        select(User.email, User.locale).where(
            User.email.in_(wanted), User.is_active.is_(True), User.locale.is_not(None)
        )
    )
    return {email.lower(): locale for email, locale in rows if locale}


def get_user(session: Session, user_id: int, *, actor: Actor) -> User:
    permissions.require(actor, "user.manage")
    user = session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise NotFound(N_("No user %(id)s.", id=user_id))
    return user


def set_user_active(session: Session, user_id: int, *, active: bool, actor: Actor) -> User:
    """Deactivate (or reactivate) a user; deactivation also revokes every token they hold and
    ends their portal sessions, so a reactivation signs no old browser in again."""
    user = get_user(session, user_id, actor=actor)
    user.is_active = active
    if not active:
        now = utcnow()
        for token in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
        portal_sessions.end_all(session, user.id)
    session.flush()
    return user


def issue_token(session: Session, user: User, *, ttl_days: int) -> IssuedToken:
    token = new_token()
    expires_at = utcnow() + dt.timedelta(days=ttl_days)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), expires_at=expires_at))
    session.flush()
    return IssuedToken(token=token, expires_at=expires_at)


def authenticate_password(session: Session, email: str, password: str) -> User:
    """:raises Unauthorized: for an unknown e-mail, a wrong password or an inactive user."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise Unauthorized(N_("Wrong e-mail or password."))
    return user


def authenticate_token(session: Session, token: str) -> tuple[User, ApiToken]:
    """:raises Unauthorized: for an unknown, expired or revoked token, or an inactive user."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = utcnow()
    if record is None or record.revoked_at is not None:
        raise Unauthorized(N_("The token is not valid; request a new one."))
    if record.expires_at <= now:
        raise Unauthorized(N_("The token has expired; request a new one."))
    if not record.user.is_active:
        raise Unauthorized(N_("This account is deactivated."))
    return record.user, record


def revoke_token(session: Session, token: ApiToken) -> None:
    token.revoked_at = utcnow()
    session.flush()
