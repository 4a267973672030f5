"""campaigns: artefacts, which finding showed which, campaigns and their members

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 20:30:00
"""

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

KINDS = ('phone', 'bank_account', 'iban', 'payment_qr', 'btc_wallet', 'eth_wallet', 'trx_wallet', 'telegram',
         'whatsapp', 'line', 'email', 'google_analytics', 'google_tag_manager', 'adsense', 'meta_pixel',
         'favicon_sha256', 'favicon_phash', 'screenshot_phash', 'image_phash', 'html_structure')
SEEN = ('text', 'profile', 'html', 'qr', 'image', 'screenshot')


def _in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    # The kinds are written out here, not imported: a migration stays what it was when it ran.
    op.create_table(
        'artefacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('value', sa.String(length=1000), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in('kind', KINDS), name=op.f('ck_artefacts_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_artefacts')),
        sa.UniqueConstraint('kind', 'value', name=op.f('uq_artefacts_kind_value')),
    )
    op.create_table(
        'finding_artefacts',
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.Column('artefact_id', sa.Integer(), nullable=False),
        sa.Column('seen', sa.String(length=16), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in('seen', SEEN), name=op.f('ck_finding_artefacts_seen')),
        sa.ForeignKeyConstraint(['artefact_id'], ['artefacts.id'], name=op.f('fk_finding_artefacts_artefact_id_artefacts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_artefacts_finding_id_findings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('finding_id', 'artefact_id', 'seen', name=op.f('pk_finding_artefacts')),
    )
    op.create_index('ix_finding_artefacts_artefact_id', 'finding_artefacts', ['artefact_id'], unique=False)
    op.create_table(
        'campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('merged_into_id', sa.Integer(), nullable=True),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['merged_into_id'], ['campaigns.id'], name=op.f('fk_campaigns_merged_into_id_campaigns'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    )
    op.create_table(
        'campaign_members',
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_members_campaign_id_campaigns'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_campaign_members_finding_id_findings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('finding_id', name=op.f('pk_campaign_members')),
    )
    op.create_index('ix_campaign_members_campaign_id', 'campaign_members', ['campaign_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_campaign_members_campaign_id', table_name='campaign_members')
    op.drop_table('campaign_members')
    op.drop_table('campaigns')
    op.drop_index('ix_finding_artefacts_artefact_id', table_name='finding_artefacts')
    op.drop_table('finding_artefacts')
    op.drop_table('artefacts')
