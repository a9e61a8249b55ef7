"""idempotency keys: the answers of creates sent with an Idempotency-Key

Revision ID: e5a1c7d3b842
Revises: e5b1d7c3a9f2
Create Date: 2026-12-07 02:40:00

One row per user and key, written in the transaction of the create it answers, so that a
retry after a lost connection gets that answer instead of creating again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "e5a1c7d3b842"
down_revision: str | None = "e5b1d7c3a9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotency_key_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_id_key"),
    )
    op.create_index("ix_idempotency_key_expires_at", "idempotency_key", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_key_expires_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
