"""project_fact_version: per country, a number raised with each change of its project facts;
project_fact index by country

Revision ID: a7b8c9d0e1f2
Revises: c9d0e1f2a3b4
Create Date: 2026-12-07 14:00:00

The gap view keeps its matrix per country and, after a write, recomputes only the countries
whose number moved (adam/gaps/matrix.py) instead of the whole matrix, reading their fact rows
from ix_project_fact_country. No rows to copy: a country without a row has not changed since
the table was created, and the view computes everything once after a start.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7b8c9d0e1f2"
down_revision: str | None = "c9d0e1f2a3b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX_COLUMNS = [
    "dimension",
    "key",
    "withdrawn",
    "status",
    "end_date",
    "project_id",
    "currency",
    "amount",
]


def upgrade() -> None:
    op.create_table(
        "project_fact_version",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country_code", name=op.f("pk_project_fact_version")),
    )
    op.create_index("ix_project_fact_country", "project_fact", INDEX_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_project_fact_country", table_name="project_fact")
    op.drop_table("project_fact_version")
