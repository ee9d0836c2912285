"""Linked documents: pages.kind (page | document) and the document_links table (issue 15)

Revision ID: 0004_documents
Revises: 0003_merge
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_documents'
down_revision = '0003_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='page',
                                      nullable=False))
    op.create_table(
        'document_links',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['pages.id'], name='fk_document_links_document'),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name='fk_document_links_page'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'page_id', name='uq_document_links_pair'),
    )
    op.create_index('ix_document_links_page', 'document_links', ['page_id'])


def downgrade() -> None:
    op.drop_index('ix_document_links_page', table_name='document_links')
    op.drop_table('document_links')
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('kind')
