"""Countries, organizations and themes."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.db import Base, enum_type, intpk, timestamp, utcnow


class Region(enum.StrEnum):
    AFGHANISTAN_AND_NEIGHBOURS = "afghanistan_and_neighbours"
    CENTRAL_ASIA = "central_asia"
    SOUTH_EASTERN_EUROPE = "south_eastern_europe"
    WEST_ASIA = "west_asia"
    GULF = "gulf"
    SOUTH_ASIA = "south_asia"
    RUSSIAN_FEDERATION = "russian_federation"
    OTHER = "other"


class OrganizationType(enum.StrEnum):
    GOVERNMENT = "government"
    MULTILATERAL = "multilateral"
    BILATERAL = "bilateral"
    NGO = "ngo"
    PRIVATE = "private"
    OTHER = "other"


class Pillar(enum.StrEnum):
    """The four pillars of the Paris Pact's Vienna Declaration."""

    REGIONAL_INITIATIVES = "regional_initiatives"
    FINANCIAL_FLOWS = "financial_flows"
    PRECURSORS = "precursors"
    DRUG_ABUSE_AND_DEPENDENCE = "drug_abuse_and_dependence"


class Country(Base):
    __tablename__ = "country"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    alpha3: Mapped[str | None] = mapped_column(String(3))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    region: Mapped[Region] = mapped_column(enum_type(Region, "region"))


class Theme(Base):
    __tablename__ = "theme"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    pillar: Mapped[Pillar] = mapped_column(enum_type(Pillar, "pillar"))
    dac_codes: Mapped[list[str]] = mapped_column(JSON, default=list)


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(100))
    # Lower-cased code, unique: "GB-GOV-1" and "gb-gov-1" are one organization.
    code_key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(50))
    type: Mapped[OrganizationType] = mapped_column(enum_type(OrganizationType, "organization_type"))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("country.code"))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    country: Mapped[Country | None] = relationship(lazy="joined")
