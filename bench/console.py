"""Console benchmark: server time of every main page with 100,000 fragments stored.

    .venv/bin/python bench/console.py [--fragments 100000] [--per-thread 20] [--write-doc]

The store is the demo scenario, ingested and fused for real (so one thread
has a real timeline, entity graph, alarms and ACH matrix), plus ``--fragments``
synthetic reports written straight into the tables in threads of
``--per-thread`` members, each thread with a stored assessment version. The
synthetic threads are not in the persisted fusion index: their pages show the
stored parts (members, origins, assessment, history) and say that fusion has
not run, which is what a page costs from the database alone.

Server time is the in-process ASGI request (routing, queries, policy, audit
write, template) through Starlette's test client, no network. Each page is
requested once cold (first after start: fills the per-process caches), then
``--repeat`` times; the table gives the cold time, the median and the p95.
Not a test: run by hand. ``--write-doc`` rewrites docs/benchmarks-console.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEARLINE_SHARED_DATA", str(ROOT.parent / "shared" / "data"))

from sqlalchemy import Engine, insert  # noqa: E402

from tearline.ingest.run import ingest_paths  # noqa: E402
from tearline.pipeline import fuse  # noqa: E402
from tearline.security.users import add_user  # noqa: E402
from tearline.settings import PACKAGE_DIR  # noqa: E402
from tearline.share.partners import create_partner  # noqa: E402
from tearline.store import schema as S  # noqa: E402
from tearline.store.db import ensure_current, make_engine  # noqa: E402
from tearline.web.app import make_app  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DOC = ROOT / "docs" / "benchmarks-console.md"
TLPS = ["clear", "green", "amber", "amber", "amber+strict", "red"]
CLASSES = ["UNCLASSIFIED", "UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"]
HARMS = ["intentional_killing", "other", "property_damage"]
WORDS = [
    "attack",
    "warning",
    "cell",
    "venue",
    "market",
    "hall",
    "embassy",
    "transit",
    "station",
    "convoy",
    "threat",
    "suspect",
    "recruit",
    "courier",
    "payment",
    "explosive",
    "rifle",
    "drone",
    "statement",
    "response",
]


def _synthetic(engine: Engine, n: int, per_thread: int) -> None:
    """``n`` reports in threads of ``per_thread``, with members, origins and assessments."""
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(S.Source),
            [
                {
                    "id": f"bench-src-{i}",
                    "name": f"Bench source {i}",
                    "kind": "osint",
                    "agency": f"Agency {i % 7}",
                    "reliability": "ABCDEF"[i % 6],
                    "created_at": now,
                }
                for i in range(50)
            ],
        )
        batch: dict[str, list[dict[str, Any]]] = {"r": [], "m": [], "o": []}
        threads, assessments = [], []
        for i in range(n):
            rid = f"report--bench-{i:08d}"
            tid_n = i // per_thread
            tid = f"thread:report--bench-{tid_n * per_thread:08d}"
            words = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 40))
            at = t0 + timedelta(minutes=7 * i)
            batch["r"].append(
                {
                    "id": rid,
                    "content_hash": hashlib.sha256(rid.encode()).hexdigest(),
                    "category": "report",
                    "external_id": f"BENCH-{i:06d}",
                    "title": f"Bench report {i}: {words[:60]}",
                    "body": words,
                    "language": "en",
                    "reported_at": at,
                    "received_at": at,
                    "originator": f"Agency {i % 7}",
                    "source_id": f"bench-src-{i % 50}",
                    "credibility": 1 + i % 6,
                    "classification": CLASSES[i % len(CLASSES)],
                    "tlp": TLPS[i % len(TLPS)],
                    "releasability": [],
                    "caveats": [],
                    "tags": [],
                    "ingested_at": now,
                }
            )
            batch["m"].append(
                {
                    "thread_id": tid,
                    "report_id": rid,
                    "score": 0.5,
                    "reason": '{"opened": false, "score": 0.5, "shared": []}',
                    "added_at": now,
                }
            )
            batch["o"].append(
                {"report_id": rid, "cluster_id": f"report--bench-{i // 3:08d}", "reasons": []}
            )
            if i % per_thread == 0:
                threads.append(
                    {
                        "id": tid,
                        "title": f"Bench place {tid_n} · venue {tid_n % 15}",
                        "status": "open",
                        "created_at": now,
                        "updated_at": now,
                        "state": {"fragments": per_thread, "independent_origins": per_thread // 3},
                    }
                )
                p = (tid_n % 97) / 100
                assessments.append(
                    {
                        "thread_id": tid,
                        "version": 1,
                        "computed_at": now,
                        "as_of": now,
                        "changed_by": "bench",
                        "reason": "first assessment",
                        "likelihood": "likely" if p > 0.55 else "unlikely",
                        "confidence": "low",
                        "payload": {
                            "probability": p,
                            "probability_range": "55-80%",
                            "harm": {"primary": HARMS[tid_n % 3]},
                            "imminence": {
                                "level": "none",
                                "open_windows": [],
                                "lapsed_windows": [],
                            },
                            "credibility": {"independent_origins": per_thread // 3},
                            "rationale": ["Synthetic assessment for the benchmark."],
                        },
                    }
                )
            if len(batch["r"]) >= 5000:
                _flush(conn, batch, threads, assessments)
        _flush(conn, batch, threads, assessments)


def _flush(
    conn: Any,
    batch: dict[str, list[dict[str, Any]]],
    threads: list[dict[str, Any]],
    assessments: list[dict[str, Any]],
) -> None:
    if threads:
        conn.execute(insert(S.Thread), threads)
        threads.clear()
    for key, table in (("r", S.Report), ("m", S.ThreadMember), ("o", S.OriginCluster)):
        if batch[key]:
            conn.execute(insert(table), batch[key])
            batch[key].clear()
    if assessments:
        conn.execute(insert(S.Assessment), assessments)
        assessments.clear()


def _client(engine: Engine) -> TestClient:
    c = TestClient(make_app(engine), base_url="https://testserver", follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/console/login").text)
    assert token
    r = c.post(
        "/console/login", data={"username": "bench", "password": "bench-pw", "csrf": token.group(1)}
    )
    assert r.status_code == 303, r.text
    return c


def _time(c: TestClient, path: str, repeat: int) -> tuple[float, float, float, float, int]:
    """Cold, median and p95 wall time and the median CPU time of this process, in ms.

    On a shared machine wall time includes waiting for a core; the CPU time
    (all threads of this process: the test client serves from a thread) is
    what the request itself costs.
    """
    t = time.perf_counter()
    r = c.get(path)
    cold = time.perf_counter() - t
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    times, cpu = [], []
    for _ in range(repeat):
        t, p = time.perf_counter(), time.process_time()
        c.get(path)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - p)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return (cold * 1000, statistics.median(times) * 1000, p95 * 1000,
            statistics.median(cpu) * 1000, len(r.content))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fragments", type=int, default=100_000)
    ap.add_argument("--per-thread", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--write-doc", action="store_true")
    ap.add_argument("--build-only", action="store_true",
                    help="Build the --keep store and stop (measure under the lock).")
    ap.add_argument(
        "--keep",
        type=Path,
        help="Build the store in this file and keep it; when it exists, reuse it.",
    )
    args = ap.parse_args()
    args.load = os.popen("uptime").read().strip()
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(args.keep or Path(tmp) / "bench.db", args)
        if not args.build_only:
            _measure(engine, args)


def open_store(path: Path, args: argparse.Namespace) -> Engine:
    """The bench store at ``path``: reused when the file exists (a kept 100k
    store takes minutes to build), else migrated and filled."""
    reuse = path.exists()
    engine = make_engine(str(path))
    ensure_current(engine)
    if not reuse:
        _build(engine, args)
    return engine


def _build(engine: Engine, args: argparse.Namespace) -> None:
    t = time.perf_counter()
    ingest_paths(engine, [PACKAGE_DIR / "demo" / "scenario"], actor="bench")
    fuse(engine)
    _synthetic(engine, args.fragments, args.per_thread)
    with engine.begin() as conn:
        add_user(
            conn,
            "bench",
            actor="bench",
            roles=["admin", "analyst"],
            clearance="TOP SECRET",
            compartments=["*"],
            password="bench-pw",
        )
        create_partner(conn, "NRD", "Northern Reach Directorate", "core", actor="bench")
    print(f"store built in {time.perf_counter() - t:.0f} s", file=sys.stderr)


def _measure(engine: Engine, args: argparse.Namespace) -> None:
    c = _client(engine)
    board = c.get("/console").text
    demo = re.search(r"/console/threads/(a3ad4324)", board)
    pages = [
        ("threat board", "/console"),
        ("board rows (poll)", "/console/board/rows"),
        ("board poll counts", "/console/updates"),
        (
            "thread page, demo thread (fused: timeline, graph, ACH, alarms)",
            f"/console/threads/{demo.group(1) if demo else 'a3ad4324'}",
        ),
        ("thread page, synthetic 20-member thread (stored parts)", "/console/threads/bench"),
        ("ingest form", "/console/ingest"),
        ("partners", "/console/partners"),
        ("partners, view as NRD (first 100 visible)", "/console/partners?view_as=NRD"),
        ("audit (200 newest, chain verified)", "/console/audit"),
    ]
    rows = []
    for label, path in pages:
        if path == "/console/threads/bench":
            path = "/console/threads/thread:report--bench-00000020"
        cold, med, p95, cpu, size = _time(c, path, args.repeat)
        rows.append((label, cold, med, p95, cpu, size))
        print(f"{label:70s} cold {cold:8.1f} ms  median {med:7.1f}  p95 {p95:7.1f}  "
              f"cpu {cpu:7.1f}", file=sys.stderr)
    engine.dispose()
    table = [
        "| page | cold (ms) | median (ms) | p95 (ms) | median CPU (ms) | under 300 ms (median) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, cold, med, p95, cpu, _size in rows:
        table.append(f"| {label} | {cold:.0f} | {med:.0f} | {p95:.0f} | {cpu:.0f} "
                     f"| {'yes' if med < 300 else '**no**'} |")
    print("\n".join(table))
    if args.write_doc:
        DOC.write_text(_doc(args, table), encoding="utf-8")


def _doc(args: argparse.Namespace, table: list[str]) -> str:
    return "\n".join(
        [
            "# Console benchmark (`bench/console.py`)",
            "",
            f"{args.fragments:,} synthetic fragments in threads of {args.per_thread} plus the demo "
            "scenario (48 fragments, fused for real), one SQLite file, in-process requests; "
            f"each page once cold, then {args.repeat} times. See the module docstring for what "
            "is synthetic.",
            "",
            f"Machine load (uptime) when the run started: {args.load}",
            "",
            *table,
            "",
        ]
    )


if __name__ == "__main__":
    main()
