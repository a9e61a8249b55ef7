"""room for encrypted webhook secrets; outbox messages found by age for the purge

Revision ID: e5b1d7c3a9f2
Revises: c4f2a9e7d105
Create Date: 2026-12-07 02:30:00

Webhook secrets are now stored encrypted (adam/notifications/sealing.py): a sealed secret is
about 170 characters, so the column widens. The secrets already stored are NOT encrypted here:
a migration knows no key (the key is the app's configuration, which this revision must not
depend on, and any code it imported could change after it). A sealed value starts with
"fernet:", so a clear one marks itself: `adam db upgrade` seals those right after migrating,
and every `adam worker` as it starts; until then they still sign as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b1d7c3a9f2"
down_revision: str | None = "c4f2a9e7d105"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscription") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=100), type_=sa.String(length=400)
        )
    with op.batch_alter_table("outbox_message") as batch:
        batch.create_index("ix_outbox_message_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    sealed = op.get_bind().scalar(
        sa.text("SELECT COUNT(*) FROM webhook_subscription WHERE secret LIKE 'fernet:%'")
    )
    if sealed:
        # The release before signs with the stored value as it is: sealed ones would sign wrong.
        raise RuntimeError(
            f"{sealed} webhook secrets are encrypted: run `adam webhooks encrypt-secrets "
            "--decrypt` first, then migrate down."
        )
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index("ix_outbox_message_created_at")
    with op.batch_alter_table("webhook_subscription") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=400), type_=sa.String(length=100)
        )
