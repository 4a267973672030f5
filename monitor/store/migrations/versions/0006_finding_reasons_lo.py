"""findings keep their reasons in Lao too

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Owners who read Lao get each reason in Lao (Score.reasons_lo, one for one with reasons);
    # older findings have none and are shown in English.
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasons_lo', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_column('reasons_lo')
