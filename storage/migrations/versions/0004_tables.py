"""versions.tables: the data tables of each version's main text (issue 16)

NULL for versions recorded before: their tables are computed from the archived capture when first
asked for (and then kept).

Revision ID: 0004_tables
Revises: 0003_merge
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_tables"
down_revision = "0003_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tables", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("tables")
