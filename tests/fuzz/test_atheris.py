"""Every parser of untrusted input under coverage-guided fuzzing (atheris), zero crashes.

The ``all`` target of ``tests/fuzz/atheris_targets.py`` (article, native JSON,
STIX object, STIX stream, TAXII query parameters; the first byte picks one) runs
in its own process (libFuzzer exits the process when done) for a bounded number
of runs, starting from the demo scenario's well-formed inputs. A crash is any
exception other than the parser's own refusal; libFuzzer then exits non-zero and
prints the input, which the assertion shows. ``FUZZ_RUNS`` (environment) sets
the number of runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

HARNESS = Path(__file__).with_name("atheris_targets.py")
ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("FUZZ_RUNS", "50000"))


def test_parsers_survive_fuzzing(tmp_path: Path) -> None:
    target = "all"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    res = subprocess.run(
        [sys.executable, str(HARNESS), target, f"-runs={RUNS}", "-max_len=65536",
         "-rss_limit_mb=1536", "-timeout=20", f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    tail = "\n".join(line for line in res.stderr.splitlines()
                     if not line.startswith("INFO: Instrumenting"))[-4000:]
    assert res.returncode == 0, tail
    assert f"Done {RUNS} runs" in res.stderr, tail
    assert not list(tmp_path.glob("crash-*")), tail
