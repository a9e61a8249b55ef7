"""indexes on project created_at and updated_at, for the search page's order

Revision ID: b7e41c2d9a63
Revises: 8a6d3f1e2b90
Create Date: 2026-12-06 21:25:00

The search page takes its total from its facet counts, so its page of projects no longer needs
a pass over every match; ordered by creation (the default) or by change, an index gives the
first 20 at once instead of a sort of every match.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b7e41c2d9a63"
down_revision: str | None = "8a6d3f1e2b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index("ix_project_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_project_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_updated_at")
        batch_op.drop_index("ix_project_created_at")
