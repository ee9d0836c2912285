"""merge the requisites branch (0004_requisites) with 0005_merge (tables, prune)

Revision ID: 0006_merge
Revises: 0005_merge, 0004_requisites
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0006_merge"
down_revision = ("0005_merge", "0004_requisites")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
