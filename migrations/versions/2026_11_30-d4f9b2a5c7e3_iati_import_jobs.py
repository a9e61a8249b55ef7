"""IATI import jobs; project language

Revision ID: d4f9b2a5c7e3
Revises: c3e8a1f4b6d2
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

revision: str = "d4f9b2a5c7e3"
down_revision: str | None = "c3e8a1f4b6d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
