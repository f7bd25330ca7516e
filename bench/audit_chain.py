"""The audit chain under 8 readers and 2 writers for a minute, on SQLite and PostgreSQL.

    PYTHONPATH=$PWD python bench/audit_chain.py [seconds]

Prints one Markdown row per backend: reads, files written, audit rows,
checkpoints and whether ``verify_log`` found the chain intact.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench.chain_load import run_load
from tearline.security.verify import verify_log
from tearline.settings import postgres_test_url
from tearline.store.db import ensure_current, make_engine
from tearline.store.schema import AuditEntry


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    tmp = Path(tempfile.mkdtemp(prefix="tl-chain-"))
    (tmp / "key").write_text(secrets.token_urlsafe(32))
    os.environ.update(TEARLINE_AUDIT_KEY_FILE=str(tmp / "key"),
                      TEARLINE_AUDIT_SINK=str(tmp / "sink.jsonl"),
                      TEARLINE_AUDIT_CHECKPOINT_EVERY="100")
    schema = f"b_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_test_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    urls = {"sqlite": f"sqlite:///{tmp / 'b.db'}",
            "postgresql": f"{postgres_test_url()}?options=-csearch_path%3D{schema}"}
    print("| backend | seconds | reads | files | audit rows | checkpoints | chain |")
    print("|---|---|---|---|---|---|---|")
    try:
        for name, url in urls.items():
            engine = make_engine(url)
            ensure_current(engine)
            folder = tmp / f"in-{name}"
            folder.mkdir()
            t0 = time.monotonic()
            totals = run_load(url, folder, seconds)
            took = time.monotonic() - t0
            report = verify_log(engine)
            with engine.connect() as conn:
                rows = conn.execute(select(func.count()).select_from(AuditEntry)).scalar()
            verdict = "intact" if report.ok else f"BROKEN: {report.first}"
            print(f"| {name} | {took:.0f} | {totals['read']} | {totals['write']} | {rows} | "
                  f"{report.checkpoints} | {verdict} |")
            engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
