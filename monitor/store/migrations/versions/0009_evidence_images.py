"""the pictures a saved page points at: its favicon and images

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Fetched with the page when a takedown is drafted, for campaigns to compare.
    op.create_table('evidence_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('takedown_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint("role IN ('favicon', 'image')", name=op.f('ck_evidence_images_role')),
    sa.ForeignKeyConstraint(['takedown_id'], ['takedowns.id'], name=op.f('fk_evidence_images_takedown_id_takedowns'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_images'))
    )
    op.create_index('ix_evidence_images_takedown_id', 'evidence_images', ['takedown_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_evidence_images_takedown_id', table_name='evidence_images')
    op.drop_table('evidence_images')
