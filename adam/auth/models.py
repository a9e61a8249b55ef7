"""Users and their API tokens."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.db import Base, enum_type, intpk, timestamp
from adam.reference.models import Country, Organization


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FOCAL_POINT = "focal_point"
    DONOR = "donor"
    VIEWER = "viewer"


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("country.code"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The portal's language the person chose (None: their browser's Accept-Language decides).
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[timestamp]

    country: Mapped[Country | None] = relationship(lazy="joined")
    organization: Mapped[Organization | None] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[timestamp]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class PortalSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database signs no one in. Ended at sign-out, after idling, or when the
    account is deactivated or its password changed."""

    __tablename__ = "portal_session"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[timestamp]
    last_seen_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")
