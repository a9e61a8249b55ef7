"""documents of Paris Pact events beside those of projects

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-07 13:00:00

An event's agenda, presentations and report are kept as a project's documents are, in the
same table: a document belongs to exactly one project or one event.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9d0e1f2a3b4"
down_revision: str | None = "b8c9d0e1f2a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project_document") as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            op.f("fk_project_document_event_id_pact_event"), "pact_event", ["event_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_project_document_one_owner"), "(project_id IS NULL) <> (event_id IS NULL)"
        )
        batch_op.create_index("ix_project_document_event_id_id", ["event_id", "id"], unique=False)


def downgrade() -> None:
    # Event documents have no project to fall back on, and nothing is deleted silently: a
    # database that holds any is not taken below this revision.
    held = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM project_document WHERE event_id IS NOT NULL")
    )
    if held:
        raise RuntimeError(
            f"{held} documents belong to events; the schema before {revision} cannot hold "
            "them. Back up (adam backup DIR) and remove them first."
        )
    with op.batch_alter_table("project_document") as batch_op:
        batch_op.drop_index("ix_project_document_event_id_id")
        batch_op.drop_constraint(op.f("ck_project_document_one_owner"), type_="check")
        batch_op.drop_constraint(
            op.f("fk_project_document_event_id_pact_event"), type_="foreignkey"
        )
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("event_id")
