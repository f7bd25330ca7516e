"""Every kind of bad input is rejected whole, with where and why, leaving the store as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tearline.ingest.run import ingest_paths
from tearline.store.schema import AuditEntry, Base, IngestRecord

GOOD = {
    "title": "Courier seen near the stadium",
    "body": "A courier for the cell was seen near the stadium on Tuesday.",
    "reported_at": "2025-03-01T10:00:00+00:00",
    "originator": "Northern Service",
    "source": {"name": "HUM-4", "kind": "humint", "reliability": "C"},
    "credibility": 3,
    "tlp": "amber",
}


def _bundle(*objects: dict) -> dict:
    return {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": list(objects)}


INDICATOR = {
    "type": "indicator", "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
    "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
    "valid_from": "2025-03-01T10:00:00Z",
}


def _snapshot(engine: Engine) -> dict[str, int]:
    """Row counts of every table except the ingest log (which records the rejection)."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in (IngestRecord.__tablename__, AuditEntry.__tablename__):
                continue
            out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
    return out


def _write(tmp: Path, name: str, content: bytes | str) -> Path:
    p = tmp / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


BAD_CASES = [
    # (file name, content, expected fragments of the message)
    ("broken.json", '{"title": "x", "body": ', ["broken.json", "line 1", "broken JSON"]),
    ("broken.jsonl", json.dumps(GOOD) + "\n{not json}\n", ["line 2", "broken JSON"]),
    ("grade.jsonl",
     json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "title": "Other",
                                           "source": {**GOOD["source"], "reliability": "G"}}),
     ["line 2", "source.reliability", "'G' is not one of A, B, C, D, E, F"]),
    ("cred.json", json.dumps({**GOOD, "credibility": 9}),
     ["field credibility", "9 is greater than the maximum of 6"]),
    ("tlp.json", json.dumps({**GOOD, "tlp": "purple"}), ["field tlp", "'purple' is not one of"]),
    ("nooffset.json", json.dumps({**GOOD, "reported_at": "2025-03-01T10:00:00"}),
     ["field reported_at", "no UTC offset"]),
    ("badid.json",
     json.dumps(_bundle(INDICATOR, {**INDICATOR, "id": "indicator--not-a-uuid"})),
     ["objects[1].id", "invalid STIX id 'indicator--not-a-uuid'"]),
    ("wrongtype.json",
     json.dumps(_bundle({**INDICATOR, "id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"})),
     ["objects[0].id", "does not start with its type"]),
    ("badts.json", json.dumps(_bundle(INDICATOR, {
        **INDICATOR, "id": "indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "modified": "2025-13-45T10:00:00.000Z"})),
     ["objects[1].modified", "invalid timestamp '2025-13-45T10:00:00.000Z'"]),
    ("badts2.json", json.dumps(_bundle({**INDICATOR, "created": "yesterday"})),
     ["objects[0].created", "RFC 3339"]),
    ("stixgrade.json", json.dumps(_bundle({**INDICATOR, "x_tearline_reliability": "Z"})),
     ["x_tearline_reliability", "unknown source reliability 'Z'"]),
    ("classif.json", json.dumps(_bundle({**INDICATOR, "x_tearline_classification": "SECRETISH"})),
     ["x_tearline_classification", "unknown classification 'SECRETISH'"]),
    ("truncated.json", json.dumps(_bundle(INDICATOR, INDICATOR))[:-40],
     ["broken JSON"]),
    ("empty.json", b"", ["empty (0 bytes)"]),
    ("empty.md", b"", ["empty (0 bytes)"]),
    ("blank.md", "\n\n   \n", ["only whitespace"]),
    ("binary.json", bytes(range(256)) * 4, ["binary file", "NUL"]),
    ("latin1.md", "# Caf\xe9 attack\n\nLe caf\xe9 a \xe9t\xe9 vis\xe9.".encode("latin-1"),
     ["line 1", "not valid UTF-8", "re-save the file as UTF-8"]),
    ("latin1.jsonl", json.dumps({**GOOD, "title": "Café"}, ensure_ascii=False)
     .encode("latin-1"), ["not valid UTF-8"]),
    ("unknown.pdf", b"%PDF-1.4 something", ["unsupported file type '.pdf'"]),
    ("notreport.json", json.dumps({"hello": "world"}),
     ["neither a STIX 2.1 bundle nor a Tearline report"]),
    ("stix20.json", json.dumps({**_bundle({**INDICATOR, "spec_version": "2.0"})}),
     ["spec_version '2.0' is not supported"]),
]


@pytest.mark.parametrize(("name", "content", "expect"), BAD_CASES,
                         ids=[c[0] for c in BAD_CASES])
def test_bad_file_rejected_whole_with_reason(engine: Engine, tmp_path: Path, name: str,
                                             content: bytes | str, expect: list[str]) -> None:
    # A good file already in the store must be untouched by the rejection.
    ingest_paths(engine, [_write(tmp_path, "seed.json", json.dumps({**GOOD, "title": "Seed"}))])
    before = _snapshot(engine)
    bad = _write(tmp_path, name, content)
    summary = ingest_paths(engine, [bad])
    [result] = summary.files
    assert result.outcome == "rejected"
    assert result.error is not None
    for fragment in expect:
        assert fragment in result.error, f"{fragment!r} not in {result.error!r}"
    assert str(bad) in result.error
    assert _snapshot(engine) == before


def test_other_files_still_go_in(engine: Engine, tmp_path: Path) -> None:
    good = _write(tmp_path, "a.json", json.dumps(GOOD))
    bad = _write(tmp_path, "b.json", "{oops")
    stix = _write(tmp_path, "c.json", json.dumps(_bundle(INDICATOR)))
    summary = ingest_paths(engine, [good, bad, stix])
    outcomes = {Path(f.path).name: f.outcome for f in summary.files}
    assert outcomes == {"a.json": "new", "b.json": "rejected", "c.json": "new"}
    assert summary.totals()["new"] == 2


def test_rejection_midway_through_a_large_bundle_leaves_nothing(sqlite_engine: Engine,
                                                                tmp_path: Path) -> None:
    """The fault is in a later write batch than the first: earlier batches must roll back."""
    import uuid

    objs = [{**INDICATOR, "id": f"indicator--{uuid.UUID(int=i + 1, version=4)}"}
            for i in range(5000)]
    objs.append({**INDICATOR, "id": "indicator--broken"})
    before = _snapshot(sqlite_engine)
    big = _write(tmp_path, "big.json", json.dumps(_bundle(*objs)))
    summary = ingest_paths(sqlite_engine, [big])
    assert summary.files[0].outcome == "rejected"
    assert "objects[5000].id" in (summary.files[0].error or "")
    assert _snapshot(sqlite_engine) == before


def test_missing_path_is_reported(sqlite_engine: Engine, tmp_path: Path) -> None:
    summary = ingest_paths(sqlite_engine, [tmp_path / "nope.json"])
    assert summary.files[0].outcome == "rejected"
    assert "no such file or folder" in (summary.files[0].error or "")
