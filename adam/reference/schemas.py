"""Reference data in and out."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from adam.fields import PatchSchema, Text
from adam.paging import LongPageQuerySchema, page_schema
from adam.reference.codes import country_codes, enum
from adam.reference.models import OrganizationType, Pillar, Region

ORG_TYPES = [t.value for t in OrganizationType]


def country_code() -> Text:
    """An optional ISO 3166-1 alpha-2 country field, its codes listed in the OpenAPI document
    (whether the country is known is the service's check, which suggests the nearest)."""
    return Text(
        single_line=True,
        strip=True,
        allow_none=True,
        validate=validate.Length(equal=2),
        metadata=enum(country_codes()),
    )


class CountrySchema(ma.Schema):
    code = ma.fields.String()
    alpha3 = ma.fields.String(allow_none=True)
    name = ma.fields.String(attribute="name_en")
    name_ru = ma.fields.String()
    region = ma.fields.String()


class CountryQuerySchema(ma.Schema):
    region = ma.fields.String(validate=validate.OneOf([r.value for r in Region]))


class ThemeSchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String(attribute="name_en")
    name_ru = ma.fields.String()
    pillar = ma.fields.String(metadata={"enum": [p.value for p in Pillar]})
    dac_codes = ma.fields.List(ma.fields.String())


class OrganizationSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    acronym = ma.fields.String(allow_none=True)
    type = ma.fields.String()
    country = ma.fields.String(attribute="country_code", allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class OrganizationInSchema(ma.Schema):
    code = Text(
        required=True,
        single_line=True,
        strip=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "A slug (gb-fcdo) or an IATI organisation identifier"},
    )
    name = Text(
        required=True, single_line=True, strip=True, validate=validate.Length(min=1, max=300)
    )
    acronym = Text(single_line=True, strip=True, allow_none=True, validate=validate.Length(max=50))
    type = ma.fields.String(required=True, validate=validate.OneOf(ORG_TYPES))
    country = country_code()


class OrganizationPatchSchema(PatchSchema):
    name = Text(single_line=True, strip=True, validate=validate.Length(min=1, max=300))
    acronym = Text(single_line=True, strip=True, allow_none=True, validate=validate.Length(max=50))
    type = ma.fields.String(validate=validate.OneOf(ORG_TYPES))
    country = country_code()


class OrganizationQuerySchema(LongPageQuerySchema):
    q = Text(single_line=True, strip=True, validate=validate.Length(max=200))
    type = ma.fields.String(validate=validate.OneOf(ORG_TYPES))
    country = Text(single_line=True, validate=validate.Length(equal=2))


OrganizationPageSchema = page_schema(OrganizationSchema, "OrganizationPageSchema")


# --- References to other records, nested in every domain's answers ---


class NamedCodeSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class ThemeRefSchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String(attribute="name_en")
    pillar = ma.fields.String()


class CountryRefSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String(attribute="name_en")


class UserRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    email = ma.fields.String()
