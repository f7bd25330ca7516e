"""Paged get against the floor, page by page: a ratio the machine's mood cannot move.

    .venv/bin/python bench/taxii_interleaved.py [--objects 100000] [--rounds 7]

``bench/taxii.py`` times a whole walk of the floor, then a whole walk of
Tearline as each principal. On the shared development machine the floor's own
rate moved from 119,000 to 242,000 objects/s between rounds of one quiet run
(docs/benchmarks-taxii.md, session 8), so a ratio of two walks a second apart
measured the machine as much as the code. Here the two walks advance together:
one floor page, then as many Tearline pages as keep both walks at the same
share of their collection, and so on, each request timed (wall) and charged
with client plus server CPU on its own. A slow spell of the machine then falls
on both walks alike. Each round is one full walk of each; the table gives the
median of the per-round ratios and their range.

Same data, servers and floor as ``bench/taxii.py`` (its synthetic collection,
its bare ASGI floor, one uvicorn worker each, loopback). Not a test: run by hand.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import taxii as tb  # noqa: E402  (bench/taxii.py: data, servers, floor)


@dataclass
class Walk:
    """One paged walk, advanced a request at a time, with its costs so far."""

    session: requests.Session
    first: str
    follow: Callable[[dict[str, Any]], str]
    pid: int
    url: str | None = None
    objects: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    done: bool = False

    def step(self) -> None:
        url = self.first if self.url is None else self.url
        c0 = time.process_time() + tb.proc_cpu(self.pid)
        t0 = time.perf_counter()
        r = self.session.get(url, headers={"Accept": tb.MEDIA}, timeout=600)
        r.raise_for_status()
        env = r.json()
        self.wall += time.perf_counter() - t0
        self.cpu += time.process_time() + tb.proc_cpu(self.pid) - c0
        self.objects += len(env.get("objects", []))
        if env.get("more"):
            self.url = self.follow(env)
        else:
            self.done = True


def interleaved(floor: Walk, tl: Walk, floor_total: int, tl_total: int) -> None:
    """Advance both walks so each stays at about the same share of its collection."""
    while not (floor.done and tl.done):
        if tl.done or (not floor.done and floor.objects / floor_total
                       <= tl.objects / max(tl_total, 1)):
            floor.step()
        else:
            tl.step()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--who", nargs="*", default=["bench", "orchid", "BENCH1"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tearline-interleaved-") as d:
        db = str(Path(d) / "i.db")
        proc, col = tb.start_tearline(db, tb.make_tearline_db(db))
        fproc, fbase = tb.start_floor(db)
        try:
            admin = requests.Session()
            admin.auth = ("bench", tb.PASSWORD)
            tb.post_all(admin, col, tb.envelopes(tb.synthetic_objects(args.objects), 5000))

            def floor_walk() -> Walk:
                return Walk(requests.Session(), fbase + "?limit=1000",
                            lambda env: fbase + f"?limit=1000&after={env['next']}", fproc.pid)

            def tl_walk(who: str) -> Walk:
                s = requests.Session()
                s.auth = (who, tb.PASSWORD)
                return Walk(s, col + "objects/?limit=1000",
                            lambda env: col + f"objects/?limit=1000&next={env['next']}",
                            proc.pid)

            totals: dict[str, int] = {}
            for who in ["floor", *args.who]:  # warm-up walks, untimed; they give the totals
                w = floor_walk() if who == "floor" else tl_walk(who)
                while not w.done:
                    w.step()
                totals[who] = w.objects
            print(f"{args.objects:,} synthetic objects; visible: "
                  + ", ".join(f"{k} {v:,}" for k, v in totals.items()), flush=True)
            print("| principal | objects | wall ratio | CPU ratio (client + server) |")
            print("|---|---:|---|---|")
            for who in args.who:
                walls, cpus = [], []
                for _ in range(args.rounds):
                    f, t = floor_walk(), tl_walk(who)
                    interleaved(f, t, totals["floor"], totals[who])
                    walls.append((t.wall / t.objects) / (f.wall / f.objects))
                    cpus.append((t.cpu / t.objects) / (f.cpu / f.objects))
                print(f"| {who} | {totals[who]:,} | {statistics.median(walls):.2f}× "
                      f"({min(walls):.2f}–{max(walls):.2f}) | {statistics.median(cpus):.2f}× "
                      f"({min(cpus):.2f}–{max(cpus):.2f}) |", flush=True)
        finally:
            tb.stop(proc)
            tb.stop(fproc)


if __name__ == "__main__":
    main()
