"""One figure of a country fact sheet: a country, a year, an indicator, its value and source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from adam.db import Base, intpk, timestamp, utcnow


class CountryIndicator(Base):
    __tablename__ = "country_indicator"
    __table_args__ = (
        # One figure per country, year and indicator: an import of a newer sheet replaces it.
        UniqueConstraint(
            "country_code", "indicator", "year", name="uq_country_indicator_country_code"
        ),
    )

    id: Mapped[intpk]
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"))
    # A code of adam/indicators/catalogue.py, which fixes its unit.
    indicator: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(Numeric(18, 3))
    unit: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(300))
    # A figure made up for a demonstration, not a reported one.
    illustrative: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
