"""project covering index for the list and the tables

Revision ID: df6e4632262e
Revises: 2d84c113a9c3
Create Date: 2026-11-23 12:53:23.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "df6e4632262e"
down_revision: str | None = "2d84c113a9c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "id",
    "withdrawn_at",
    "created_at",
    "status",
    "start_date",
    "budget_currency",
    "budget_amount",
]


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index("ix_project_id_covering", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_id_covering")
