"""merge the four 0004 branches: tables, prune, linked documents, page requisites

Revision ID: 0005_merge
Revises: 0004_tables, 0004_prune, 0004_documents, 0004_requisites
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0005_merge"
down_revision = ("0004_tables", "0004_prune", "0004_documents", "0004_requisites")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
