"""IATI import jobs; project language

Revision ID: d4f9b2a5c7e3
Revises: c3e8a1f4b6d2
Create Date: 2026-11-30 20:00:00

``project.language`` is the ISO 639-1 language of a project's title and description: IATI
narratives carry it (xml:lang), and an import keeps the text in the activity's language.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4f9b2a5c7e3"
down_revision: str | None = "c3e8a1f4b6d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("language", sa.String(2), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.drop_column("language")
