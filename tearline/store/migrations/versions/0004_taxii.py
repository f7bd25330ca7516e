"""TAXII 2.1: status resources and the indexes paginated reads need

Revision ID: 0004_taxii
Revises: 0001
Create Date: 2026-11-23 06:00:00
"""
from alembic import op
import sqlalchemy as sa

from tearline.store.types import UTCDateTime


revision = '0004_taxii'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('taxii_status',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('principal', sa.String(length=160), nullable=False),
    sa.Column('collection', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('request_timestamp', UTCDateTime(), nullable=False),
    sa.Column('total_count', sa.Integer(), nullable=False),
    sa.Column('success_count', sa.Integer(), nullable=False),
    sa.Column('failure_count', sa.Integer(), nullable=False),
    sa.Column('pending_count', sa.Integer(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxii_status'))
    )
    # Pages are ordered by (added_at, added_seq): one index for the whole
    # collection and one per type, so a page is an index range scan.
    with op.batch_alter_table('stix_objects', schema=None) as batch_op:
        batch_op.create_index('ix_stix_added_at_seq', ['added_at', 'added_seq'], unique=False)
        batch_op.create_index('ix_stix_type_at_seq', ['type', 'added_at', 'added_seq'],
                              unique=False)
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index('ix_releases_object_partner', ['object_id', 'partner_code'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index('ix_releases_object_partner')
    with op.batch_alter_table('stix_objects', schema=None) as batch_op:
        batch_op.drop_index('ix_stix_type_at_seq')
        batch_op.drop_index('ix_stix_added_at_seq')
    op.drop_table('taxii_status')
