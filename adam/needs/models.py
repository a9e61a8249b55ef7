"""A recipient country's need for assistance, its themes, and the history of its changes."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, Money, enum_type, intpk, timestamp, utcnow
from adam.reference.models import Country, Theme


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class NeedState(enum.StrEnum):
    OPEN = "open"
    PARTLY_MET = "partly_met"
    MET = "met"
    WITHDRAWN = "withdrawn"


class NeedHistoryAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    STATE = "state"


need_theme = Table(
    "need_theme",
    Base.metadata,
    Column("need_id", ForeignKey("need.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id"), primary_key=True),
    Index("ix_need_theme_theme_id_need_id", "theme_id", "need_id"),
)


class Need(Base):
    """What assistance a country says it needs, where, how urgently and at what cost."""

    __tablename__ = "need"
    __table_args__ = (Index("ix_need_country_state", "country_code", "state"),)

    id: Mapped[intpk]
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # The region or province where the need is felt, as the country names it.
    location: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[Priority] = mapped_column(enum_type(Priority, "need_priority"))
    cost_amount: Mapped[Decimal | None] = mapped_column(Money())
    cost_currency: Mapped[str | None] = mapped_column(String(3))
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation.id"), index=True
    )
    state: Mapped[NeedState] = mapped_column(
        enum_type(NeedState, "need_state"), default=NeedState.OPEN
    )
    # Written for a demonstration, not by a country.
    illustrative: Mapped[bool] = mapped_column(default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # When the "no assistance yet" alert was queued for it (adam/gaps/alerts.py): once per need.
    alerted_at: Mapped[dt.datetime | None]

    country: Mapped[Country] = relationship(lazy="joined")
    themes: Mapped[list[Theme]] = relationship(secondary=need_theme, order_by=Theme.slug)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:
        return self.state in (NeedState.OPEN, NeedState.PARTLY_MET)


class NeedHistory(Base):
    """One recorded change of a need: who, when, each field's old and new value, a note."""

    __tablename__ = "need_history"

    id: Mapped[intpk]
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)
    action: Mapped[NeedHistoryAction] = mapped_column(
        enum_type(NeedHistoryAction, "need_history_action")
    )
    version: Mapped[int]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[timestamp]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)

    need: Mapped[Need] = relationship()
    actor: Mapped[User | None] = relationship(lazy="joined")


# High first when ascending, as a reader expects "sort by priority" to put the urgent first
# (the stored values sort as text: high, low, medium).
PRIORITY_RANK = case(
    {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}, value=Need.priority, else_=3
)
