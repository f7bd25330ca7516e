"""``fuse`` killed with SIGKILL at several points leaves a state the next run completes.

The kill happens in a real child process on the real database (both
backends); the fault is injected by wrapping one pipeline step in the child so
the kill lands at a known point: mid-extraction, after the thread rows are
written, mid-way through the assessment versions, and just before the commit.
The parent then checks that nothing partial was committed and that the next
``fuse`` yields the same threads and assessments as an uninterrupted run.
Two concurrent runs must not append the same assessment version twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.pipeline import FuseStats, fuse
from tearline.settings import REPO_ROOT
from tearline.store import schema as S
from tearline.store.db import ensure_current, make_engine
from tests.conftest import drop_postgres_schema, make_postgres_engine

_CHILD = """
import os, signal, sys
import tearline.assess.store as assess_store
import tearline.pipeline as pipeline
from tearline.store.db import make_engine
from tearline.store.uow import UnitOfWork

url, point = sys.argv[1], sys.argv[2]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

progress = None
if point == "extract":
    def progress(done, total):
        if done == total // 2:
            die()
elif point == "persisted":
    real_persist = pipeline._persist
    def _persist(*a, **k):
        real_persist(*a, **k)
        die()
    pipeline._persist = _persist
elif point == "assessing":
    # Versions are stored together after every touched thread is assessed:
    # die mid-way through assessing (threads written, no version stored yet).
    real_assess = assess_store.assess_thread
    calls = []
    def assess_thread(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            die()
        return real_assess(*a, **k)
    assess_store.assess_thread = assess_thread
elif point == "commit":
    real_commit = UnitOfWork.commit
    def commit(self):
        die()
    UnitOfWork.commit = commit
pipeline.fuse(make_engine(url), progress=progress)
print("not killed")
"""

POINTS = ["extract", "persisted", "assessing", "commit"]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _snapshot(engine: Engine) -> dict[str, Any]:
    """What fusion produced, without the wall-clock times of this run."""
    with engine.connect() as conn:
        members = sorted(conn.execute(select(S.ThreadMember.thread_id,
                                             S.ThreadMember.report_id)).tuples())
        threads = sorted((t.id, t.title, t.status, str(t.state))
                         for t in conn.execute(select(S.Thread)))
        versions = sorted(
            (a.thread_id, a.version, a.changed_by, a.reason, a.likelihood, a.confidence,
             str({k: v for k, v in a.payload.items() if k != "as_of"}))
            for a in conn.execute(select(S.Assessment)))
        origins = sorted(conn.execute(select(S.OriginCluster.report_id,
                                             S.OriginCluster.cluster_id)).tuples())
    return {"members": members, "threads": threads, "versions": versions, "origins": origins}


_REFERENCE: dict[str, dict[str, Any]] = {}


def _reference(backend: str, tmp_path: Path) -> dict[str, Any]:
    """An uninterrupted run on a database of its own (computed once per backend)."""
    if backend not in _REFERENCE:
        schema = None
        if backend == "sqlite":
            eng = make_engine(str(tmp_path / "reference.db"))
        else:
            eng, schema = make_postgres_engine()
        try:
            ensure_current(eng)
            ingest_paths(eng, [SCENARIO_DIR])
            fuse(eng)
            _REFERENCE[backend] = _snapshot(eng)
        finally:
            eng.dispose()
            if schema:
                drop_postgres_schema(schema)
    return _REFERENCE[backend]


@pytest.fixture
def ingested(engine: Engine) -> Iterator[Engine]:
    ingest_paths(engine, [SCENARIO_DIR])
    yield engine


@pytest.mark.parametrize("point", POINTS)
def test_killed_fuse_commits_nothing_and_the_next_run_completes(
        ingested: Engine, point: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.run([sys.executable, "-c", _CHILD, _url(ingested), point], env=env,
                           capture_output=True, text=True, timeout=600)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    left = _snapshot(ingested)
    assert left == {"members": [], "threads": [], "versions": [], "origins": []}
    _, stats = fuse(ingested)
    assert stats.added == stats.total == 48 and not stats.rebuilt
    backend = ingested.dialect.name
    assert _snapshot(ingested) == _reference(backend, tmp_path)


def test_concurrent_fuse_runs_append_each_version_once(ingested: Engine) -> None:
    results: list[FuseStats] = []
    errors: list[BaseException] = []

    def run() -> None:
        engine = make_engine(_url(ingested))
        try:
            results.append(fuse(engine)[1])
        except BaseException as exc:  # reported below, with the other run's outcome
            errors.append(exc)
        finally:
            engine.dispose()

    workers = [threading.Thread(target=run) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    assert sorted(r.added for r in results) == [0, 48]  # the second saw the first's work
    with ingested.connect() as conn:
        dupes = conn.execute(
            select(S.Assessment.thread_id, S.Assessment.version)
            .group_by(S.Assessment.thread_id, S.Assessment.version)
            .having(func.count() > 1)).all()
        versions = conn.execute(select(func.count()).select_from(S.Assessment)).scalar_one()
    assert dupes == []
    assert versions == max(len(r.assessed) for r in results) > 0
