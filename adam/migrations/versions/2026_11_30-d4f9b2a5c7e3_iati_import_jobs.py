"""IATI import jobs; project language

Revision ID: d4f9b2a5c7e3
Revises: c3e8a1f4b6d2
Create Date: 2026-11-30 20:00:00

``project.language`` is the ISO 639-1 language of a project's title and description: IATI
narratives carry it (xml:lang), and an import keeps the text in the activity's language.

``import_job`` holds each uploaded IATI activity file (its bytes, so any process can run it),
the claim of the process running it (token and lease), its counters and its report.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adam.db

revision: str = "d4f9b2a5c7e3"
down_revision: str | None = "c3e8a1f4b6d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("language", sa.String(2), nullable=False, server_default="en"))
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="import_status", native_enum=False),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", adam.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("lease_until", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", adam.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_import_job_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    with op.batch_alter_table("import_job") as batch:
        batch.create_index("ix_import_job_created_by_id", ["created_by_id"], unique=False)
        batch.create_index(
            "ix_import_job_status_lease_until", ["status", "lease_until"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("import_job") as batch:
        batch.drop_index("ix_import_job_status_lease_until")
        batch.drop_index("ix_import_job_created_by_id")
    op.drop_table("import_job")
    with op.batch_alter_table("project") as batch:
        batch.drop_column("language")
