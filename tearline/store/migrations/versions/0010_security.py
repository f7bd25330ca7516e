"""security: STIX content seals kept apart from the objects' rows

Revision ID: 0010_security
Revises: 0009_security
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_security"
down_revision = "0009_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stix_seals",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_stix_seals")),
    )
    op.create_index(op.f("ix_stix_seals_batch"), "stix_seals", ["batch"])
    op.create_index("ix_stix_seals_object", "stix_seals", ["object_id", "version"])
    # Append-only like audit_log: a seal is never rewritten, only superseded.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER stix_seals_no_{verb.lower()} BEFORE {verb} ON "
                       "stix_seals BEGIN SELECT RAISE(ABORT, 'stix_seals is append-only'); "
                       "END")
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION tearline_seals_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'stix_seals is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER stix_seals_append_only BEFORE UPDATE OR DELETE ON stix_seals "
            "FOR EACH ROW EXECUTE FUNCTION tearline_seals_append_only()"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stix_seals_append_only ON stix_seals")
        op.execute("DROP FUNCTION IF EXISTS tearline_seals_append_only()")
    op.drop_index("ix_stix_seals_object", table_name="stix_seals")
    op.drop_index(op.f("ix_stix_seals_batch"), table_name="stix_seals")
    op.drop_table("stix_seals")
