"""The authenticated caller as plain data, so services and the policy need no ORM or Flask."""

from __future__ import annotations

from dataclasses import dataclass

from adam.auth.models import Role, User


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    email: str
    role: Role
    country_code: str | None = None
    organization_id: int | None = None
    organization_code: str | None = None

    @classmethod
    def from_user(cls, user: User) -> Actor:
        return cls(
            user_id=user.id,
            email=user.email,
            role=user.role,
            country_code=user.country_code,
            organization_id=user.organization_id,
            organization_code=user.organization.code if user.organization else None,
        )
