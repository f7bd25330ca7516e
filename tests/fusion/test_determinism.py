"""Fusion gives the same threads and origin clusters whatever Python's hash seed.

Set iteration order follows PYTHONHASHSEED; if a decision depended on it, a
rebuild in another process (or on a partner's instance) would cluster the same
reports differently.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import hashlib, json, sys
from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.pipeline import build_state, catalog_for, load_fragments
from tearline.store.db import ensure_current, make_engine
engine = make_engine(sys.argv[1]); ensure_current(engine); ingest_paths(engine, [SCENARIO_DIR])
with engine.connect() as conn:
    fragments = load_fragments(conn); catalog, _ = catalog_for(conn)
state = build_state(fragments, catalog)
threads = sorted(state.threads.assignments().items())
origins = sorted((f, state.origins.cluster_of(f)) for f, _ in threads)
print(hashlib.sha256(json.dumps([threads, origins]).encode()).hexdigest())
"""


def test_same_result_under_different_hash_seeds(tmp_path: Path) -> None:
    digests = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(tmp_path / f"d{seed}.db")],
            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True,
            check=True, timeout=300)
        digests.add(out.stdout.strip())
    assert len(digests) == 1
