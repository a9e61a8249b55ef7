"""notification outbox and webhooks

The outbox (one message per event, one delivery per target) that `adam worker` drains,
and webhook subscriptions.

Revision ID: 2d84c113a9c3
Revises: a3d9c2e51f70
Create Date: 2026-11-23 12:58:32.142660
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "2d84c113a9c3"
down_revision: str | None = "a3d9c2e51f70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_webhook_subscription_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "webhook", name="notification_channel", native_enum=False),
            nullable=False,
        ),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                "cancelled",
                name="delivery_status",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_notification_delivery_message_id_outbox_message"),
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_notification_delivery_webhook_id_webhook_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery")),
    )
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_delivery_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_delivery_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_delivery_webhook_id_id", ["webhook_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_delivery_webhook_id_id")
        batch_op.drop_index(batch_op.f("ix_notification_delivery_message_id"))
        batch_op.drop_index("ix_notification_delivery_due")

    op.drop_table("notification_delivery")
    op.drop_table("webhook_subscription")
    op.drop_table("outbox_message")
