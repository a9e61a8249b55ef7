"""project_cell_fact: each project's (country, theme, donor) combinations for the gap view

Revision ID: d0e1f2a3b4c5
Revises: a7b8c9d0e1f2
Create Date: 2026-12-07 17:00:00

After a write the gap view recomputes the countries it touched (adam/gaps/matrix.py). Joining
a country's fact rows to their theme and donor rows cost 30-40 ms per large country on
PostgreSQL at 100k projects, and a view catching up several writes paid it per country; one
range of this table's index, read alone, gives the same figures. The rows of the projects
already stored are written here; adam/projects/facts.py keeps them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0e1f2a3b4c5"
down_revision: str | None = "a7b8c9d0e1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The copy as adam/projects/facts.py writes it, spelled in SQL so that a later change of the
# code does not change what this revision did.
COPY = """
INSERT INTO project_cell_fact (project_id, country_code, theme_id, donor_id, withdrawn, status,
                               end_date, currency, amount)
SELECT p.id, c.country_code, t.theme_id, COALESCE(o.organization_id, 0),
       p.withdrawn_at IS NOT NULL, p.status, p.end_date, p.budget_currency, p.budget_amount
FROM project AS p
JOIN project_country AS c ON c.project_id = p.id
JOIN project_theme AS t ON t.project_id = p.id
LEFT OUTER JOIN project_organization AS o ON o.project_id = p.id AND o.role = 'donor'
"""


def upgrade() -> None:
    op.create_table(
        "project_cell_fact",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_cell_fact_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id",
            "country_code",
            "theme_id",
            "donor_id",
            name=op.f("pk_project_cell_fact"),
        ),
    )
    op.execute(COPY)
    # Built after the copy: one sort instead of an index kept up row by row.
    op.create_index(
        "ix_project_cell_fact",
        "project_cell_fact",
        [
            "country_code",
            "withdrawn",
            "status",
            "end_date",
            "theme_id",
            "project_id",
            "donor_id",
            "currency",
            "amount",
        ],
    )
    # The planner's statistics of the new rows now, not at autovacuum's next pass.
    op.execute("ANALYZE project_cell_fact")


def downgrade() -> None:
    op.drop_index("ix_project_cell_fact", table_name="project_cell_fact")
    op.drop_table("project_cell_fact")
