"""country_indicator_history: every change of an indicator figure

Revision ID: b8c9d0e1f2a3
Revises: f6a7b8c9d0e1
Create Date: 2026-12-07 09:30:00

A figure entered or imported replaces the one stored for its country, indicator and year;
the history keeps who changed it, when, how (entered or imported), the old and new value and
source, and a note, as needs keep theirs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "b8c9d0e1f2a3"
down_revision: str | None = "f6a7b8c9d0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "country_indicator_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("figure_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("create", "update", name="indicator_history_action", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "via",
            sa.Enum("entry", "import", name="indicator_history_via", native_enum=False),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("old_value", sa.Numeric(precision=18, scale=3), nullable=True),
        sa.Column("new_value", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("old_source", sa.String(length=300), nullable=True),
        sa.Column("new_source", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_country_indicator_history_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["figure_id"],
            ["country_indicator.id"],
            name=op.f("fk_country_indicator_history_figure_id_country_indicator"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_country_indicator_history")),
    )
    with op.batch_alter_table("country_indicator_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_country_indicator_history_figure_id"), ["figure_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("country_indicator_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_country_indicator_history_figure_id"))

    op.drop_table("country_indicator_history")
