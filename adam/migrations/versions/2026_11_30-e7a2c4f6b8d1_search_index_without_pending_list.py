"""duplicate matcher: the PostgreSQL word index takes new projects at once (no GIN pending list)

Revision ID: e7a2c4f6b8d1
Revises: d4f9b2a5c7e3
Create Date: 2026-11-30 21:30:00

With ``fastupdate`` on (PostgreSQL's default), a GIN index parks new entries in a pending list
that every search reads in full until VACUUM (or autovacuum's analyze) merges it. The matcher
searches right after each registration, so the list is always fresh: after an import of a
thousand projects, looking up one rare word read every row (5 ms, growing with the list)
instead of the index (0.09 ms). Entries now go straight into the index: a registration
pays a little more once, every later check pays nothing.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e7a2c4f6b8d1"
down_revision: str | None = "d4f9b2a5c7e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_project_search_document SET (fastupdate = off)")
    # What is parked already goes into the index now.
    op.execute("SELECT gin_clean_pending_list('ix_project_search_document')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_project_search_document RESET (fastupdate)")
