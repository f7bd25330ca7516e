"""A TLP scoped to some properties (``granular_markings``) binds the whole object.

Found from outside in session 2: a TLP:GREEN indicator whose description carried
a granular TLP:RED was served whole to partners, because only
``object_marking_refs`` was read. We withhold whole objects, so the most
restrictive marking anywhere on the object must win.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tearline.ingest.run import ingest_file
from tearline.ingest.stix import TLP_IDS_V2
from tearline.model.principal import Principal, Tier
from tearline.share.stix_export import iter_export
from tearline.store.schema import StixObject

GREEN, RED = TLP_IDS_V2["green"], TLP_IDS_V2["red"]
ID = "indicator--2f9c6a0e-5a7b-4c1e-9d6f-3b8a1c2d4e5f"


def _indicator(**extra: object) -> dict[str, object]:
    return {"type": "indicator", "spec_version": "2.1", "id": ID,
            "created": "2026-11-30T10:00:00.000Z", "modified": "2026-11-30T10:00:00.000Z",
            "name": "Courier's drop address", "description": "seen by ORCHID at the depot",
            "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
            "valid_from": "2026-11-30T10:00:00Z", "object_marking_refs": [GREEN], **extra}


def _ingest(engine: Engine, tmp_path: Path, obj: dict[str, object]) -> str | None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--0b6c7f7e-1d3a-4c55-9a37-"
                                "6a0f2b1c9d88", "objects": [obj]}))
    result = ingest_file(engine, path)
    assert result.error is None, result.error
    with engine.connect() as conn:
        return conn.execute(select(StixObject.tlp).where(StixObject.id == ID)).scalar()


def _partner_sees(engine: Engine, tier: Tier) -> bool:
    with engine.connect() as conn:
        return any(ID.encode() in blob
                   for blob in iter_export(conn, Principal.partner("P1", tier)))


def test_a_granular_red_binds_the_whole_object(engine: Engine, tmp_path: Path) -> None:
    granular = [{"marking_ref": RED, "selectors": ["description"]}]
    assert _ingest(engine, tmp_path, _indicator(granular_markings=granular)) == "red"
    assert not _partner_sees(engine, Tier.CORE)


def test_without_granular_markings_the_object_level_tlp_stands(
        engine: Engine, tmp_path: Path) -> None:
    assert _ingest(engine, tmp_path, _indicator()) == "green"
    assert _partner_sees(engine, Tier.CORE)  # the control: the same path does serve GREEN


def test_a_language_marking_grants_and_withholds_nothing(engine: Engine, tmp_path: Path) -> None:
    granular = [{"lang": "de", "selectors": ["description"]}]
    assert _ingest(engine, tmp_path, _indicator(granular_markings=granular)) == "green"


@pytest.mark.parametrize("bad", [{"marking_ref": RED}, "red", [["x"]]])
def test_a_malformed_granular_marking_is_refused_with_its_field(
        engine: Engine, tmp_path: Path, bad: object) -> None:
    path = tmp_path / "bad.json"
    obj = _indicator(granular_markings=bad if not isinstance(bad, dict) else [bad, "x"])
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--0b6c7f7e-1d3a-4c55-9a37-"
                                "6a0f2b1c9d88", "objects": [obj]}))
    result = ingest_file(engine, path)
    assert result.error is not None and "granular_markings" in str(result.error)


def test_a_granular_statement_decides_no_access(engine: Engine, tmp_path: Path) -> None:
    """A copyright statement on one property is a reference to ship, not a restriction."""
    statement = "marking-definition--9c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    granular = [{"marking_ref": statement, "selectors": ["description"]}]
    assert _ingest(engine, tmp_path, _indicator(granular_markings=granular)) == "green"
