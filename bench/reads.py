"""Read latency at scale: ``thread ID --json`` and ``GET /api/v1/threads/{id}``.

    .venv/bin/python bench/reads.py --size 100000            # SQLite file in /tmp
    .venv/bin/python bench/reads.py --size 100000 --db postgresql://…  --write

The store is built with the real write path: reports through the ingest
``Writer``, the threads through ``ThreadIndex`` and the pipeline's own
``_persist`` (the rows ``fuse`` commits). Only extraction is replaced by the
synthetic stream's mentions from ``bench/fusion.py`` — running the extractors
over 100,000 synthetic texts would measure extraction, not reads, and take
most of an hour here. Then each read is timed in process (median and p95 of
``--repeat`` calls) for the largest thread and a median-sized one, next to
``read_state`` (the whole fused state, what every read used to replay).
``--write`` stores the table in docs/benchmarks-reads.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from click.testing import CliRunner  # noqa: E402
from fusion import synthetic  # noqa: E402
from sqlalchemy import Engine, func, insert, select  # noqa: E402

from tearline.cli import main as cli  # noqa: E402
from tearline.fusion.catalog import load_catalog  # noqa: E402
from tearline.fusion.query import get_thread  # noqa: E402
from tearline.fusion.threads import ThreadIndex  # noqa: E402
from tearline.ingest.drafts import ReportDraft, SourceDraft  # noqa: E402
from tearline.ingest.writer import Writer  # noqa: E402
from tearline.pipeline import FusionState, _persist, read_state  # noqa: E402
from tearline.security.credentials import issue_user_token  # noqa: E402
from tearline.security.users import add_user  # noqa: E402
from tearline.share.policy import local_owner  # noqa: E402
from tearline.store import schema as S  # noqa: E402
from tearline.store.db import ensure_current, make_engine  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tearline.web.app import make_app  # noqa: E402

DOC = ROOT / "docs" / "benchmarks-reads.md"
BATCH = 10_000


def build(engine: Engine, n: int) -> float:
    """Store ``n`` synthetic reports and their threads; returns the seconds it took."""
    t0 = time.perf_counter()
    source = SourceDraft(name="bench wire", kind="news", agency="bench", reliability="C")
    state = FusionState({}, {}, ThreadIndex(), load_catalog())
    batch: list[tuple[Any, Any, ReportDraft]] = []

    def flush() -> None:
        # The Writer's own rows (one insert per report, one audit entry each), in
        # bulk: the reads below touch reports and sources, not the ingest audit.
        now = datetime.now(UTC)
        with engine.begin() as conn:
            w = Writer(conn, "bench", "bench-reads")
            w.add_reports([batch[0][2]])
            w.audit.flush(conn)
            conn.execute(insert(S.Report).prefix_with("OR IGNORE", dialect="sqlite"), [{
                "id": d.report_id(), "content_hash": d.content_hash(), "category": d.category,
                "external_id": None, "title": d.title, "body": d.body, "language": "en",
                "reported_at": d.reported_at, "received_at": d.received_at,
                "originator": d.originator, "source_id": source.id,
                "credibility": d.credibility, "classification": d.classification,
                "tlp": d.tlp, "releasability": [], "caveats": [], "tags": [],
                "ingest_file": "bench-reads", "ingested_at": now} for _, _, d in batch[1:]])
        batch.clear()
        print(f"  {len(state.fragments):,} stored, {time.perf_counter() - t0:.0f} s", flush=True)

    for frag, mentions, _label in synthetic(n):
        draft = ReportDraft(title=frag.title, body=frag.body, originator="bench wire",
                            source=source, reported_at=frag.reported_at,
                            received_at=frag.received_at, category="news",
                            credibility=frag.credibility, tlp="green")
        frag = dataclasses.replace(frag, id=draft.report_id(), source_name=source.name,
                                   reliability=source.reliability)
        att = state.threads.add(frag, mentions)
        state.fragments[frag.id] = frag
        state.mentions[frag.id] = mentions
        state.attachments[frag.id] = {"thread": att.thread_id, "opened": att.opened,
                                      "score": round(att.score, 4), "shared": []}
        batch.append((frag, mentions, draft))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    with engine.begin() as conn:
        _persist(conn, state, list(state.fragments), True, "bench")
        add_user(conn, "bench", actor="bench", roles=["analyst"], clearance="SECRET")
    return time.perf_counter() - t0


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Median and p95 wall time and median CPU time of ``fn``, in milliseconds.

    The CPU time is this process's own: on a shared machine the wall time
    includes waiting for the core, which the read does not cause.
    """
    fn()  # warm: imports, pools, the catalog cache
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    wall.sort()
    return (statistics.median(wall), wall[min(len(wall) - 1, int(len(wall) * 0.95))],
            statistics.median(cpu))


