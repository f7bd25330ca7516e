"""sharing: compartments and sender on stored STIX, and partner discrepancies

Revision ID: 0007_share
Revises: 0005_share_tokens
Create Date: 2026-12-01 21:30:00
"""
import sqlalchemy as sa
from alembic import op

from tearline.store.types import UTCDateTime

revision = "0007_share"
down_revision = "0006_arch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stix_objects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compartments", sa.String(length=400), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("sender", sa.String(length=160), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("version_key", sa.String(length=40), nullable=False,
                                      server_default=""))
    _fill_version_keys()
    op.create_table(
        "stix_discrepancies",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("sender", sa.String(length=160), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("json", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_stix_discrepancies")),
        sa.UniqueConstraint("object_id", "version", "sender", "content_hash",
                            name=op.f("uq_stix_discrepancies_object_id")),
    )
    with op.batch_alter_table("stix_discrepancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stix_discrepancies_object_id"), ["object_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stix_discrepancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stix_discrepancies_object_id"))
    op.drop_table("stix_discrepancies")
    with op.batch_alter_table("stix_objects", schema=None) as batch_op:
        batch_op.drop_column("version_key")
        batch_op.drop_column("sender")
        batch_op.drop_column("compartments")


def _fill_version_keys() -> None:
    """Give stored rows their sortable version and their compartments from the JSON."""
    import orjson

    from tearline.ingest.stix import version_key

    conn = op.get_bind()
    objects = sa.table("stix_objects", sa.column("id"), sa.column("version"),
                       sa.column("version_key"), sa.column("compartments"), sa.column("json"))
    rows = conn.execute(sa.select(objects.c.id, objects.c.version, objects.c.json)).all()
    for oid, version, text in rows:
        caveats = orjson.loads(text).get("x_tearline_caveats") or []
        codes = sorted({c for c in caveats if isinstance(c, str) and c.startswith("NTK:")})
        conn.execute(sa.update(objects)
                     .where(objects.c.id == oid, objects.c.version == version)
                     .values(version_key=version_key(version) if version else "",
                             compartments=f"|{'|'.join(codes)}|" if codes else ""))
