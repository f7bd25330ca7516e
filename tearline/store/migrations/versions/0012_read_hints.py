"""read hints on stored STIX: has_newer, refs, plain

Revision ID: 0012_read_hints
Revises: 0011_instance
Create Date: 2026-12-02 16:50:00

What every TAXII page otherwise works out per object (is there a newer
version, which ids could pruning act on, does a partner need it re-marked),
kept beside each row; see ``tearline.ingest.stix_hints``. Rows already stored
get their hints here, from their own JSON.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_read_hints"
down_revision = "0011_instance"
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("stix_objects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("has_newer", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column("refs", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("plain", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _fill_hints()


def _fill_hints() -> None:
    import orjson

    from tearline.ingest.stix import TLP_MARKINGS
    from tearline.ingest.stix_hints import crosses_unchanged, prunable_refs

    conn = op.get_bind()
    objects = sa.table("stix_objects", sa.column("id"), sa.column("version"),
                       sa.column("version_key"), sa.column("json"), sa.column("refs"),
                       sa.column("plain"), sa.column("has_newer"), sa.column("added_seq"))
    last = None
    while True:
        q = sa.select(objects.c.id, objects.c.version, objects.c.json,
                      objects.c.added_seq).order_by(objects.c.added_seq).limit(_BATCH)
        if last is not None:
            q = q.where(objects.c.added_seq > last)
        rows = conn.execute(q).all()
        if not rows:
            break
        last = rows[-1].added_seq
        conn.execute(
            sa.update(objects)
            .where(objects.c.id == sa.bindparam("b_id"),
                   objects.c.version == sa.bindparam("b_version"))
            .values(refs=sa.bindparam("b_refs"), plain=sa.bindparam("b_plain")),
            [{"b_id": oid, "b_version": version, "b_refs": prunable_refs(orjson.loads(text)),
              "b_plain": crosses_unchanged(text, TLP_MARKINGS)}
             for oid, version, text, _ in rows])
    newer = sa.table("stix_objects", sa.column("id"), sa.column("version_key")).alias("n")
    conn.execute(sa.update(objects).values(has_newer=sa.exists().where(
        newer.c.id == objects.c.id, newer.c.version_key > objects.c.version_key)))


def downgrade() -> None:
    with op.batch_alter_table("stix_objects", schema=None) as batch_op:
        batch_op.drop_column("plain")
        batch_op.drop_column("refs")
        batch_op.drop_column("has_newer")
