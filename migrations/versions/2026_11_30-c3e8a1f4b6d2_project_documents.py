"""project documents and pictures

Revision ID: c3e8a1f4b6d2
Revises: 9b4f2e7d1c55
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

revision: str = "c3e8a1f4b6d2"
down_revision: str | None = "9b4f2e7d1c55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
