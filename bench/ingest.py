"""Ingest benchmark: MITRE ATT&CK Enterprise (24,772 objects, 50 MB) into SQLite and PostgreSQL.

Each measurement runs in its own subprocess so peak memory is that run's own:
we report the growth of peak RSS over the process's RSS just before the work
starts (interpreter and imports excluded), next to the file size.

Rows:
* floor — orjson parse of the whole file plus a bare ``executemany`` of
  (id, type, modified, json) into a fresh SQLite table: the least any ingest
  could cost; the target is SQLite ingest within 3× of it;
* tearline sqlite / tearline postgres — ``ingest_paths`` into a fresh database
  (PostgreSQL target: ≥ 10,000 objects/s);
* stix2.parse — the naive reference: parsing every object with the stix2 library.

Usage: python bench/ingest.py [--file PATH] [--skip-postgres] [--skip-stix2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared/data/attack/enterprise-attack-18.1.reconstructed-stix21.json"


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_floor(path: Path) -> dict:
    import sqlite3

    import orjson

    with tempfile.TemporaryDirectory() as tmp:
        base = _rss_kb()
        t0 = time.perf_counter()
        objs = orjson.loads(path.read_bytes())["objects"]
        db = sqlite3.connect(Path(tmp) / "floor.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE o (id TEXT, type TEXT, modified TEXT, json TEXT)")
        db.executemany(
            "INSERT INTO o VALUES (?,?,?,?)",
            [(o["id"], o["type"], o.get("modified"), orjson.dumps(o).decode()) for o in objs],
        )
        db.commit()
        secs = time.perf_counter() - t0
        return {"objects": len(objs), "seconds": secs, "peak_mb": (_peak_kb() - base) / 1024}


def run_tearline(path: Path, url: str | None) -> dict:
    from tearline.ingest.run import ingest_paths
    from tearline.store.db import ensure_current, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(url or str(Path(tmp) / "bench.db"))
        if url:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS bench_ingest CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA bench_ingest")
            engine.dispose()
            engine = make_engine(url + "?options=-csearch_path%3Dbench_ingest")
        ensure_current(engine)
        base = _rss_kb()
        t0 = time.perf_counter()
        summary = ingest_paths(engine, [path], actor="bench")
        secs = time.perf_counter() - t0
        peak = (_peak_kb() - base) / 1024
        if summary.rejected:
            raise SystemExit(summary.rejected[0].error)
        n = summary.totals()["new"]
        if url:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS bench_ingest CASCADE")
        return {"objects": n, "seconds": secs, "peak_mb": peak}


def run_stix2(path: Path) -> dict:
    import orjson
    import stix2

    objs = orjson.loads(path.read_bytes())["objects"]
    base = _rss_kb()
    t0 = time.perf_counter()
    parsed = [stix2.parse(o, allow_custom=True) for o in objs]
    secs = time.perf_counter() - t0
    return {"objects": len(parsed), "seconds": secs, "peak_mb": (_peak_kb() - base) / 1024}


def _child(mode: str, path: Path) -> dict:
    if mode == "floor":
        return run_floor(path)
    if mode == "sqlite":
        return run_tearline(path, None)
    if mode == "postgres":
        from tearline.settings import postgres_test_url

        return run_tearline(path, postgres_test_url())
    if mode == "stix2":
        return run_stix2(path)
    raise SystemExit(f"unknown mode {mode}")


def measure(mode: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--file", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--child")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-stix2", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the timed runs")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.file)))
        return
    if not args.file.exists():
        raise SystemExit(f"{args.file} not found: the benchmark reads ../shared/data")
    size_mb = args.file.stat().st_size / 1e6
    modes = ["floor", "sqlite"]
    if not args.skip_postgres:
        modes.append("postgres")
    if not args.skip_stix2:
        modes.append("stix2")
    results = {}
    for mode in modes:
        runs = [measure(mode, args.file) for _ in range(1 if mode == "stix2" else args.repeat)]
        good = [r for r in runs if "error" not in r]
        results[mode] = min(good, key=lambda r: r["seconds"]) if good else runs[0]
    floor = results["floor"].get("seconds")
    print(
        f"\nFile: {args.file.name} ({size_mb:.1f} MB); best of {args.repeat}; "
        f"{os.cpu_count()} cores\n"
    )
    print(
        "| run | objects | seconds | objects/s | × floor | peak memory growth (MB) | × file size |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mode, r in results.items():
        if "error" in r:
            print(f"| {mode} | error: {r['error']} | | | | | |")
            continue
        label = {
            "floor": "floor (orjson + bare executemany)",
            "sqlite": "tearline → SQLite",
            "postgres": "tearline → PostgreSQL",
            "stix2": "stix2.parse (naive)",
        }[mode]
        ratio = r["seconds"] / floor if floor else float("nan")
        rate = r["objects"] / r["seconds"]
        print(
            f"| {label} | {r['objects']} | {r['seconds']:.2f} | {rate:,.0f}"
            f" | {ratio:.2f} | {r['peak_mb']:.0f} | {r['peak_mb'] / size_mb:.2f} |"
        )


if __name__ == "__main__":
    main()
