"""duplicate matcher: beneficiary countries in the search index (PostgreSQL full text)

Revision ID: 9b4f2e7d1c55
Revises: 7c1e5b9d4a20
Create Date: 2026-11-30 04:20:00

``project_search.scope`` holds the project's countries ("tj af"). On PostgreSQL the tsvector
now carries them as weight-D lexemes beside the text's weight-A ones, so one GIN scan finds
the rare words *in the project's countries*, instead of every hit being checked against
``project_country`` afterwards (which dominated the search at a million projects). SQLite's
FTS5 table is unchanged: its search stays within budget without it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b4f2e7d1c55"
down_revision: str | None = "7c1e5b9d4a20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_DOCUMENT = "to_tsvector('simple', title_terms || ' ' || description_terms)"
NEW_DOCUMENT = (
    "setweight(to_tsvector('simple', title_terms || ' ' || description_terms), 'A') || "
    "setweight(to_tsvector('simple', coalesce(scope, '')), 'D')"
)
BACKFILL = (
    "UPDATE project_search SET scope = coalesce(("
    "SELECT string_agg(lower(country_code), ' ' ORDER BY country_code) FROM project_country "
    "WHERE project_country.project_id = project_search.project_id), '')"
)


def _document(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_project_search_document")
    op.execute("ALTER TABLE project_search DROP COLUMN IF EXISTS document")
    op.execute(
        f"ALTER TABLE project_search ADD COLUMN document tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute("CREATE INDEX ix_project_search_document ON project_search USING gin (document)")


def upgrade() -> None:
    with op.batch_alter_table("project_search", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BACKFILL)
        _document(NEW_DOCUMENT)
    else:
        op.execute(
            BACKFILL.replace(
                "string_agg(lower(country_code), ' ' ORDER BY country_code)",
                "group_concat(lower(country_code), ' ')",
            )
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _document(OLD_DOCUMENT)
    with op.batch_alter_table("project_search", schema=None) as batch_op:
        batch_op.drop_column("scope")
