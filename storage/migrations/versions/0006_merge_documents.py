"""merge the documents branch with the tables and prune branches

Revision ID: 0006_merge_documents
Revises: 0005_merge, 0004_documents
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0006_merge_documents"
down_revision = ("0005_merge", "0004_documents")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
