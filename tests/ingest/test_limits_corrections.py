"""STIX corrections update the fragment; external_id names one report per originator."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select

from tearline.ingest.run import ingest_paths
from tearline.security.verify import verify_log
from tearline.store.schema import AuditEntry, Report

RID = "report--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0099"


def _bundle(path: Path, modified: str, description: str) -> Path:
    path.write_text(json.dumps({
        "type": "bundle", "id": "bundle--6b8e2c1e-8c3f-4c55-9a8f-0d2b3c4d5e6f",
        "objects": [{"type": "report", "spec_version": "2.1", "id": RID,
                     "created": "2025-03-01T00:00:00.000Z", "modified": modified,
                     "name": "Liaison note", "description": description,
                     "published": "2025-03-01T00:00:00Z",
                     "object_refs": ["indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"]}]}))
    return path


def test_a_newer_stix_version_corrects_the_fragment(engine: Engine, tmp_path: Path) -> None:
    v1 = _bundle(tmp_path / "v1.json", "2025-03-01T00:00:00.000Z", "Two vans seen.")
    v2 = _bundle(tmp_path / "v2.json", "2025-03-02T00:00:00.000Z", "Three vans seen.")
    ingest_paths(engine, [v1])
    [f] = ingest_paths(engine, [v2]).files
    assert f.error is None and any("corrected to version" in n for n in f.notes)
    [f] = ingest_paths(engine, [v1]).files  # the old version arriving late changes nothing
    assert f.error is None
    with engine.connect() as conn:
        assert conn.execute(select(Report.body).where(Report.id == RID)).scalar() == \
            "Three vans seen."
        actions = conn.execute(select(AuditEntry.action)
                               .where(AuditEntry.object_id == RID)).scalars().all()
    assert actions.count("report.correct") == 1
    assert verify_log(engine, content=True).ok  # the seal follows the correction


def test_external_id_is_unique_per_originator(engine: Engine, tmp_path: Path) -> None:
    base = {"title": "Van", "body": "A van.", "reported_at": "2025-03-01T10:00:00+00:00",
            "originator": "Northern Service", "external_id": "NS-2025-001",
            "source": {"name": "HUM-4", "kind": "humint", "reliability": "C"}}
    (tmp_path / "a.json").write_text(json.dumps(base))
    (tmp_path / "b.json").write_text(json.dumps({**base, "body": "Another van."}))
    (tmp_path / "c.json").write_text(json.dumps({**base, "body": "Other service.",
                                                 "originator": "Southern Service"}))
    files = {Path(f.path).name: f for f in ingest_paths(engine, [tmp_path]).files}
    assert files["a.json"].new == 1
    assert files["b.json"].error and "already stored as report--" in files["b.json"].error
    assert files["c.json"].new == 1  # the same reference from another originator is fine
