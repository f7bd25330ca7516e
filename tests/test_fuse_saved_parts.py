"""The saved fusion indexes split over several ``fusion_state`` rows when one cannot hold them.

At 100,000 ECB+-built articles the indexes' JSON was 1.26 GB, over SQLite's
largest value, and ``fuse`` failed at its last statement; PostgreSQL's
``jsonb`` stops at 256 MB. ``pipeline._save_payload`` cuts a large payload
into parts. These tests lower the part size so the demo store needs many,
and require the incremental run that reads them back to decide as one that
read a single row, on both backends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tearline import pipeline
from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse, read_state
from tearline.store import schema as S
from tearline.store.uow import UnitOfWork
from tests.conftest import demo_agency_halves


def _keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(S.FusionState.key)).scalars())


def _run(engine: Engine, tmp_path: Path) -> tuple[dict[str, str], list[str], int]:
    first, rest = demo_agency_halves(tmp_path)
    ingest_paths(engine, [first])
    fuse(engine)
    ingest_paths(engine, [rest])
    state, stats = fuse(engine)  # reads back what the first run saved
    assert not stats.rebuilt and stats.added > 0
    with engine.connect() as conn:
        placed = read_state(conn).threads.assignments()
    assert placed == state.threads.assignments()
    return state.threads.assignments(), _keys(engine), stats.added


def test_split_payload_reads_back_as_the_single_row(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tearline.store.db import ensure_current, make_engine

    reference = make_engine(f"sqlite:///{tmp_path}/reference.db")
    ensure_current(reference)
    whole, keys, added = _run(reference, tmp_path / "one")
    reference.dispose()
    assert keys == ["threads"]
    monkeypatch.setattr(pipeline, "_PART_CHARS", 5_000)
    split, split_keys, split_added = _run(engine, tmp_path / "two")
    assert split_added == added
    assert split == whole
    assert split_keys[0] == "threads" and len(split_keys) > 10
    assert split_keys[1:] == [f"threads#{n:04d}" for n in range(len(split_keys) - 1)]


def test_a_smaller_payload_leaves_no_stale_parts(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "_PART_CHARS", 5_000)
    _run(sqlite_engine, tmp_path)
    assert len(_keys(sqlite_engine)) > 2
    monkeypatch.setattr(pipeline, "_PART_CHARS", 1 << 30)
    fuse(sqlite_engine, rebuild=True)
    assert _keys(sqlite_engine) == ["threads"]


def test_a_missing_part_is_an_error_that_says_what_to_do(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tearline.errors import StoreError

    monkeypatch.setattr(pipeline, "_PART_CHARS", 5_000)
    first, _ = demo_agency_halves(tmp_path)
    ingest_paths(sqlite_engine, [first])
    fuse(sqlite_engine)
    with UnitOfWork(sqlite_engine) as uow:
        uow.conn.execute(
            S.FusionState.__table__.delete().where(S.FusionState.key == "threads#0001")
        )
    with sqlite_engine.connect() as conn, pytest.raises(StoreError, match="--rebuild"):
        read_state(conn)
