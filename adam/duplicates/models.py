"""The matcher's search index of each project, and the alerts raised on likely duplicates."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, enum_type, intpk, timestamp, utcnow
from adam.projects.models import Project


class ProjectSearch(Base):
    """A project's text as the matcher normalised it, written with every change of the project.

    Normalising costs about half a millisecond a record, so it runs once per write, never per
    comparison. The full-text index over ``title_terms`` and ``description_terms`` (SQLite
    FTS5 table ``project_fts``, or a PostgreSQL GIN index) is made by the migration, not here:
    it is backend-specific and Alembic's autogenerate must not see it.
    """

    __tablename__ = "project_search"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    title_terms: Mapped[str] = mapped_column(Text, default="")  # content words, in order
    description_head: Mapped[str] = mapped_column(Text, default="")  # first content words
    description_terms: Mapped[str] = mapped_column(Text, default="")  # distinct content words
    phases: Mapped[str] = mapped_column(String(100), default="")  # "2 3"
    years: Mapped[str] = mapped_column(String(100), default="")  # "2020 2021"
    # How much each title word and the rarest description words weigh (rarity.py), as
    # "word=0.83 other=0.5", from the word counts when the row was written.
    # NULL: written before weights existed, to be indexed again.
    weights: Mapped[str | None] = mapped_column(Text)
    # The project's countries, lower case ("tj af"): PostgreSQL's tsvector carries them.
    scope: Mapped[str | None] = mapped_column(Text)


class MatchKey(Base):
    """One (organization, beneficiary country) of a project, with its start: the index that
    finds a project's nearest-in-time namesakes without reading every project of an
    organization (UNODC takes part in a fifth of all projects)."""

    __tablename__ = "match_key"
    __table_args__ = (
        Index(
            "ix_match_key_organization_country_start",
            "organization_id",
            "country_code",
            "start_date",
        ),
        Index("ix_match_key_project_id", "project_id"),
    )

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    start_date: Mapped[dt.date | None]


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(enum.StrEnum):
    DUPLICATE = "duplicate"
    RELATED = "related"
    NOT_DUPLICATE = "not_duplicate"


class DuplicateAlert(Base):
    """One pair of projects that look like one activity; at most one alert per pair, ever.

    The pair is stored in id order (``project_a_id < project_b_id``) under a unique constraint,
    so two workers finding the same pair at once cannot both raise it, and a pair that a
    coordinator resolved is never alerted again.
    """

    __tablename__ = "duplicate_alert"
    __table_args__ = (
        UniqueConstraint("project_a_id", "project_b_id", name="uq_duplicate_alert_pair"),
        CheckConstraint("project_a_id < project_b_id", name="ordered_pair"),
        Index("ix_duplicate_alert_project_b_id", "project_b_id"),
        Index("ix_duplicate_alert_status_id", "status", "id"),
    )

    id: Mapped[intpk]
    project_a_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    project_b_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    # The project whose registration or edit raised the alert.
    raised_by_project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[AlertStatus] = mapped_column(enum_type(AlertStatus, "alert_status"))
    resolution: Mapped[Resolution | None] = mapped_column(enum_type(Resolution, "alert_resolution"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    resolved_by: Mapped[User | None] = relationship(lazy="joined")
    project_a: Mapped[Project] = relationship(foreign_keys=[project_a_id])
    project_b: Mapped[Project] = relationship(foreign_keys=[project_b_id])

    @property
    def projects(self) -> list[Project]:
        return [self.project_a, self.project_b]
