"""The read hints kept beside stored STIX agree with the rows, however they arrived.

``has_newer`` lets TAXII's default ``match[version]=last`` skip a per-row
lookup, so a flag left clear on a row that a newer version follows would
serve two "latest" versions; ``refs`` and ``plain`` let a page skip the
pruning scan and the partner's re-marking, so a wrong one would send a
reference to a hidden object or an internal property. Each is checked here
against what the rows themselves say, on both backends, with versions added
in any order and in any batching, and after the migration that fills them
in for rows stored before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select, text

from tearline import settings as tearline_settings
from tearline.ingest.stix import TLP_MARKINGS, check_object
from tearline.ingest.stix_hints import crosses_unchanged, prunable_refs
from tearline.ingest.writer import Writer
from tearline.share.stix_store import store_rows
from tearline.store.db import make_engine, upgrade
from tearline.store.schema import StixObject

IDS = [f"indicator--{n:08x}-0000-4000-8000-000000000000" for n in range(3)]
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
OTHER_MARKING = "marking-definition--00000000-0000-4000-8000-0000000000aa"
BASE = datetime(2025, 1, 1, tzinfo=UTC)


def _obj(oid: str, minute: int, extra: str) -> dict[str, Any]:
    stamp = (BASE + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    obj: dict[str, Any] = {"type": "indicator", "spec_version": "2.1", "id": oid,
                           "created": BASE.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                           "modified": stamp, "pattern_type": "stix",
                           "pattern": "[ipv4-addr:value = '10.0.0.1']", "valid_from": stamp}
    if extra == "ref":
        obj["x_seen_ref"] = IDS[0]
        obj["sample_refs"] = [IDS[1], IDS[2]]
    elif extra == "two-markings":
        obj["object_marking_refs"] = [GREEN, OTHER_MARKING]
    elif extra == "internal":
        obj["x_tearline_source"] = "an internal source"
    elif extra == "creator":
        obj["created_by_ref"] = "identity--00000000-0000-4000-8000-0000000000bb"
    else:
        obj["object_marking_refs"] = [GREEN]
    return obj


versions = st.lists(st.tuples(st.sampled_from(IDS), st.integers(0, 5),
                              st.sampled_from(["", "ref", "two-markings", "internal",
                                               "creator"])),
                    min_size=1, max_size=14)


def _rows(objs: list[dict[str, Any]]) -> list[Any]:
    return [check_object(o, "hints", f"objects[{i}]") for i, o in enumerate(objs)]


def _check(engine: Engine) -> int:
    with engine.connect() as conn:
        stored = conn.execute(select(StixObject.id, StixObject.version_key, StixObject.json,
                                     StixObject.has_newer, StixObject.refs,
                                     StixObject.plain)).all()
    keys: dict[str, list[str]] = {}
    for r in stored:
        keys.setdefault(r.id, []).append(r.version_key)
    for r in stored:
        assert bool(r.has_newer) == any(k > r.version_key for k in keys[r.id]), r.id
        assert r.refs == prunable_refs(orjson.loads(r.json))
        assert bool(r.plain) == crosses_unchanged(r.json, TLP_MARKINGS)
    return len(stored)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(adds=versions, cut=st.integers(0, 14))
def test_hints_match_the_rows_in_any_arrival_order(engine: Engine,
                                                   adds: list[tuple[str, int, str]],
                                                   cut: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(StixObject))
    objs = [_obj(oid, minute, extra) for oid, minute, extra in adds]
    # Same (id, modified) twice with other content is refused: keep the first.
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for o in objs:
        seen.setdefault((o["id"], o["modified"]), o)
    unique = list(seen.values())
    for batch in (unique[:cut], unique[cut:]):  # two adds, each its own transaction
        if batch:
            with engine.begin() as conn:
                Writer(conn, "hints", "test").add_stix(_rows(batch))
    assert _check(engine) == len(unique)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(adds=versions, cut=st.integers(0, 14), batch=st.integers(1, 4))
def test_hints_match_the_rows_when_added_through_store_rows(engine: Engine,
                                                           adds: list[tuple[str, int, str]],
                                                           cut: int, batch: int) -> None:
    """``store_rows`` (TAXII adds, sync) spares the has_newer update for ids it found absent.

    Two versions of such an id in one add, in one write batch or split across
    several (``WRITE_BATCH`` made tiny), must still leave the older one flagged.
    """
    with engine.begin() as conn:
        conn.execute(delete(StixObject))
    objs = [_obj(oid, minute, extra) for oid, minute, extra in adds]
    first = {(o["id"], o["modified"]): o for o in reversed(objs)}  # the first copy wins
    with patch.object(tearline_settings, "WRITE_BATCH", batch):
        for part in (objs[:cut], objs[cut:]):
            if part:
                with engine.begin() as conn:
                    store_rows(Writer(conn, "hints", "test"), _rows(part))
    assert _check(engine) == len(first)


def test_the_migration_fills_hints_for_rows_stored_before_it(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "old.db"))
    upgrade(engine, "0011_instance")
    objs = [_obj(IDS[0], 1, "ref"), _obj(IDS[0], 3, ""), _obj(IDS[1], 2, "internal"),
            _obj(IDS[2], 2, "two-markings")]
    cols = ("id", "version", "type", "spec_version", "content_hash", "added_seq", "added_at",
            "json", "tlp", "rel_to", "classification", "compartments", "sender",
            "version_key")
    with engine.begin() as conn:
        for seq, row in enumerate(_rows(objs), start=1):
            conn.execute(text(f"INSERT INTO stix_objects ({','.join(cols)}) VALUES "
                              f"({','.join(':' + c for c in cols)})"),
                         {"id": row.id, "version": row.version, "type": row.type,
                          "spec_version": row.spec_version, "content_hash": row.content_hash,
                          "added_seq": seq, "added_at": "2025-01-01 00:00:00.000000",
                          "json": row.json, "tlp": row.tlp, "rel_to": row.rel_to,
                          "classification": row.classification,
                          "compartments": row.compartments, "sender": row.sender,
                          "version_key": row.version_key})
    upgrade(engine)
    assert _check(engine) == 4
    with engine.connect() as conn:
        flags = dict(conn.execute(select(StixObject.version_key, StixObject.has_newer)
                                  .where(StixObject.id == IDS[0])).all())
    assert sorted(flags.values()) == [False, True]  # only the older version is superseded
