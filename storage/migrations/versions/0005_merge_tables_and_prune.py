"""merge the tables and prune branches

Revision ID: 0005_merge
Revises: 0004_tables, 0004_prune
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0005_merge"
down_revision = ("0004_tables", "0004_prune")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
