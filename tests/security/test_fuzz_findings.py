"""Crashes the fuzzers found, kept as regression tests through the real ingest path.

atheris (``tests/fuzz``) found that an overlong UTF-8 sequence (a 0xC0/0xC1 lead
byte with a continuation byte) inside a STIX bundle passes yajl's UTF-8 check
but not Python's decoder: ``ingest`` died with a ``UnicodeDecodeError`` and the
files after it were never read. Now it is that file's refusal, on both backends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tearline.ingest.run import ingest_paths
from tests.taxii.conftest import indicator

HEAD = b'{"type":"bundle","id":"bundle--11111111-2222-4333-8444-555555555555","objects":['


@pytest.mark.parametrize("where", ["value", "key"])
def test_overlong_utf8_in_a_bundle_is_a_refusal_not_a_crash(
        engine: Engine, tmp_path: Path, where: str) -> None:
    bad = tmp_path / "a-bad.json"
    field = b'{"type":"indicator","name":"\xc1\x81"}' if where == "value" \
        else b'{"type":"indicator","\xc1\x81":"x"}'
    bad.write_bytes(HEAD + field + b"]}")
    good = tmp_path / "b-good.json"
    good.write_text(json.dumps({"type": "bundle",
                                "id": "bundle--11111111-2222-4333-8444-555555555556",
                                "objects": [indicator(1, "green")]}))
    result = ingest_paths(engine, [bad, good], actor="ana")
    first, second = result.files
    assert first.error is not None and "not valid UTF-8" in first.error
    assert second.error is None and second.new == 1
