"""Parsers either accept input or raise IngestError naming the file: never anything else."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tearline.errors import IngestError
from tearline.ingest.article import parse_article
from tearline.ingest.native import parse_json, parse_jsonl, to_draft
from tearline.ingest.run import _kind
from tearline.ingest.stix import check_object, iter_bundle

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)


@given(st.text())
def test_article_parser(text: str) -> None:
    try:
        draft = parse_article(text, "a.md")
    except IngestError as exc:
        assert exc.path == "a.md"
        return
    assert draft.title and draft.body


@given(st.text())
def test_json_parsers(text: str) -> None:
    for parse in (parse_json, parse_jsonl):
        try:
            parse(text, "r.json")
        except IngestError as exc:
            assert str(exc).startswith("r.json")


@given(json_values)
def test_report_validation(item: object) -> None:
    try:
        to_draft(item, "r.json", "line 1")
    except IngestError as exc:
        assert "line 1" in str(exc)


@given(st.dictionaries(st.sampled_from(
    ["type", "id", "created", "modified", "spec_version", "x_tearline_reliability", "name"]),
    json_values, max_size=7))
def test_stix_object_check(obj: dict) -> None:
    try:
        row = check_object(obj, "objects[0]", "b.json")
    except IngestError as exc:
        assert "objects[0]" in str(exc)
        return
    assert row.id == obj["id"] and json.loads(row.json) == obj


@given(st.binary(max_size=300))
def test_stix_stream_on_arbitrary_bytes(data: bytes) -> None:
    try:
        for _ in iter_bundle(io.BytesIO(data), "b.json"):
            pass
    except IngestError as exc:
        assert exc.path == "b.json"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(data=st.binary(max_size=200), ext=st.sampled_from([".json", ".jsonl", ".md", ".bin"]))
def test_kind_sniffing(tmp_path: Path, data: bytes, ext: str) -> None:
    p = tmp_path / f"f{ext}"
    p.write_bytes(data)
    try:
        assert _kind(p) in ("article", "jsonl", "json", "stix")
    except IngestError as exc:
        assert str(p) in str(exc)


def test_a_date_dateutil_cannot_do_arithmetic_on_is_an_ingest_error() -> None:
    """Found by the atheris fuzzer: an absurd minute field made dateutil raise
    ``decimal.InvalidOperation``, which escaped as a crash instead of a clear error."""
    text = ("Crowd warning\nOutlet: Eastbridge Times\n"
            f"Date: 2026-03-13T12:{'7' * 60}30:00+00:00\n\nBody text.\n")
    try:
        parse_article(text, "a.md")
    except IngestError as exc:
        assert "cannot read the date" in str(exc)
    else:
        raise AssertionError("the date was accepted")
