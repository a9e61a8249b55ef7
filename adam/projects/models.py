"""Projects, their links to countries, themes and organizations, and their history."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.auth.models import User
from adam.db import Base, Money, enum_type, intpk, timestamp, utcnow
from adam.reference.models import Country, Organization, Theme


class ProjectStatus(enum.StrEnum):
    """IATI ActivityStatus codes 1-6, by name."""

    PIPELINE = "pipeline"
    IMPLEMENTATION = "implementation"
    FINALISATION = "finalisation"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"


class OrganizationRole(enum.StrEnum):
    DONOR = "donor"
    IMPLEMENTER = "implementer"


project_country = Table(
    "project_country",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", ForeignKey("country.code"), primary_key=True),
    # Filtering by country walks this index from the country side.
    Index("ix_project_country_country_code_project_id", "country_code", "project_id"),
)

project_theme = Table(
    "project_theme",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id"), primary_key=True),
    Index("ix_project_theme_theme_id_project_id", "theme_id", "project_id"),
)


class ProjectOrganization(Base):
    """An organization's part in a project: donor (IATI role 1) or implementer (role 4)."""

    __tablename__ = "project_organization"
    __table_args__ = (
        Index("ix_project_organization_org_role_project", "organization_id", "role", "project_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    role: Mapped[OrganizationRole] = mapped_column(
        enum_type(OrganizationRole, "organization_role"),
        primary_key=True,
    )
    position: Mapped[int] = mapped_column(default=0)

    organization: Mapped[Organization] = relationship(lazy="joined")


class Project(Base):
    __tablename__ = "project"
    # No index leads with withdrawn_at: almost every row is live, and SQLite without
    # statistics would drive every query from such an index.
    __table_args__ = (
        Index("ix_project_start_date", "start_date"),
        Index("ix_project_end_date", "end_date"),
        # The search page's default order and "recently changed": a page of 20 read from
        # the index instead of sorting every match.
        Index("ix_project_created_at", "created_at"),
        Index("ix_project_updated_at", "updated_at"),
        # A narrow copy of what the list's count and default order, the tables' grouping and
        # the duplicate check's live-project filter read, so they look up index entries
        # instead of wide rows (description and its folded copy): an index-only scan on
        # PostgreSQL, a covering index on SQLite. The check filters every word hit by it:
        # thousands for a common title at a million projects.
        Index(
            "ix_project_id_covering",
            "id",
            "withdrawn_at",
            "created_at",
            "status",
            "start_date",
            "budget_currency",
            "budget_amount",
            "end_date",
        ),
    )

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProjectStatus] = mapped_column(
        enum_type(ProjectStatus, "project_status"),
        index=True,
    )
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    budget_amount: Mapped[Decimal | None] = mapped_column(Money())
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    iati_identifier: Mapped[str | None] = mapped_column(String(200), unique=True)
    # ISO 639-1 language of the title and description (IATI's xml:lang on export and import).
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    # Case-folded title and description, written with them: word search that treats
    # Cyrillic the same on SQLite (whose lower() is ASCII-only) and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    countries: Mapped[list[Country]] = relationship(
        secondary=project_country, order_by=Country.code
    )
    themes: Mapped[list[Theme]] = relationship(secondary=project_theme, order_by=Theme.slug)
    participations: Mapped[list[ProjectOrganization]] = relationship(
        cascade="all, delete-orphan", order_by=ProjectOrganization.position
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    # The version column makes every UPDATE conditional on the version read, so two
    # writers holding the same ETag cannot both succeed (the loser gets 412).
    __mapper_args__ = {"version_id_col": version}

    def organizations(self, role: OrganizationRole) -> list[Organization]:
        return [p.organization for p in self.participations if p.role == role]

    @property
    def donors(self) -> list[Organization]:
        return self.organizations(OrganizationRole.DONOR)

    @property
    def implementers(self) -> list[Organization]:
        return self.organizations(OrganizationRole.IMPLEMENTER)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class FactDimension(enum.IntEnum):
    """What a ``project_fact`` row links its project to."""

    PROJECT = 0  # the project itself, once: for grouping by status or year
    COUNTRY = 1
    THEME = 2
    DONOR = 3
    IMPLEMENTER = 4


# A narrow copy of each project's links, each row carrying the project columns the tables
# group and filter on (adam/projects/facts.py keeps it current on every write). The tables
# read a grouping from one index instead of joining the links to the projects row by row,
# which a plain GROUP BY does too slowly at 100k projects and beyond (bench/RESULTS.md).
project_fact = Table(
    "project_fact",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("dimension", SmallInteger, primary_key=True),
    # A country code, or a theme's or an organization's id as text; "" for the project row.
    Column("key", String(20), primary_key=True),
    Column("withdrawn", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("start_year", Integer),
    Column("end_year", Integer),
    Column("currency", String(3)),
    Column("amount", Money()),
    # What a grouping reads, in the order it filters and groups (key, currency, then the
    # years of the timeline), so SQLite groups while it walks the index instead of sorting
    # into a temporary B-tree; an index-only scan on PostgreSQL.
    Index(
        "ix_project_fact_grouping",
        "dimension",
        "withdrawn",
        "key",
        "currency",
        "start_year",
        "end_year",
        "status",
        "amount",
        "project_id",
    ),
    # The gap view's active projects (adam/gaps): status and end date first, so that it
    # reads the index alone instead of each row; and by country (the key second), so that
    # recomputing one country's figures reads that country's rows only.
    Index(
        "ix_project_fact_active",
        "dimension",
        "withdrawn",
        "status",
        "end_date",
        "key",
        "project_id",
        "currency",
        "amount",
    ),
    Index(
        "ix_project_fact_country",
        "dimension",
        "key",
        "withdrawn",
        "status",
        "end_date",
        "project_id",
        "currency",
        "amount",
    ),
)


# One row per project, country, theme and donor (donor 0: the project names none), carrying
# the columns the gap view filters on (adam/gaps), kept with ``project_fact`` by
# adam/projects/facts.py. One country's cells are then one range of ix_project_cell_fact
# read alone, instead of a country's fact rows each joined to its theme and donor rows.
project_cell_fact = Table(
    "project_cell_fact",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", String(2), primary_key=True),
    Column("theme_id", Integer, primary_key=True),
    Column("donor_id", Integer, primary_key=True),
    Column("withdrawn", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("end_date", Date),
    Column("currency", String(3)),
    Column("amount", Money()),
    Index(
        "ix_project_cell_fact",
        "country_code",
        "withdrawn",
        "status",
        "end_date",
        "theme_id",
        "project_id",
        "donor_id",
        "currency",
        "amount",
    ),
)


# Per country, a number raised by each transaction that changes ``project_fact`` rows of that
# country (a project registered, imported, edited, withdrawn or restored there, or moved out
# of it). A reader keeping figures per country (the gap view, adam/gaps/matrix.py) recomputes
# only the countries whose number moved; it works across processes, as the rows commit with
# the facts they announce.
project_fact_version = Table(
    "project_fact_version",
    Base.metadata,
    Column("country_code", String(2), primary_key=True),
    Column("version", Integer, nullable=False),
)


class ProjectCodeCounter(Base):
    """Last sequence number used for readable project codes, per prefix such as ``AF-2026``."""

    __tablename__ = "project_code_counter"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_value: Mapped[int]


class ProjectHistoryAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    WITHDRAW = "withdraw"
    RESTORE = "restore"


class ProjectHistory(Base):
    """One recorded change of a project: who, when, and each field's old and new value."""

    __tablename__ = "project_history"

    id: Mapped[intpk]
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    action: Mapped[ProjectHistoryAction] = mapped_column(
        enum_type(ProjectHistoryAction, "project_history_action")
    )
    version: Mapped[int]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[timestamp]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Set instead of project_id, so that a new project and its creation flush together.
    project: Mapped[Project] = relationship()
    actor: Mapped[User | None] = relationship(lazy="joined")


# The keys a project list sorts by (``?sort=``), and the column each stands for.
SORT_COLUMNS = {
    "title": Project.title,
    "start_date": Project.start_date,
    "end_date": Project.end_date,
    "budget": Project.budget_amount,
    "created_at": Project.created_at,
    "updated_at": Project.updated_at,
    "code": Project.code,
    "id": Project.id,
}
