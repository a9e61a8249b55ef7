"""duplicate matcher: word weights per indexed project, organization-country keys

Revision ID: 7c1e5b9d4a20
Revises: df6e4632262e
Create Date: 2026-11-30 03:10:00

``project_search.weights`` is NULL on rows written before this revision: they are indexed
again by ``adam db upgrade`` / ``adam duplicates reindex`` (``unindexed_project_ids``), which
also fills ``match_key`` for them. ``search_term_stat`` becomes a snapshot on SQLite too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e5b9d4a20"
down_revision: str | None = "df6e4632262e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite: rewriting a row's weights alone must not rewrite its full-text entry.
FTS_UPDATE = (
    "CREATE TRIGGER project_search_fts_update AFTER UPDATE OF {columns} ON project_search BEGIN "
    "INSERT INTO project_fts(project_fts, rowid, title_terms, description_terms) "
    "VALUES ('delete', old.project_id, old.title_terms, old.description_terms); "
    "INSERT INTO project_fts(rowid, title_terms, description_terms) "
    "VALUES (new.project_id, new.title_terms, new.description_terms); END"
)
OLD_COLUMNS = "project_id, title_terms, description_head, description_terms, phases, years"


def _fts_update_trigger(columns: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS project_search_fts_update")
        op.execute(FTS_UPDATE.format(columns=columns))


def upgrade() -> None:
    with op.batch_alter_table("project_search", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weights", sa.Text(), nullable=True))
    op.create_table(
        "match_key",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_match_key_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_match_key_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "country_code", "project_id", name=op.f("pk_match_key")
        ),
    )
    op.create_index(
        "ix_match_key_organization_country_start",
        "match_key",
        ["organization_id", "country_code", "start_date"],
    )
    op.create_index("ix_match_key_project_id", "match_key", ["project_id"])
    _fts_update_trigger("project_id, title_terms, description_terms")


def downgrade() -> None:
    _fts_update_trigger(OLD_COLUMNS)
    op.drop_index("ix_match_key_project_id", table_name="match_key")
    op.drop_index("ix_match_key_organization_country_start", table_name="match_key")
    op.drop_table("match_key")
    with op.batch_alter_table("project_search", schema=None) as batch_op:
        batch_op.drop_column("weights")
