"""project_fact: each project's links with the columns the tables group and filter on

Revision ID: c4f2a9e7d105
Revises: b7e41c2d9a63
Create Date: 2026-12-06 23:40:00

The statistics, the map and the country page group projects by country, theme, donor,
implementer, status and year. Joining the link tables to the projects row by row took
0.3-0.9 s at 100k projects; one covering index over these rows serves a grouping alone.
The rows of the projects already stored are written here; the project service keeps them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4f2a9e7d105"
down_revision: str | None = "b7e41c2d9a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The copy as adam/projects/facts.py writes it, spelled in SQL so that a later change of the
# code does not change what this revision did.
COPY = """
INSERT INTO project_fact (project_id, dimension, key, withdrawn, status, start_date, end_date,
                          start_year, end_year, currency, amount)
SELECT p.id, {dimension}, {key}, p.withdrawn_at IS NOT NULL, p.status, p.start_date, p.end_date,
       CAST(EXTRACT(YEAR FROM p.start_date) AS INTEGER),
       CAST(EXTRACT(YEAR FROM p.end_date) AS INTEGER),
       p.budget_currency, p.budget_amount
FROM {source}
"""
SQLITE_YEAR = "CAST(STRFTIME('%Y', {column}) AS INTEGER)"
SOURCES = (
    (0, "''", "project AS p"),
    (1, "l.country_code", "project_country AS l JOIN project AS p ON p.id = l.project_id"),
    (
        2,
        "CAST(l.theme_id AS VARCHAR)",
        "project_theme AS l JOIN project AS p ON p.id = l.project_id",
    ),
    (
        3,
        "CAST(l.organization_id AS VARCHAR)",
        "project_organization AS l JOIN project AS p ON p.id = l.project_id WHERE l.role = 'donor'",
    ),
    (
        4,
        "CAST(l.organization_id AS VARCHAR)",
        "project_organization AS l JOIN project AS p ON p.id = l.project_id"
        " WHERE l.role = 'implementer'",
    ),
)


def upgrade() -> None:
    op.create_table(
        "project_fact",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.SmallInteger(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("start_year", sa.Integer(), nullable=True),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_fact_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "dimension", "key", name=op.f("pk_project_fact")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for dimension, key, source in SOURCES:
        statement = COPY.format(dimension=dimension, key=key, source=source)
        if sqlite:
            for column in ("p.start_date", "p.end_date"):
                statement = statement.replace(
                    f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)",
                    SQLITE_YEAR.format(column=column),
                )
        op.execute(statement)
    # Built after the copy: one sort instead of an index kept up row by row.
    op.create_index(
        "ix_project_fact_grouping",
        "project_fact",
        [
            "dimension",
            "withdrawn",
            "key",
            "currency",
            "start_year",
            "end_year",
            "status",
            "amount",
            "project_id",
        ],
        unique=False,
    )
    # The planner's statistics of the new rows now, not at autovacuum's next pass.
    op.execute("ANALYZE project_fact")


def downgrade() -> None:
    op.drop_index("ix_project_fact_grouping", table_name="project_fact")
    op.drop_table("project_fact")
