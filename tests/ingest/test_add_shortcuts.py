"""The shortcuts a TAXII add takes give what the long way gives (issue 9, add cost).

``check_object`` judges depth and prunable references from the serialized
text when it can, and the writer formats ``added_at`` for SQLite by counting
microseconds; each is held here to the long way on inputs built to trip it:
brackets and "_ref" inside strings and nested keys, stamps across a second,
a minute and a year boundary.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from tearline.errors import IngestError
from tearline.ingest.stix import ObjectLimits, check_object
from tearline.ingest.stix_hints import prunable_refs, references
from tearline.ingest.writer import _sqlite_stamps
from tearline.store.types import UTCDateTime

OID = "indicator--00000000-0000-4000-8000-000000000001"
REF = "identity--00000000-0000-4000-8000-000000000002"
PARIS = ZoneInfo("Europe/Paris")


def _indicator(**extra: Any) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1", "id": OID,
            "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
            "pattern_type": "stix", "pattern": "[ipv4-addr:value = '10.0.0.1']", **extra}


def _nested(depth: int) -> dict[str, Any]:
    """An indicator whose ``x_deep`` property makes the whole object ``depth`` levels deep."""
    value: list[Any] = []
    for _ in range(depth - 2):
        value = [value]
    return _indicator(x_deep=value)


def test_depth_is_judged_as_the_walk_judges_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEARLINE_MAX_JSON_DEPTH", "12")
    limits = ObjectLimits.current()
    assert limits.depth == 12
    check_object(_nested(12), "objects[0]", "test", limits)
    with pytest.raises(IngestError, match="nesting deeper"):
        check_object(_nested(13), "objects[0]", "test", limits)
    # Brackets in strings outnumber the limit: the text count is unsure, the walk passes it.
    check_object(_indicator(name="[{" * 40), "objects[0]", "test", limits)


_KEYS = st.sampled_from(["created_by_ref", "object_marking_refs", "sample_refs", "x_seen_ref",
                         "x_referrer", "name", "x_ref_note", "where_refs_are", "_ref"])
_VALUES = st.recursive(
    st.one_of(st.just(REF), st.just("a_ref value"), st.integers(0, 3), st.none()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=2),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(props=st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_prunable_refs_from_the_text_are_those_of_the_walk(props: dict[str, Any]) -> None:
    obj = _indicator(**props)
    text = orjson.dumps(obj)
    want = orjson.dumps(sorted(references(obj))).decode() if references(obj) else ""
    assert prunable_refs(obj, text) == prunable_refs(obj) == want


@pytest.mark.parametrize("start", [
    datetime(2025, 3, 7, 9, 30, 0, 0, tzinfo=UTC),
    datetime(2025, 3, 7, 9, 30, 59, 999_998, tzinfo=UTC),   # across a second and a minute
    datetime(2025, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),  # across a year
    datetime(2025, 3, 7, 11, 30, 59, 999_999, tzinfo=UTC).astimezone(PARIS),  # another zone
])
def test_sqlite_stamps_are_what_the_column_type_stores(start: datetime) -> None:
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    n = 5
    got = _sqlite_stamps(start, n)
    assert got == [bind(start + timedelta(microseconds=i)) for i in range(n)]
    assert got == sorted(got) and len(set(got)) == n
