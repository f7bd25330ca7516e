"""Each way of tampering with the audit record is named by ``audit verify``.

The tampering is done as a database administrator would: dropping the
append-only triggers and editing rows with SQL, on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, Engine, select, text

from tearline.cli import main
from tearline.ingest.run import ingest_paths
from tearline.security.audit import GENESIS, entry_hash, record_now
from tearline.security.verify import verify_log
from tearline.store.schema import AuditEntry

ROWS = 30


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def _fill(engine: Engine) -> list[int]:
    for i in range(ROWS):
        with engine.begin() as conn:
            record_now(conn, "ana", "report.read", "report", f"report--{i}")
    with engine.connect() as conn:
        return list(conn.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars())


def _edit(conn: Connection, seqs: list[int]) -> None:
    conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = :s"), {"s": seqs[6]})


def _delete(conn: Connection, seqs: list[int]) -> None:
    conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": seqs[6]})


def _reorder(conn: Connection, seqs: list[int]) -> None:
    a, b = seqs[6], seqs[7]
    conn.execute(text("UPDATE audit_log SET seq = -1 WHERE seq = :a"), {"a": a})
    conn.execute(text("UPDATE audit_log SET seq = :a WHERE seq = :b"), {"a": a, "b": b})
    conn.execute(text("UPDATE audit_log SET seq = :b WHERE seq = -1"), {"b": b})


def _truncate(conn: Connection, seqs: list[int]) -> None:
    conn.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": seqs[19]})


def _wipe(conn: Connection, seqs: list[int]) -> None:
    conn.execute(text("DELETE FROM audit_log"))


def _rechain(conn: Connection, seqs: list[int]) -> None:
    """Edit row 7 and recompute every hash after it: the chain verifies on its own."""
    _edit(conn, seqs)
    prev = GENESIS
    rows = conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)).all()
    for r in rows:
        h = entry_hash(prev, r.at, r.actor, r.action, r.object_type, r.object_id, r.detail)
        conn.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"),
                     {"p": prev, "h": h, "s": r.seq})
        prev = h


CASES: dict[str, tuple[Callable[[Connection, list[int]], None], int | None]] = {
    # case: (tamper, index of the seq the finding must name; None = no row to name)
    "edited": (_edit, 6),
    "deleted": (_delete, 7),
    "reordered": (_reorder, 6),
    "truncated": (_truncate, 20),
    "wiped": (_wipe, None),
    "re-chained": (_rechain, 4),  # the rewrite lies after the last matching checkpoint
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_tamper_case_is_named(kind: str, engine: Engine, audit_sink: Path) -> None:
    seqs = _fill(engine)
    assert verify_log(engine).ok
    tamper, index = CASES[kind]
    with engine.begin() as conn:
        _drop_triggers(conn)
        tamper(conn, seqs)
    report = verify_log(engine)
    assert not report.ok
    first = report.first
    assert first is not None and first.kind == kind, report.to_dict()
    if index is not None:
        assert first.seq == seqs[index] or (kind == "truncated" and first.seq == seqs[19] + 1)


def test_rechain_is_invisible_without_checkpoints(engine: Engine) -> None:
    """Why checkpoints exist: without them a re-hashed history verifies."""
    seqs = _fill(engine)
    with engine.begin() as conn:
        _drop_triggers(conn)
        _rechain(conn, seqs)
    report = verify_log(engine)
    assert report.ok and "cannot be detected" in report.warnings[0]


def test_a_forged_checkpoint_line_is_named(sqlite_engine: Engine, audit_sink: Path) -> None:
    _fill(sqlite_engine)
    line = orjson.loads(audit_sink.read_bytes().splitlines()[-1])
    line["seq"] += 1000  # an attacker without the key cannot re-sign it
    with audit_sink.open("ab") as fh:
        fh.write(orjson.dumps(line) + b"\n")
    assert verify_log(sqlite_engine).first.kind == "forged"  # type: ignore[union-attr]


REPORT = {
    "title": "Van rented near the stadium", "body": "A white van was rented on Monday.",
    "reported_at": "2025-03-01T10:00:00+02:00", "originator": "Northern Service",
    "source": {"name": "HUM-4", "kind": "humint", "reliability": "C"},
}


def test_body_edit_is_named_and_reingest_restores(engine: Engine, tmp_path: Path) -> None:
    f = tmp_path / "in" / "r.json"
    f.parent.mkdir()
    f.write_text(json.dumps(REPORT))
    ingest_paths(engine, [f], actor="ana")
    assert verify_log(engine, content=True).ok
    with engine.begin() as conn:
        conn.execute(text("UPDATE reports SET body = 'Nothing happened.'"))
    report = verify_log(engine, content=True)
    assert report.first is not None and report.first.kind == "body-edit"
    assert "changed after it was stored" in report.first.message
    assert verify_log(engine).ok  # the chain itself is fine: only --content sees it
    again = ingest_paths(engine, [f], actor="ana")
    assert any("restored it from the file" in n for n in again.files[0].notes)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM reports")).scalar() == REPORT["body"]
    assert verify_log(engine, content=True).ok


def test_stix_json_edit_is_named(sqlite_engine: Engine, tmp_path: Path) -> None:
    bundle = {"type": "bundle", "id": "bundle--6b8e2c1e-8c3f-4c55-9a8f-0d2b3c4d5e6f",
              "objects": [{"type": "indicator", "spec_version": "2.1",
                           "id": "indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
                           "created": "2025-03-01T00:00:00.000Z",
                           "modified": "2025-03-01T00:00:00.000Z", "name": "bad domain",
                           "pattern": "[domain-name:value = 'x.example']",
                           "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00Z"}]}
    f = tmp_path / "b.json"
    f.write_text(json.dumps(bundle))
    ingest_paths(sqlite_engine, [f], actor="ana")
    with sqlite_engine.begin() as conn:
        conn.execute(text("UPDATE stix_objects SET json = replace(json, 'x.example', "
                          "'y.example')"))
    first = verify_log(sqlite_engine, content=True).first
    assert first is not None and first.kind == "body-edit" and "STIX object" in first.message


def test_cli_names_the_first_bad_entry(tmp_path: Path, audit_sink: Path) -> None:
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    assert runner.invoke(main, ["--db", db, "db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["--db", db, "audit", "verify"]).exit_code == 0
    for _ in range(3):
        runner.invoke(main, ["--db", db, "reports"])
    from tearline.store.db import make_engine

    eng = make_engine(db)
    with eng.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_log SET action = 'x' WHERE seq = 2"))
    eng.dispose()
    res = runner.invoke(main, ["--db", db, "audit", "verify", "--json"])
    assert res.exit_code == 1
    body = orjson.loads(res.output)
    assert body["first_bad"] == {"kind": "edited", "seq": 2, "message": body["first_bad"]
                                 ["message"]} and "row 2" in body["first_bad"]["message"]
