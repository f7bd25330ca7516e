"""The audit chain holds under 8 concurrent readers and 2 writers, on both backends.

The test suite runs the load for a few seconds (``TEARLINE_TEST_CHAIN_SECONDS``);
``bench/audit_chain.py`` runs the full minute and records the figures.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.chain_load import run_load
from tearline.security.verify import verify_log
from tearline.store.schema import AuditEntry

SECONDS = float(os.environ.get("TEARLINE_TEST_CHAIN_SECONDS", "4"))


def test_chain_stays_valid_under_concurrent_readers_and_writers(
        engine: Engine, tmp_path: Path, audit_sink: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    folder = tmp_path / "in"
    folder.mkdir()
    totals = run_load(url, folder, SECONDS)
    assert totals["read"] > 8 and totals["write"] > 2, totals
    report = verify_log(engine)
    assert report.ok, report.to_dict()
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(AuditEntry)).scalar()
    # every read is at least one audit row (the listing); every file at least two
    assert rows is not None and rows >= totals["read"] + 2 * totals["write"]
    assert report.checkpoints and report.checkpoints > 0
