"""project_fact_version: per country, a number raised with each change of its project facts

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-12-07 14:00:00

The gap view keeps its matrix per country and, after a write, recomputes only the countries
whose number moved (adam/gaps/matrix.py) instead of the whole matrix. No rows to copy: a
country without a row has not changed since the table was created, and the view computes
everything once after a start.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7b8c9d0e1f2"
down_revision: str | None = "f6a7b8c9d0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_fact_version",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country_code", name=op.f("pk_project_fact_version")),
    )


def downgrade() -> None:
    op.drop_table("project_fact_version")
