"""Events of the consultative mechanism, their recommendations, and the follow-up of each."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, enum_type, intpk, timestamp, utcnow
from adam.reference.models import Country, Pillar, Theme


class EventKind(enum.StrEnum):
    EXPERT_WORKING_GROUP = "expert_working_group"
    EXPERT_ROUND_TABLE = "expert_round_table"
    POLICY_CONSULTATIVE_GROUP = "policy_consultative_group"
    MINISTERIAL_CONFERENCE = "ministerial_conference"


class Route(enum.StrEnum):
    """The opiate trafficking routes out of Afghanistan the partnership names."""

    NORTHERN = "northern"
    BALKAN = "balkan"
    SOUTHERN = "southern"


class DatePrecision(enum.StrEnum):
    """How much of an event's start date the sources give: some name only the month."""

    DAY = "day"
    MONTH = "month"


class Addressee(enum.StrEnum):
    """Whom a recommendation asks to act."""

    GOVERNMENTS = "governments"
    DONORS = "donors"
    UNODC = "unodc"
    ORGANIZATIONS = "organizations"


class RecommendationState(enum.StrEnum):
    PROPOSED = "proposed"
    ENDORSED = "endorsed"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class FollowUpStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    UNDER_WAY = "under_way"
    IMPLEMENTED = "implemented"


class HistoryAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    STATE = "state"
    FOLLOW_UP = "follow_up"
    WITHDRAW = "withdraw"
    RESTORE = "restore"


event_country = Table(
    "pact_event_country",
    Base.metadata,
    Column("event_id", ForeignKey("pact_event.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", ForeignKey("country.code"), primary_key=True),
)

recommendation_country = Table(
    "recommendation_country",
    Base.metadata,
    Column(
        "recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("country_code", ForeignKey("country.code"), primary_key=True),
    Index("ix_recommendation_country_country_code", "country_code", "recommendation_id"),
)

recommendation_theme = Table(
    "recommendation_theme",
    Base.metadata,
    Column(
        "recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("theme_id", ForeignKey("theme.id"), primary_key=True),
    Index("ix_recommendation_theme_theme_id", "theme_id", "recommendation_id"),
)


class Event(Base):
    """A meeting of the mechanism: an expert round table or working group, a PCG, a conference."""

    __tablename__ = "pact_event"
    __table_args__ = (Index("ix_pact_event_start_date", "start_date"),)

    id: Mapped[intpk]
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, "pact_event_kind"))
    number: Mapped[int | None]
    title: Mapped[str | None] = mapped_column(String(300))
    focus: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(300))
    pillar: Mapped[Pillar | None] = mapped_column(enum_type(Pillar, "pillar"))
    start_date: Mapped[dt.date]
    date_precision: Mapped[DatePrecision] = mapped_column(
        enum_type(DatePrecision, "date_precision"), default=DatePrecision.DAY
    )
    end_date: Mapped[dt.date | None]
    routes: Mapped[list[str]] = mapped_column(JSON, default=list)
    participant_countries: Mapped[int | None]
    participant_organizations: Mapped[int | None]
    participant_people: Mapped[int | None]
    # What the sources record of the event beyond the fields above (objectives, actions
    # recommended, what it endorsed), as text the page shows.
    outcome: Mapped[str | None] = mapped_column(Text)
    # Where the facts come from, e.g. the public report they were taken from.
    source: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[dt.datetime | None]

    countries: Mapped[list[Country]] = relationship(secondary=event_country, order_by=Country.code)

    __mapper_args__ = {"version_id_col": version}


class Recommendation(Base):
    """An operational priority recommendation, with its state and its follow-up status."""

    __tablename__ = "recommendation"
    __table_args__ = (Index("ix_recommendation_state", "state"),)

    id: Mapped[intpk]
    # A readable reference such as "EWG-2023-3/7" (the event's, then the order within it).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    text_en: Mapped[str | None] = mapped_column(Text)
    text_ru: Mapped[str | None] = mapped_column(Text)
    # Stand-in text written for a demonstration, not the partnership's wording.
    illustrative: Mapped[bool] = mapped_column(default=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("pact_event.id"), index=True)
    pillar: Mapped[Pillar] = mapped_column(enum_type(Pillar, "pillar"))
    routes: Mapped[list[str]] = mapped_column(JSON, default=list)
    addressees: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[RecommendationState] = mapped_column(
        enum_type(RecommendationState, "recommendation_state"),
        default=RecommendationState.PROPOSED,
    )
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("pact_event.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("recommendation.id"))
    follow_up: Mapped[FollowUpStatus] = mapped_column(
        enum_type(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.NOT_STARTED
    )
    # Case-folded text for word search and the matcher (both languages).
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    event: Mapped[Event] = relationship(foreign_keys=[event_id], lazy="joined")
    endorsed_by: Mapped[Event | None] = relationship(foreign_keys=[endorsed_by_id])
    superseded_by: Mapped[Recommendation | None] = relationship(
        foreign_keys=[superseded_by_id], remote_side="Recommendation.id"
    )
    countries: Mapped[list[Country]] = relationship(
        secondary=recommendation_country, order_by=Country.code
    )
    themes: Mapped[list[Theme]] = relationship(secondary=recommendation_theme, order_by=Theme.slug)

    __mapper_args__ = {"version_id_col": version}


class RecommendationHistory(Base):
    """One recorded change of a recommendation: who, when, what, and the note given."""

    __tablename__ = "recommendation_history"

    id: Mapped[intpk]
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"), index=True)
    action: Mapped[HistoryAction] = mapped_column(enum_type(HistoryAction, "pact_history_action"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[timestamp]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)

    recommendation: Mapped[Recommendation] = relationship()
    actor: Mapped[User | None] = relationship(lazy="joined")


class EventHistory(Base):
    """One recorded change of an event: who, when, what, and the note given."""

    __tablename__ = "event_history"

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("pact_event.id"), index=True)
    action: Mapped[HistoryAction] = mapped_column(enum_type(HistoryAction, "pact_history_action"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[timestamp]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)

    event: Mapped[Event] = relationship()
    actor: Mapped[User | None] = relationship(lazy="joined")


class ProgressNote(Base):
    """A dated note on how a recommendation is being carried out, by a focal point or officer."""

    __tablename__ = "recommendation_progress_note"
    __table_args__ = (
        Index("ix_recommendation_progress_note_rec", "recommendation_id", "noted_on"),
    )

    id: Mapped[intpk]
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"))
    # The day the note speaks of (often a meeting or a mission), not when it was typed.
    noted_on: Mapped[dt.date]
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[timestamp]
    withdrawn_at: Mapped[dt.datetime | None]

    author: Mapped[User | None] = relationship(lazy="joined")