def measure(engine: Engine, url: str, repeat: int, whole: bool) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        sizes = conn.execute(select(S.ThreadMember.thread_id, func.count())
                             .group_by(S.ThreadMember.thread_id)
                             .order_by(func.count().desc(), S.ThreadMember.thread_id)).all()
        fragments = conn.execute(select(func.count()).select_from(S.Report)).scalar_one()
    picks = {"largest": sizes[0], "median": sizes[len(sizes) // 2]}
    with engine.begin() as conn:
        token = issue_user_token(conn, "bench", actor="bench", label="bench")
    runner = CliRunner()
    rows = []
    with TestClient(make_app(engine)) as client:
        for label, (tid, members) in picks.items():
            def direct(tid: str = tid) -> None:
                with engine.begin() as conn:
                    assert get_thread(conn, tid, local_owner()) is not None

            def command(tid: str = tid) -> None:
                # Once users exist the CLI acts only for a token's holder.
                res = runner.invoke(cli, ["--db", url, "thread", tid, "--json"],
                                    env={"TEARLINE_TOKEN": token})
                assert res.exit_code == 0, res.output

            def route(tid: str = tid) -> None:
                resp = client.get(f"/api/v1/threads/{tid}",
                                  headers={"Authorization": f"Bearer {token}"})
                assert resp.status_code == 200, resp.text

            for name, fn in (("fusion.query.get_thread", direct),
                             ("tearline thread ID --json (in process)", command),
                             ("GET /api/v1/threads/{id}", route)):
                med, p95, cpu = timed(fn, repeat)
                rows.append({"read": name, "thread": f"{label} ({members} members)",
                             "median_ms": med, "p95_ms": p95, "cpu_ms": cpu})

    def everything() -> None:
        with engine.connect() as conn:
            read_state(conn)

    if whole:  # minutes at 100k: what every read cost before the stored rows
        med, p95, cpu = timed(everything, 2)
        rows.append({"read": "read_state (the whole fused state)", "thread": "all",
                     "median_ms": med, "p95_ms": p95, "cpu_ms": cpu})
    for r in rows:
        r["fragments"] = fragments
        r["threads"] = len(sizes)
    return rows


def table(rows: list[dict[str, Any]], backend: str) -> str:
    out = ["| backend | fragments | threads | read | thread | median ms | p95 ms | CPU ms |",
           "|---|---:|---:|---|---|---:|---:|---:|"]
    out += [f"| {backend} | {r['fragments']:,} | {r['threads']:,} | {r['read']} | {r['thread']} "
            f"| {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['cpu_ms']:.1f} |" for r in rows]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--db", help="database URL (default: a new SQLite file in /tmp)")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--write", action="store_true", help="append to docs/benchmarks-reads.md")
    ap.add_argument("--whole", action="store_true",
                    help="also time read_state, the whole fused state (minutes at 100k)")
    ap.add_argument("--build-only", action="store_true",
                    help="build the store and stop (build unlocked, measure under the lock)")
    args = ap.parse_args()
    url = args.db or str(Path(tempfile.mkdtemp(prefix="tearline-reads-")) / "reads.db")
    engine = make_engine(url)
    ensure_current(engine)
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        present = conn.execute(select(func.count()).select_from(S.Report)).scalar_one()
    if present == 0:
        print(f"building {args.size:,} fragments in {url} …", flush=True)
        print(f"built in {build(engine, args.size):.0f} s", flush=True)
    if engine.dialect.name == "postgresql":
        # A store in service has been vacuumed by autovacuum; one just built has
        # not, and its visibility map is empty, so a count(*) reads the whole heap
        # (46 ms instead of 6 ms at 100k). Measure the steady state.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    if args.build_only:
        return
    rows = measure(engine, url, args.repeat, args.whole)
    text = table(rows, engine.dialect.name)
    print(text)
    if args.write:
        with DOC.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
