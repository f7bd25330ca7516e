"""A load of concurrent readers and writers on one database, for chain tests and bench.

Readers list and open reports through ``ingest.query`` (the audited read path the
CLI and REST share); writers ingest new report files through
``ingest.run.ingest_file``. Each runs in its own process with its own engine,
as separate ``tearline`` commands and ``serve`` workers would.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import time
from pathlib import Path

import tearline.share.releases  # noqa: F401  (imported lazily by view; load it before fork)
from tearline.ingest.query import get_report, list_reports
from tearline.ingest.run import ingest_file
from tearline.model.principal import local_owner
from tearline.store.db import make_engine
from tearline.store.view import ReportFilter

__all__ = ["run_load"]


def _reader(url: str, tag: int, seconds: float,
            out: mp.Queue) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    who = local_owner(f"reader{tag}")
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        with engine.begin() as conn:
            rows = list_reports(conn, ReportFilter(limit=5), who)
            if rows:
                get_report(conn, rows[0][0].id, who)
        n += 1
    engine.dispose()
    out.put(("read", n))


def _writer(url: str, folder: str, tag: int, seconds: float,
            out: mp.Queue) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        path = Path(folder) / f"w{tag}-{n}.json"
        path.write_text(json.dumps({
            "title": f"Writer {tag} report {n}", "body": f"Observation {n} from writer {tag}.",
            "reported_at": "2025-03-01T10:00:00+00:00", "originator": "Northern Service",
            "source": {"name": f"HUM-{tag}", "kind": "humint", "reliability": "C"}}))
        result = ingest_file(engine, path, f"writer{tag}")
        if result.error:
            raise RuntimeError(result.error)
        n += 1
    engine.dispose()
    out.put(("write", n))


def run_load(url: str, folder: Path, seconds: float, readers: int = 8,
             writers: int = 2) -> dict[str, int]:
    """Run the load for ``seconds``; returns how many reads and files were done."""
    ctx = mp.get_context("fork")  # no re-import per process: the load starts at once
    out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_reader, args=(url, i, seconds, out))
             for i in range(readers)]
    procs += [ctx.Process(target=_writer, args=(url, str(folder), i, seconds, out))
              for i in range(writers)]
    for p in procs:
        p.start()
    totals = {"read": 0, "write": 0}
    for _ in procs:
        kind, n = out.get(timeout=seconds + 120)
        totals[kind] += n
    for p in procs:
        p.join(timeout=30)
        if p.exitcode != 0:
            raise RuntimeError(f"a load process exited with {p.exitcode}")
    return totals
