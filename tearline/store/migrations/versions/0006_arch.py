"""architecture step: one (thread, version) per assessment

Revision ID: 0006_arch
Revises: 0005_share_tokens
Create Date: 2026-12-01 21:45:00

Before this revision two concurrent ``fuse`` runs could both append
"version 1" for the same thread. Versions of any thread with such a
duplicate are renumbered 1..n in the order the rows were written (their
``id``), the order the runs committed them, and a unique index then keeps
it so. Revision ids go 0002 → 0004: there never was a 0003, and ids that
existing databases know are not renumbered.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_arch"
down_revision = "0005_share_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE assessments SET version = (SELECT COUNT(*) FROM assessments a2 "
        "WHERE a2.thread_id = assessments.thread_id AND a2.id <= assessments.id) "
        "WHERE thread_id IN (SELECT thread_id FROM assessments "
        "GROUP BY thread_id, version HAVING COUNT(*) > 1)"))
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ux_assessments_thread_version", ["thread_id", "version"],
                              unique=True)


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ux_assessments_thread_version")
