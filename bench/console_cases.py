"""Console benchmark for the duty-to-warn case pages and insider alerts, at 100,000 fragments.

    .venv/bin/python bench/console_cases.py [--fragments 100000] [--keep FILE] [--repeat 10]

Builds the same store as ``bench/console.py`` (its ``_build``: the demo
scenario ingested and fused for real, plus synthetic fragments in threads),
then takes the demo's Almaty case through review, approval by a second user,
draft and sanitize (so its page shows a full side-by-side view) and raises a
few insider alerts, and times, in process as ``bench/console.py`` does, the
case list, that case's page and the insider alerts page. Not a test: run by
hand, under the machine-wide bench lock.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_console", ROOT / "bench" / "console.py")
assert _spec and _spec.loader
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

from sqlalchemy import Engine, select  # noqa: E402

from tearline.security.audit import record_now  # noqa: E402
from tearline.security.insider import scan  # noqa: E402
from tearline.security.users import add_user  # noqa: E402
from tearline.share.policy import Principal  # noqa: E402
from tearline.store import schema as S  # noqa: E402
from tearline.warn import workflow  # noqa: E402


def _prepare(engine: Engine) -> str:
    """The Almaty case, sanitized; a few insider alerts. Returns the case id."""
    with engine.begin() as conn:
        cid = conn.execute(select(S.Warning.id).join(S.Thread, S.Thread.id == S.Warning.thread_id)
                           .where(S.Thread.title.like("%Almaty%"))).scalar()
        if cid is None:
            cid = conn.execute(select(S.Warning.id).order_by(S.Warning.id)).scalar_one()
        state = conn.execute(select(S.Warning.state).where(S.Warning.id == cid)).scalar()
        if state != "identified":
            return str(cid)
        add_user(conn, "bench-approver", actor="bench", roles=["approver"],
                 clearance="TOP SECRET", compartments=["*"], password="bench-pw-2")
        bench = Principal.user("bench", "TOP SECRET", frozenset({"NTK:*"}),
                               roles=frozenset({"analyst", "admin"}))
        boss = Principal.user("bench-approver", "TOP SECRET", frozenset({"NTK:*"}),
                              roles=frozenset({"approver"}))
        workflow.review(conn, cid, bench, note="bench", proposal="warn", add_recipients=["NRD"])
        workflow.approve(conn, cid, boss, reason="bench")
        workflow.draft(conn, cid, bench, instruction="Raise security",
                       text='Our source said "soon"; see https://x.example/1 and NRD-SIG-0001.')
        workflow.sanitize_case(conn, cid, bench)
        for i in range(8):
            record_now(conn, "bench-approver", "report.read.denied", "report", f"r{i}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        scan(conn, now - timedelta(hours=2), now + timedelta(hours=1), actor="bench")
    return str(cid)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fragments", type=int, default=100_000)
    ap.add_argument("--per-thread", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--keep", type=Path, help="Build the store here and keep it (reused).")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = base.open_store(args.keep or Path(tmp) / "bench.db", args)
        cid = _prepare(engine)
        c = base._client(engine)
        print("| page | cold (ms) | median (ms) | p95 (ms) | under 300 ms (median) |")
        print("|---|---:|---:|---:|---|")
        for label, page in (("case list", "/console/cases"),
                            ("case page (sanitized, side by side)", f"/console/cases/{cid}"),
                            ("insider alerts", "/console/insider")):
            cold, med, p95, *_ = base._time(c, page, args.repeat)
            print(f"| {label} | {cold:.0f} | {med:.0f} | {p95:.0f} | "
                  f"{'yes' if med < 300 else '**no**'} |")
        engine.dispose()


if __name__ == "__main__":
    main()
