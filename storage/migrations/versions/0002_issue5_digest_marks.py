"""digest marks: periodic report digests already sent (issue 5)

Revision ID: 0002_issue5_digest_marks
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_issue5_digest_marks'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digest_marks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('digest_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_marks_period_end'), ['period_end'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('digest_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_marks_period_end'))

    op.drop_table('digest_marks')
