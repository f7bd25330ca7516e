"""One schema: the migrated database is exactly the models, on both backends.

Alembic's ``compare_metadata`` lists every table, column, type, index and
constraint that differs between a database built by the migrations and
``store.schema``'s models; it must list nothing. The ``TaxiiStatus`` model is
part of the models without importing the web app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from tearline.store import schema as S
from tearline.store.db import make_engine, upgrade


def test_migrated_database_equals_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": False})
        diff = compare_metadata(ctx, S.Base.metadata)
    assert diff == []


def test_taxii_status_is_a_store_model() -> None:
    assert "taxii_status" in S.Base.metadata.tables


def _assessment(thread_id: str, version: int) -> dict[str, object]:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    return {"thread_id": thread_id, "version": version, "computed_at": now, "as_of": now,
            "changed_by": "fusion", "reason": None, "likelihood": "likely",
            "confidence": "low", "payload": {}}


def test_0006_renumbers_duplicate_versions_and_then_refuses_them(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "old.db"))
    upgrade(engine, "0005_share_tokens")
    now = datetime(2025, 3, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for tid in ("t-dup", "t-ok"):
            conn.execute(insert(S.Thread.__table__), [{"id": tid, "title": tid, "status": "open",
                                                        "created_at": now, "updated_at": now,
                                                        "state": {}}])
        # What two concurrent runs left before 0006: two "version 1" rows, then a 2.
        conn.execute(insert(S.Assessment.__table__),
                     [_assessment("t-dup", 1), _assessment("t-dup", 1), _assessment("t-dup", 2),
                      _assessment("t-ok", 1), _assessment("t-ok", 2)])
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(S.Assessment.thread_id, S.Assessment.version)
                            .order_by(S.Assessment.id)).all()
    assert [tuple(r) for r in rows] == [("t-dup", 1), ("t-dup", 2), ("t-dup", 3),
                                        ("t-ok", 1), ("t-ok", 2)]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(S.Assessment.__table__), [_assessment("t-ok", 2)])
    engine.dispose()
