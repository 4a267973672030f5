"""collection runs record their DAG

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The Findings page links a sighting to its DAG run; the DAG was guessed from the source.
    with op.batch_alter_table('collection_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dag_id', sa.String(length=250), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('collection_runs', schema=None) as batch_op:
        batch_op.drop_column('dag_id')
