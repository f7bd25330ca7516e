"""``fuse`` with an extraction pool equals ``fuse`` without one, on both backends.

The pool runs inside fuse's unit of work (connection open, writer lock held),
so its workers come from a fork server, never from the fusing process; the
test runs a real pool (the serial threshold is lowered so the demo's
reports reach it) and compares every stored mention and thread membership
with a serial rebuild of the same store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tearline.demo_run import SCENARIO_DIR
from tearline.fusion.extract import batch
from tearline.ingest.run import ingest_paths
from tearline.pipeline import fuse
from tearline.store import schema as S
from tearline.store.uow import UnitOfWork


def _stored(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every stored mention (value as sorted JSON) and thread membership, in a fixed order."""
    with engine.connect() as conn:
        mentions = sorted(
            (r.report_id, r.kind, r.start, r.end, r.text, json.dumps(r.value, sort_keys=True))
            for r in conn.execute(select(S.Mention))
        )
        members = conn.execute(
            select(S.ThreadMember.thread_id, S.ThreadMember.report_id)
            .order_by(S.ThreadMember.thread_id, S.ThreadMember.report_id)
        ).all()
    return mentions, [tuple(r) for r in members]


def test_pooled_fuse_equals_serial_fuse(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                        pool_starts: list[str]) -> None:
    ingest_paths(engine, [SCENARIO_DIR])
    monkeypatch.setattr(batch, "_SERIAL_BELOW", 4)
    monkeypatch.setattr(batch, "_CHUNK", 3)
    monkeypatch.setenv("TEARLINE_EXTRACT_WORKERS", "2")
    pooled_state, pooled = fuse(engine)
    assert pool_starts == ["forkserver"], "the pool must run, from a fork server"
    assert pooled.added > 4
    pooled_rows = _stored(engine)
    monkeypatch.setenv("TEARLINE_EXTRACT_WORKERS", "1")
    serial_state, serial = fuse(engine, rebuild=True)
    assert serial.added == pooled.added
    assert serial_state.mentions == pooled_state.mentions
    assert serial_state.threads.assignments() == pooled_state.threads.assignments()
    assert _stored(engine) == pooled_rows
    assert pooled_rows[0], "the demo must yield mentions"


def _open_files() -> list[str]:
    """What this process has open (run in a pool worker)."""
    import os

    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return out


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_pool_workers_hold_nothing_of_the_fusing_connection(sqlite_engine: Engine) -> None:
    from concurrent.futures import ProcessPoolExecutor

    db_file = str(Path(sqlite_engine.url.database or "").resolve())
    with UnitOfWork(sqlite_engine) as uow:  # connection open, writer lock held
        uow.conn.execute(select(S.Report.id)).all()
        assert any(db_file in f for f in _open_files())  # this process has the file open
        with ProcessPoolExecutor(max_workers=1, mp_context=batch._context()) as pool:
            in_worker = pool.submit(_open_files).result()
    assert in_worker and not any(db_file in f for f in in_worker), in_worker
