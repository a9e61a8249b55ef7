"""Users and tokens in and out."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from adam.auth.models import Role
from adam.fields import PatchSchema, StrictBoolean, Text
from adam.reference.schemas import country_code

ROLES = [r.value for r in Role]


class TokenSchema(ma.Schema):
    token = ma.fields.String(metadata={"description": "Send as 'Authorization: Bearer <token>'"})
    expires_at = ma.fields.DateTime()


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    country = ma.fields.String(attribute="country_code", allow_none=True)
    organization = ma.fields.Function(
        lambda u: u.organization.code if u.organization else None, allow_none=True
    )
    is_active = ma.fields.Boolean()
    created_at = ma.fields.DateTime()


class UserInSchema(ma.Schema):
    email = ma.fields.Email(required=True, validate=validate.Length(max=320))
    name = Text(single_line=True, strip=True, load_default="", validate=validate.Length(max=200))
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLES))
    country = country_code()
    organization = Text(single_line=True, strip=True, allow_none=True)
    password = Text(load_only=True, allow_none=True, validate=validate.Length(min=12, max=200))


class UserPatchSchema(PatchSchema):
    """Only the fields sent change; a country or organization of null removes it."""

    is_active = StrictBoolean()
    name = Text(single_line=True, strip=True, validate=validate.Length(max=200))
    role = ma.fields.String(validate=validate.OneOf(ROLES))
    country = country_code()
    organization = Text(single_line=True, strip=True, allow_none=True)
