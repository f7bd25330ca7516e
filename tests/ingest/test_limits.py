"""Hostile input is refused with a sentence naming the limit; the run goes on.

Each case goes through ``ingest_paths`` on both backends, with a good file
after the bad one that must still be ingested.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from tearline.errors import IngestError
from tearline.ingest.drafts import ReportDraft, SourceDraft
from tearline.ingest.limits import check_draft
from tearline.ingest.run import ingest_paths
from tearline.store.schema import Report

GOOD = {"title": "Van rented near the stadium", "body": "A white van was rented.",
        "reported_at": "2025-03-01T10:00:00+00:00", "originator": "Northern Service",
        "source": {"name": "HUM-4", "kind": "humint", "reliability": "C"}}


def _bundle(prop: str) -> str:
    obj = ('{"type":"indicator","spec_version":"2.1",'
           '"id":"indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",'
           '"created":"2025-03-01T00:00:00.000Z","modified":"2025-03-01T00:00:00.000Z",'
           '"name":"x","pattern":"[a:b = \'c\']","pattern_type":"stix",'
           '"valid_from":"2025-03-01T00:00:00Z","x_deep":' + prop + '}')
    return ('{"type":"bundle","id":"bundle--6b8e2c1e-8c3f-4c55-9a8f-0d2b3c4d5e6f",'
            '"objects":[' + obj + ']}')


CASES = {
    # file name: (content, words the refusal must contain)
    "a-deep-stix.json": (_bundle("[" * 1000 + "]" * 1000), "TEARLINE_MAX_JSON_DEPTH"),
    "b-very-deep-stix.json": (_bundle("[" * 300_000 + "]" * 300_000),
                              "TEARLINE_MAX_JSON_DEPTH"),
    "c-deep-native.json": (json.dumps({**GOOD, "tags": []})
                           .replace("[]", "[" * 5000 + "]" * 5000), "TEARLINE_MAX_JSON_DEPTH"),
    "d-nul-native.jsonl": (json.dumps({**GOOD, "body": "bo\u0000dy"}), "U+0000"),
    "e-nul-article.md": ("# Title\n\nDate: 2025-03-01\n\nA body with a \x01 in it.\n", "U+0001"),
    "f-nul-stix-report.json": (json.dumps({
        "type": "bundle", "id": "bundle--6b8e2c1e-8c3f-4c55-9a8f-0d2b3c4d5e6f",
        "objects": [{"type": "report", "spec_version": "2.1",
                     "id": "report--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0062",
                     "created": "2025-03-01T00:00:00.000Z",
                     "modified": "2025-03-01T00:00:00.000Z", "name": "r",
                     "description": "de\u0000sc", "published": "2025-03-01T00:00:00Z",
                     "object_refs": ["indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"]}]}),
        "U+0000"),
    "g-big-body.json": (json.dumps({**GOOD, "body": "word " * 3000}), "TEARLINE_MAX_BODY_CHARS"),
}


def test_hostile_files_are_refused_and_later_files_still_go_in(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEARLINE_MAX_BODY_CHARS", "10000")
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (content, _) in CASES.items():
        (folder / name).write_text(content)
    (folder / "z-good.json").write_text(json.dumps(GOOD))
    t0 = time.monotonic()
    summary = ingest_paths(engine, [folder])
    took = time.monotonic() - t0
    by_name = {Path(f.path).name: f for f in summary.files}
    for name, (_, words) in CASES.items():
        assert by_name[name].error and words in by_name[name].error, (name, by_name[name].error)
    assert by_name["z-good.json"].new == 1 and by_name["z-good.json"].error is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Report)).scalar() == 1
    assert took < 120  # generous: the quadratic walk this replaces took hours


def test_file_size_limit(sqlite_engine: Engine, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEARLINE_MAX_FILE_BYTES", "1000")
    (tmp_path / "big.md").write_text("# T\n\n" + "x " * 1000)
    [f] = ingest_paths(sqlite_engine, [tmp_path / "big.md"]).files
    assert f.error and "TEARLINE_MAX_FILE_BYTES" in f.error


_SRC = SourceDraft("HUM-1", "humint", "Northern Service", "C")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40), st.text(max_size=200))
def test_check_draft_accepts_exactly_the_text_both_backends_store(title: str, body: str) -> None:
    """Property: a draft passes iff no field holds a C0 control other than tab/LF/CR."""
    draft = ReportDraft(title=title, body=body, originator="N", source=_SRC, reported_at=None)
    bad = any(ord(c) < 32 and c not in "\t\n\r" for c in title + body)
    try:
        check_draft(draft, "x.json")
    except IngestError as exc:
        assert bad and "control character" in exc.reason
        return
    assert not bad
