"""duplicate matcher: search index, alerts, term statistics

Revision ID: a3d9c2e51f70
Revises: 574db8cf61b4
Create Date: 2026-11-23 13:00:00

The full-text part of the search index is backend-specific and invisible to autogenerate
(migrations/env.py leaves it out of comparisons): on SQLite an FTS5 table over
project_search kept in step by triggers, with its vocabulary table for document
frequencies; on PostgreSQL a generated tsvector column with a GIN index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "a3d9c2e51f70"
down_revision: str | None = "574db8cf61b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE project_fts USING fts5("
    "title_terms, description_terms, content='project_search', content_rowid='project_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE project_fts_vocab USING fts5vocab(project_fts, 'row')",
    "CREATE TRIGGER project_search_fts_insert AFTER INSERT ON project_search BEGIN "
    "INSERT INTO project_fts(rowid, title_terms, description_terms) "
    "VALUES (new.project_id, new.title_terms, new.description_terms); END",
    "CREATE TRIGGER project_search_fts_delete AFTER DELETE ON project_search BEGIN "
    "INSERT INTO project_fts(project_fts, rowid, title_terms, description_terms) "
    "VALUES ('delete', old.project_id, old.title_terms, old.description_terms); END",
    "CREATE TRIGGER project_search_fts_update AFTER UPDATE ON project_search BEGIN "
    "INSERT INTO project_fts(project_fts, rowid, title_terms, description_terms) "
    "VALUES ('delete', old.project_id, old.title_terms, old.description_terms); "
    "INSERT INTO project_fts(rowid, title_terms, description_terms) "
    "VALUES (new.project_id, new.title_terms, new.description_terms); END",
]
POSTGRES_FTS = [
    "ALTER TABLE project_search ADD COLUMN document tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', title_terms || ' ' || description_terms)) STORED",
    "CREATE INDEX ix_project_search_document ON project_search USING gin (document)",
]


def upgrade() -> None:
    op.create_table(
        "project_search",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("description_head", sa.Text(), nullable=False),
        sa.Column("description_terms", sa.Text(), nullable=False),
        sa.Column("phases", sa.String(length=100), nullable=False),
        sa.Column("years", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_search_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_search")),
    )
    op.create_table(
        "search_term_stat",
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_term_stat")),
    )
    op.create_table(
        "duplicate_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_a_id", sa.Integer(), nullable=False),
        sa.Column("project_b_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_project_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "resolved", name="alert_status", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "resolution",
            sa.Enum(
                "duplicate", "related", "not_duplicate", name="alert_resolution", native_enum=False
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "project_a_id < project_b_id", name=op.f("ck_duplicate_alert_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["project_a_id"], ["project.id"], name=op.f("fk_duplicate_alert_project_a_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["project_b_id"], ["project.id"], name=op.f("fk_duplicate_alert_project_b_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_project_id"],
            ["project.id"],
            name=op.f("fk_duplicate_alert_raised_by_project_id_project"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user_account.id"],
            name=op.f("fk_duplicate_alert_resolved_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_alert")),
        sa.UniqueConstraint("project_a_id", "project_b_id", name="uq_duplicate_alert_pair"),
    )
    op.create_index("ix_duplicate_alert_project_b_id", "duplicate_alert", ["project_b_id"])
    op.create_index("ix_duplicate_alert_status_id", "duplicate_alert", ["status", "id"])
    statements = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS project_search_fts_{name}")
        op.execute("DROP TABLE IF EXISTS project_fts_vocab")
        op.execute("DROP TABLE IF EXISTS project_fts")
    op.drop_index("ix_duplicate_alert_status_id", table_name="duplicate_alert")
    op.drop_index("ix_duplicate_alert_project_b_id", table_name="duplicate_alert")
    op.drop_table("duplicate_alert")
    op.drop_table("search_term_stat")
    op.drop_table("project_search")
