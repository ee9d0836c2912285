"""merge the digest-marks and watched-pages branches

Revision ID: 0003_merge
Revises: 0002_issue5_digest_marks, 0002_issue8b_watched
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0003_merge"
down_revision = ("0002_issue5_digest_marks", "0002_issue8b_watched")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
