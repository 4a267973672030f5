"""one cursor per Certificate Transparency log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reading CT logs from the logs themselves: where each log stands, moved only with the
    # findings of the entries before it.
    op.create_table('ct_log_cursors',
    sa.Column('log_id', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('next_index', sa.BigInteger(), nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('log_id', name=op.f('pk_ct_log_cursors'))
    )


def downgrade() -> None:
    op.drop_table('ct_log_cursors')
