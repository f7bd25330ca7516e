"""The audit log is hash-chained and append-only, on both backends."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from tearline.ingest.run import ingest_paths
from tearline.security.audit import record_now, verify
from tearline.store.schema import AuditEntry

REPORT = {
    "title": "Vehicle rented near the stadium", "body": "A van was rented on Monday.",
    "reported_at": "2025-03-01T10:00:00+00:00", "originator": "Northern Service",
    "source": {"name": "HUM-4", "kind": "humint", "reliability": "C"},
}


def test_ingest_writes_a_verifiable_chain(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps(REPORT))
    ingest_paths(engine, [tmp_path], actor="alice")
    with engine.begin() as conn:
        record_now(conn, "bob", "report.read", "report", "report--x")
        rows = conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)).all()
        assert [r.action for r in rows] == [
            "source.create", "report.create", "ingest.file", "report.read"]
        assert rows[0].actor == "alice" and rows[-1].actor == "bob"
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
        assert verify(conn) is None


def test_update_and_delete_are_refused_by_the_database(engine: Engine) -> None:
    with engine.begin() as conn:
        record_now(conn, "alice", "report.read", "report", "report--x")
    for stmt in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(stmt))


def test_verify_finds_a_forged_row(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        for i in range(3):
            record_now(conn, "alice", "report.read", "report", f"report--{i}")
        # Someone with file access drops the trigger and rewrites history.
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
        assert verify(conn) == 2
