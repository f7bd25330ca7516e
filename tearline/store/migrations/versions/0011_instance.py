"""instance: one secret and one identity per instance, drawn once

Revision ID: 0011_instance
Revises: 0010_security
Create Date: 2026-12-02 05:00:00
"""
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from tearline.store.types import UTCDateTime

revision = "0011_instance"
down_revision = "0010_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "instance_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_settings")),
    )
    # Drawn here, once: stateless workers and restarts then share them, and a
    # read never has to write one (tests/test_no_write_reads.py).
    # A database that already holds reports keeps the identity it was run with
    # ('HOME', the old default, unless TEARLINE_AGENCY said otherwise): its own
    # reports' originators name it. serve and sync warn until it is configured.
    now = datetime.now(UTC)
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM reports")).scalar()
    identity = "HOME" if held else f"INSTANCE-{secrets.token_hex(4).upper()}"
    op.bulk_insert(table, [
        {"key": "secret", "value": secrets.token_urlsafe(32), "created_at": now},
        {"key": "identity", "value": identity, "created_at": now},
    ])


def downgrade() -> None:
    op.drop_table("instance_settings")
