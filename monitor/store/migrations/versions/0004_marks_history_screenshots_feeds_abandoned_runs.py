"""marks history, screenshots, feed states, abandoned collection runs, takedown status sent

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('status_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("subject IN ('finding', 'takedown')", name=op.f('ck_status_marks_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_marks'))
    )
    op.create_index('ix_status_marks_subject_subject_id', 'status_marks', ['subject', 'subject_id'], unique=False)
    op.create_table('feed_states',
    sa.Column('url_sha256', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('body_path', sa.Text(), nullable=True),
    sa.Column('body_sha256', sa.String(length=64), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('url_sha256', name=op.f('pk_feed_states'))
    )
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screenshot', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('screenshot_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('screenshot_error', sa.Text(), nullable=True))
    with op.batch_alter_table('collection_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_collection_runs_status'), type_='check')
        batch_op.create_check_constraint(
            'status', "status IN ('running', 'ok', 'failed', 'abandoned')")
    # One spelling of a takedown the owner sent: 'sent' (was 'sent_by_owner').
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_takedowns_status'), type_='check')
    op.execute("UPDATE takedowns SET status = 'sent' WHERE status = 'sent_by_owner'")
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.create_check_constraint('status', "status IN ('drafted', 'sent', 'resolved')")


def downgrade() -> None:
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_takedowns_status'), type_='check')
    op.execute("UPDATE takedowns SET status = 'sent_by_owner' WHERE status = 'sent'")
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.create_check_constraint('status', "status IN ('drafted', 'sent_by_owner', 'resolved')")
    op.execute("UPDATE collection_runs SET status = 'failed' WHERE status = 'abandoned'")
    with op.batch_alter_table('collection_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_collection_runs_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('running', 'ok', 'failed')")
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.drop_column('screenshot_error')
        batch_op.drop_column('screenshot_sha256')
        batch_op.drop_column('screenshot')
    op.drop_table('feed_states')
    op.drop_index('ix_status_marks_subject_subject_id', table_name='status_marks')
    op.drop_table('status_marks')
