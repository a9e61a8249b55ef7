"""event_history: each event's recorded changes, as recommendations have

Revision ID: e1f2a3b4c5d6
Revises: d0e1f2a3b4c5
Create Date: 2026-12-07 18:00:00

Events were registered, edited, withdrawn and restored with no record of who did what. From
this revision every write of an event adds a row here. The events already stored get one
"create" row each (no actor, at their creation time, no changes), so that every event has a
history and the first row of each is its registration.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "e1f2a3b4c5d6"
down_revision: str | None = "d0e1f2a3b4c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled in SQL so that a later change of the code does not change what this revision did.
BACKFILL = """
INSERT INTO event_history (event_id, action, actor_id, at, changes, note)
SELECT id, 'create', NULL, created_at, '{}', NULL FROM pact_event ORDER BY id
"""


def upgrade() -> None:
    op.create_table(
        "event_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
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
            name=op.f("fk_event_history_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["pact_event.id"],
            name=op.f("fk_event_history_event_id_pact_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_history")),
    )
    with op.batch_alter_table("event_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_history_event_id"), ["event_id"], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("event_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_history_event_id"))
    op.drop_table("event_history")
