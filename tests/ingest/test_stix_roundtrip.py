"""STIX bundles come back out exactly as they went in, and the result validates."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine
from stix2validator import ValidationOptions, validate_file

from tearline.ingest.run import ingest_paths
from tearline.share.stix_export import write_bundle


def _canon(objs: list[dict]) -> set[bytes]:
    return {orjson.dumps(o, option=orjson.OPT_SORT_KEYS) for o in objs}


def _roundtrip(engine: Engine, src: Path, out: Path) -> tuple[list[dict], list[dict]]:
    summary = ingest_paths(engine, [src])
    assert not summary.rejected, summary.rejected[0].error
    with engine.connect() as conn, out.open("wb") as fh:
        write_bundle(conn, fh)
    original = orjson.loads(src.read_bytes())["objects"]
    exported = orjson.loads(out.read_bytes())["objects"]
    return original, exported


@pytest.mark.parametrize("name", ["oasis-example-apt1.json", "oasis-example-poisonivy.json"])
def test_oasis_examples_roundtrip(engine: Engine, tmp_path: Path, shared_data: Path,
                                  name: str) -> None:
    src = shared_data / "stix-examples" / name
    original, exported = _roundtrip(engine, src, tmp_path / "out.json")
    # Report SDOs are also projected into fragments, but exported once, as stored.
    assert _canon(exported) == _canon(original)
    assert len(exported) == len(original)
    assert validate_file(str(tmp_path / "out.json"), ValidationOptions()).is_valid


@pytest.mark.slow
def test_attack_enterprise_roundtrip_validates(sqlite_engine: Engine, tmp_path: Path,
                                               shared_data: Path) -> None:
    src = shared_data / "attack" / "enterprise-attack-18.1.reconstructed-stix21.json"
    original, exported = _roundtrip(sqlite_engine, src, tmp_path / "out.json")
    assert len(original) == 24772
    assert _canon(exported) == _canon(original)
    del original, exported
    assert validate_file(str(tmp_path / "out.json"), ValidationOptions()).is_valid


@pytest.mark.slow
@pytest.mark.postgres
def test_attack_enterprise_roundtrip_postgres(tmp_path: Path, shared_data: Path) -> None:
    from tearline.store.db import ensure_current
    from tests.conftest import drop_postgres_schema, make_postgres_engine

    engine, schema = make_postgres_engine()
    try:
        ensure_current(engine)
        src = shared_data / "attack" / "enterprise-attack-18.1.reconstructed-stix21.json"
        original, exported = _roundtrip(engine, src, tmp_path / "out.json")
        assert _canon(exported) == _canon(original)
    finally:
        engine.dispose()
        drop_postgres_schema(schema)
