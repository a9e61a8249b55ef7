"""project_fact index for the gap view's active projects

Revision ID: f6a7b8c9d0e1
Revises: f1a2b3c4d5e6
Create Date: 2026-12-07 08:15:00

The gap view keeps active projects only (status, and an end date absent or not past): with
status and end_date in one index beside what it groups and sums, it reads the index alone
instead of each row (bench/gaps.py, bench/RESULTS.md).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f6a7b8c9d0e1"
down_revision: str | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "dimension",
    "withdrawn",
    "status",
    "end_date",
    "key",
    "project_id",
    "currency",
    "amount",
]


def upgrade() -> None:
    op.create_index("ix_project_fact_active", "project_fact", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_project_fact_active", table_name="project_fact")
