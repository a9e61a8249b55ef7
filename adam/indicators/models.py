"""One figure of a country fact sheet (a country, a year, an indicator, its value and source),
and the history of its changes."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, enum_type, intpk, timestamp, utcnow


class IndicatorHistoryAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"


class IndicatorChannel(enum.StrEnum):
    """How a change came in: one figure entered (API or page), or a row of an imported file."""

    ENTRY = "entry"
    IMPORT = "import"


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


class IndicatorHistory(Base):
    """One recorded change of a figure: who, when, how, the old and new value and source, a note."""

    __tablename__ = "country_indicator_history"

    id: Mapped[intpk]
    figure_id: Mapped[int] = mapped_column(ForeignKey("country_indicator.id"), index=True)
    action: Mapped[IndicatorHistoryAction] = mapped_column(
        enum_type(IndicatorHistoryAction, "indicator_history_action")
    )
    via: Mapped[IndicatorChannel] = mapped_column(
        enum_type(IndicatorChannel, "indicator_history_via")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[timestamp]
    # None when the figure was created by this change.
    old_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    new_value: Mapped[Decimal] = mapped_column(Numeric(18, 3))
    old_source: Mapped[str | None] = mapped_column(String(300))
    new_source: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)

    figure: Mapped[CountryIndicator] = relationship()
    actor: Mapped[User | None] = relationship(lazy="joined")
