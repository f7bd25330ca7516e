"""fusion state: saved incremental indexes

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from tearline.store.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fusion_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("fragment_count", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_fusion_state")),
    )


def downgrade() -> None:
    op.drop_table("fusion_state")
