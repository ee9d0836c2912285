"""merge the requisites branch (0004_requisites) with 0006_merge_documents

Revision ID: 0007_merge_requisites
Revises: 0006_merge_documents, 0004_requisites
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0007_merge_requisites"
down_revision = ("0006_merge_documents", "0004_requisites")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
