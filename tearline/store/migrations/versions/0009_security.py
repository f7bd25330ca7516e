"""security: login attempts (rate limits, lockouts) and insider alerts

Revision ID: 0009_security
Revises: 0005_share_tokens
Create Date: 2026-12-01 21:45:00
"""
import sqlalchemy as sa
from alembic import op

from tearline.store.types import UTCDateTime

revision = "0009_security"
down_revision = "0007_share"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    for col in ("at", "username", "address"):
        op.create_index(op.f(f"ix_login_attempts_{col}"), "login_attempts", [col])
    op.create_table(
        "insider_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insider_alerts")),
    )
    op.create_index(op.f("ix_insider_alerts_at"), "insider_alerts", ["at"])
    op.create_index(op.f("ix_insider_alerts_username"), "insider_alerts", ["username"])


def downgrade() -> None:
    op.drop_table("insider_alerts")
    op.drop_table("login_attempts")
