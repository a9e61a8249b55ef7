"""Links between projects and the needs or recommendations they serve, suggested or confirmed."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, enum_type, intpk, timestamp
from adam.needs.models import Need
from adam.pact.models import Recommendation
from adam.projects.models import Project


class LinkState(enum.StrEnum):
    # Proposed by the matcher, waiting for a person.
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    # A person said no: the matcher never proposes this pair again.
    REJECTED = "rejected"


class CoverageLink(Base):
    """A project that serves a need or a recommendation (exactly one of the two)."""

    __tablename__ = "coverage_link"
    __table_args__ = (
        UniqueConstraint("need_id", "project_id", name="uq_coverage_link_need_id"),
        UniqueConstraint(
            "recommendation_id", "project_id", name="uq_coverage_link_recommendation_id"
        ),
        CheckConstraint("(need_id IS NULL) <> (recommendation_id IS NULL)", name="one_target"),
        Index("ix_coverage_link_project_id", "project_id"),
    )

    id: Mapped[intpk]
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"))
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendation.id"))
    state: Mapped[LinkState] = mapped_column(enum_type(LinkState, "coverage_link_state"))
    # The matcher's score and reasons when it proposed the link; None for one made by hand.
    score: Mapped[float | None]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[timestamp]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")
    project: Mapped[Project] = relationship(lazy="joined")
    need: Mapped[Need | None] = relationship(lazy="joined")
    recommendation: Mapped[Recommendation | None] = relationship(lazy="joined")
