"""sharing: bearer tokens for local users

Revision ID: 0005_share_tokens
Revises: 0004_taxii
Create Date: 2026-11-23 07:00:00
"""
import sqlalchemy as sa
from alembic import op

from tearline.store.types import UTCDateTime

revision = "0005_share_tokens"
down_revision = "0004_taxii"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["users.username"],
                                name=op.f("fk_api_tokens_username_users")),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_api_tokens")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_username"), ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_username"))
    op.drop_table("api_tokens")
