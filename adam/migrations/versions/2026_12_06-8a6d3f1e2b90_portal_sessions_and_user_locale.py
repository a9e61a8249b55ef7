"""portal sessions and the language a user chose

Revision ID: 8a6d3f1e2b90
Revises: 5e3b8c1d7a42
Create Date: 2026-12-06 20:06:38

The portal signs people in with a cookie whose token is kept here as a hash, so that sign-out,
idle expiry and deactivation end a session on the server, whatever the browser keeps.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "8a6d3f1e2b90"
down_revision: str | None = "5e3b8c1d7a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_portal_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_session_token_hash")),
    )
    with op.batch_alter_table("portal_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_session_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("locale")

    with op.batch_alter_table("portal_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_session_user_id"))

    op.drop_table("portal_session")
