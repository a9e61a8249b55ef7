"""project documents and pictures

Documents and pictures kept with a project; their bytes live in the blob store
(UPLOAD_DIR), named by SHA-256.

Revision ID: c3e8a1f4b6d2
Revises: 9b4f2e7d1c55
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "c3e8a1f4b6d2"
down_revision: str | None = "9b4f2e7d1c55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("category_code", sa.String(length=3), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_project_document_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_document_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_project_document_withdrawn_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_document")),
    )
    with op.batch_alter_table("project_document", schema=None) as batch_op:
        batch_op.create_index(
            "ix_project_document_project_id_id", ["project_id", "id"], unique=False
        )
        batch_op.create_index("ix_project_document_sha256", ["sha256"], unique=False)
        batch_op.create_index(
            "ix_project_document_thumbnail_sha256", ["thumbnail_sha256"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("project_document", schema=None) as batch_op:
        batch_op.drop_index("ix_project_document_thumbnail_sha256")
        batch_op.drop_index("ix_project_document_sha256")
        batch_op.drop_index("ix_project_document_project_id_id")

    op.drop_table("project_document")
