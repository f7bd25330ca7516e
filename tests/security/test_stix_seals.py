"""STIX content seals live apart from the objects' rows (``stix_seals`` + audit anchors).

Tampering is done as a database administrator would, with SQL on both
backends: edit an object's JSON *and* recompute its row's ``content_hash``, so
the row agrees with itself; then also rewrite the seal. ``audit verify
--content`` (the library call and the real command) names the object or the
seal batch each time.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text

from tearline.ingest.run import ingest_paths
from tearline.security.verify import verify_log
from tearline.store.schema import StixObject, StixSeal
from tests.taxii.conftest import TEARLINE

OBJ_ID = "indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0062"


def _bundle(tmp_path: Path) -> Path:
    objects = [{"type": "indicator", "spec_version": "2.1",
                "id": f"indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd00{60 + i:02d}",
                "created": "2025-03-01T00:00:00.000Z", "modified": "2025-03-01T00:00:00.000Z",
                "name": f"bad domain {i}", "pattern": f"[domain-name:value = 'x{i}.example']",
                "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00Z"}
               for i in range(5)]
    f = tmp_path / "b.json"
    f.write_text(json.dumps({"type": "bundle",
                             "id": "bundle--6b8e2c1e-8c3f-4c55-9a8f-0d2b3c4d5e70",
                             "objects": objects}))
    return f


def _drop_seal_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER stix_seals_append_only ON stix_seals"))
    else:
        conn.execute(text("DROP TRIGGER stix_seals_no_update"))
        conn.execute(text("DROP TRIGGER stix_seals_no_delete"))


def _rehash_row(conn: Connection) -> None:
    """Edit the object's JSON and recompute its row's own hash, as a DBA could."""
    stored = conn.execute(select(StixObject.json).where(StixObject.id == OBJ_ID)).scalar_one()
    forged = stored.replace("x2.example", "evil.example")
    assert forged != stored
    conn.execute(text("UPDATE stix_objects SET json = :j, content_hash = :h WHERE id = :i"),
                 {"j": forged, "h": hashlib.blake2b(forged.encode(), digest_size=16).hexdigest(),
                  "i": OBJ_ID})


def test_seals_are_written_once_and_verify_clean(engine: Engine, tmp_path: Path) -> None:
    f = _bundle(tmp_path)
    ingest_paths(engine, [f], actor="ana")
    ingest_paths(engine, [f], actor="ana")  # unchanged: no second seal
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StixSeal)).scalar() == 5
    report = verify_log(engine, content=True)
    assert report.ok, report.to_dict()
    assert not any("no seal" in w for w in report.warnings)


def test_an_edit_with_the_row_hash_recomputed_is_named(engine: Engine, tmp_path: Path) -> None:
    ingest_paths(engine, [_bundle(tmp_path)], actor="ana")
    with engine.begin() as conn:
        _rehash_row(conn)
    assert verify_log(engine).ok  # the chain itself is untouched
    report = verify_log(engine, content=True)
    assert report.first is not None and report.first.kind == "body-edit"
    assert OBJ_ID in report.first.message and "seal" in report.first.message
    assert len(report.findings) == 1


def test_an_edit_of_object_and_seal_is_named(engine: Engine, tmp_path: Path) -> None:
    ingest_paths(engine, [_bundle(tmp_path)], actor="ana")
    with engine.begin() as conn:
        _rehash_row(conn)
        _drop_seal_triggers(conn)
        forged = conn.execute(select(StixObject.json).where(StixObject.id == OBJ_ID)).scalar_one()
        conn.execute(text("UPDATE stix_seals SET digest = :d WHERE object_id = :i"),
                     {"d": hashlib.sha256(forged.encode()).hexdigest(), "i": OBJ_ID})
    report = verify_log(engine, content=True)
    kinds = [f.kind for f in report.findings]
    assert "seal-edit" in kinds, report.to_dict()
    # the batch is no longer trusted, so its objects count as unsealed
    assert any("no seal" in w for w in report.warnings)


def test_seal_rows_added_by_hand_are_named(engine: Engine, tmp_path: Path) -> None:
    ingest_paths(engine, [_bundle(tmp_path)], actor="ana")
    with engine.begin() as conn:
        _rehash_row(conn)
        forged = conn.execute(select(StixObject.json).where(StixObject.id == OBJ_ID)).scalar_one()
        conn.execute(text("INSERT INTO stix_seals (object_id, version, digest, batch) "
                          "VALUES (:i, :v, :d, :b)"),
                     {"i": OBJ_ID, "v": "2025-03-01T00:00:00.000Z",
                      "d": hashlib.sha256(forged.encode()).hexdigest(), "b": "f" * 32})
    report = verify_log(engine, content=True)
    messages = " ".join(f.message for f in report.findings)
    assert "no stix.seal entry" in messages and OBJ_ID in messages, report.to_dict()


def test_the_command_names_the_edited_object(engine: Engine, tmp_path: Path) -> None:
    ingest_paths(engine, [_bundle(tmp_path)], actor="ana")
    with engine.begin() as conn:
        _rehash_row(conn)
    db = engine.url.render_as_string(hide_password=False)
    res = subprocess.run([TEARLINE, "--db", db, "audit", "verify", "--content"],
                         capture_output=True, text=True, env={**os.environ}, timeout=180)
    assert res.returncode != 0
    assert OBJ_ID in res.stdout + res.stderr
