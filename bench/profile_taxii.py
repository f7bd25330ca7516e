"""Profile the real TAXII server process while it answers paged gets, per principal.

    .venv/bin/python bench/profile_taxii.py [--objects 20000] [--out /tmp/taxii-prof]

Builds a synthetic collection (``bench/taxii.py``'s generator) through a plain
``tearline serve``, then starts the same app under uvicorn in a child process
with a cProfile profiler in every thread (FastAPI runs sync handlers in worker
threads, which a profiler enabled only in the main thread never sees), pages
the whole collection once as each principal, stops the server, and prints the
top functions by cumulative time. In-process timings missed what the server
pays around a handler (threadpool hand-off, middleware, response encoding);
this sees all of it. Not a test: run by hand, niced.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import taxii as tb  # noqa: E402  (bench/taxii.py, the data and server helpers)

_CHILD = r"""
import cProfile, os, pstats, signal, sys, threading
sys.path.insert(0, {root!r})
import uvicorn
from tearline.store.db import make_engine
from tearline.web.app import make_app
profs = []
def hook(frame, event, arg):
    p = cProfile.Profile(); profs.append(p); threading.setprofile(None); sys.setprofile(None)
    p.enable()
threading.setprofile(hook)
main = cProfile.Profile(); profs.append(main); main.enable()
try:
    uvicorn.run(make_app(make_engine({db!r})), host="127.0.0.1", port={port},
                log_level="error", access_log=False)
finally:
    for p in profs:
        p.disable()
    st = pstats.Stats(*[p for p in profs if p.getstats()])
    st.dump_stats({out!r})
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=20_000)
    ap.add_argument("--out", default="/tmp/taxii-prof")
    ap.add_argument("--who", nargs="*", default=["bench", "orchid", "BENCH1"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tearline-prof-") as d:
        db = str(Path(d) / "p.db")
        col = tb.fill_synthetic(db, args.objects)
        for who in args.who:
            port = tb.free_port()
            out = f"{args.out}-{who}.prof"
            child = subprocess.Popen(
                [sys.executable, "-c", _CHILD.format(root=str(ROOT), db=db, port=port, out=out)],
                env={**os.environ, "PYTHONPATH": str(ROOT)})
            base = f"http://127.0.0.1:{port}"
            ps = requests.Session()
            ps.auth = (who, tb.PASSWORD)
            for _ in range(600):
                try:
                    ps.get(base + "/taxii2/", headers={"Accept": tb.MEDIA}, timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            here = col.replace(col.split("/taxii2/")[0], base)
            n, secs, _ = tb.page_all(
                ps, here + "objects/?limit=1000",
                lambda env, here=here: here + f"objects/?limit=1000&next={env['next']}")
            print(f"{who}: {n:,} objects in {secs:.2f} s")
            child.send_signal(signal.SIGINT)
            child.wait(60)
            import pstats

            pstats.Stats(out).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
