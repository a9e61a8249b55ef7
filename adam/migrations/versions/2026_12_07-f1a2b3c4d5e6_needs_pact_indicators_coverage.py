"""needs, Paris Pact events and recommendations, indicators, coverage links

Revision ID: f1a2b3c4d5e6
Revises: e5a1c7d3b842
Create Date: 2026-12-07 07:48:13

What the Paris Pact asked of ADAM beyond the registry: the events of its consultative
mechanism and the recommendations they agree, with history and progress notes; what
countries need; country fact-sheet indicators; and the links (suggested, confirmed or
rejected) between projects and the needs or recommendations they serve.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "f1a2b3c4d5e6"
down_revision: str | None = "e5a1c7d3b842"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "country_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["country.code"],
            name=op.f("fk_country_indicator_country_code_country"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_country_indicator_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_country_indicator")),
        sa.UniqueConstraint(
            "country_code", "indicator", "year", name="uq_country_indicator_country_code"
        ),
    )
    op.create_table(
        "pact_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "expert_working_group",
                "expert_round_table",
                "policy_consultative_group",
                "ministerial_conference",
                name="pact_event_kind",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("focus", sa.Text(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("host", sa.String(length=300), nullable=True),
        sa.Column(
            "pillar",
            sa.Enum(
                "regional_initiatives",
                "financial_flows",
                "precursors",
                "drug_abuse_and_dependence",
                name="pillar",
                native_enum=False,
            ),
            nullable=True,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column(
            "date_precision",
            sa.Enum("day", "month", name="date_precision", native_enum=False),
            nullable=False,
        ),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("participant_countries", sa.Integer(), nullable=True),
        sa.Column("participant_organizations", sa.Integer(), nullable=True),
        sa.Column("participant_people", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_pact_event_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_event")),
    )
    with op.batch_alter_table("pact_event", schema=None) as batch_op:
        batch_op.create_index("ix_pact_event_start_date", ["start_date"], unique=False)

    op.create_table(
        "pact_event_country",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["country.code"],
            name=op.f("fk_pact_event_country_country_code_country"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["pact_event.id"],
            name=op.f("fk_pact_event_country_event_id_pact_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "country_code", name=op.f("pk_pact_event_country")),
    )
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("text_ru", sa.Text(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column(
            "pillar",
            sa.Enum(
                "regional_initiatives",
                "financial_flows",
                "precursors",
                "drug_abuse_and_dependence",
                name="pillar",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("addressees", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "proposed",
                "endorsed",
                "superseded",
                "withdrawn",
                name="recommendation_state",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("endorsed_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "follow_up",
            sa.Enum(
                "not_started",
                "under_way",
                "implemented",
                name="follow_up_status",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_recommendation_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["endorsed_by_id"],
            ["pact_event.id"],
            name=op.f("fk_recommendation_endorsed_by_id_pact_event"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["pact_event.id"], name=op.f("fk_recommendation_event_id_pact_event")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_superseded_by_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_recommendation_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
        sa.UniqueConstraint("code", name=op.f("uq_recommendation_code")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendation_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_recommendation_state", ["state"], unique=False)

    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column(
            "priority",
            sa.Enum("high", "medium", "low", name="need_priority", native_enum=False),
            nullable=False,
        ),
        sa.Column("cost_amount", adam.db.Money(), nullable=True),
        sa.Column("cost_currency", sa.String(length=3), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("open", "partly_met", "met", "withdrawn", name="need_state", native_enum=False),
            nullable=False,
        ),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("alerted_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["country_code"], ["country.code"], name=op.f("fk_need_country_code_country")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_need_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_need_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"], name=op.f("fk_need_updated_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need")),
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index("ix_need_country_state", ["country_code", "state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_need_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "recommendation_country",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["country.code"],
            name=op.f("fk_recommendation_country_country_code_country"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_country_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "recommendation_id", "country_code", name=op.f("pk_recommendation_country")
        ),
    )
    with op.batch_alter_table("recommendation_country", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendation_country_country_code",
            ["country_code", "recommendation_id"],
            unique=False,
        )

    op.create_table(
        "recommendation_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "create",
                "update",
                "state",
                "follow_up",
                "withdraw",
                "restore",
                name="pact_history_action",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_recommendation_history_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_history_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_history")),
    )
    with op.batch_alter_table("recommendation_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_history_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )

    op.create_table(
        "recommendation_progress_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_recommendation_progress_note_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_progress_note_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_progress_note")),
    )
    with op.batch_alter_table("recommendation_progress_note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendation_progress_note_rec", ["recommendation_id", "noted_on"], unique=False
        )

    op.create_table(
        "recommendation_theme",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_theme_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_recommendation_theme_theme_id_theme")
        ),
        sa.PrimaryKeyConstraint(
            "recommendation_id", "theme_id", name=op.f("pk_recommendation_theme")
        ),
    )
    with op.batch_alter_table("recommendation_theme", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendation_theme_theme_id", ["theme_id", "recommendation_id"], unique=False
        )

    op.create_table(
        "coverage_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "suggested", "confirmed", "rejected", name="coverage_link_state", native_enum=False
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(need_id IS NULL) <> (recommendation_id IS NULL)",
            name=op.f("ck_coverage_link_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_coverage_link_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_coverage_link_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_coverage_link_need_id_need")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_coverage_link_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_coverage_link_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_link")),
        sa.UniqueConstraint("need_id", "project_id", name="uq_coverage_link_need_id"),
        sa.UniqueConstraint(
            "recommendation_id", "project_id", name="uq_coverage_link_recommendation_id"
        ),
    )
    with op.batch_alter_table("coverage_link", schema=None) as batch_op:
        batch_op.create_index("ix_coverage_link_project_id", ["project_id"], unique=False)

    op.create_table(
        "need_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("create", "update", "state", name="need_history_action", native_enum=False),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_need_history_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_need_history_need_id_need")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_history")),
    )
    with op.batch_alter_table("need_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_history_need_id"), ["need_id"], unique=False)

    op.create_table(
        "need_theme",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_need_theme_need_id_need"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_need_theme_theme_id_theme")
        ),
        sa.PrimaryKeyConstraint("need_id", "theme_id", name=op.f("pk_need_theme")),
    )
    with op.batch_alter_table("need_theme", schema=None) as batch_op:
        batch_op.create_index(
            "ix_need_theme_theme_id_need_id", ["theme_id", "need_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("need_theme", schema=None) as batch_op:
        batch_op.drop_index("ix_need_theme_theme_id_need_id")

    op.drop_table("need_theme")
    with op.batch_alter_table("need_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_history_need_id"))

    op.drop_table("need_history")
    with op.batch_alter_table("coverage_link", schema=None) as batch_op:
        batch_op.drop_index("ix_coverage_link_project_id")

    op.drop_table("coverage_link")
    with op.batch_alter_table("recommendation_theme", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_theme_theme_id")

    op.drop_table("recommendation_theme")
    with op.batch_alter_table("recommendation_progress_note", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_progress_note_rec")

    op.drop_table("recommendation_progress_note")
    with op.batch_alter_table("recommendation_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_history_recommendation_id"))

    op.drop_table("recommendation_history")
    with op.batch_alter_table("recommendation_country", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_country_country_code")

    op.drop_table("recommendation_country")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_recommendation_id"))
        batch_op.drop_index("ix_need_country_state")

    op.drop_table("need")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_state")
        batch_op.drop_index(batch_op.f("ix_recommendation_event_id"))

    op.drop_table("recommendation")
    op.drop_table("pact_event_country")
    with op.batch_alter_table("pact_event", schema=None) as batch_op:
        batch_op.drop_index("ix_pact_event_start_date")

    op.drop_table("pact_event")
    op.drop_table("country_indicator")
