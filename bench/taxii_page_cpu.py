"""In-process CPU per TAXII page, per principal: the route's SQL, and the whole page.

    .venv/bin/python bench/taxii_page_cpu.py [DB] [--build 20000] [--rounds 3]

Over HTTP a page's cost is mixed with the client's, uvicorn's and whatever
else the machine runs; this measures only what the server does for one
objects page (``routes.objects_page``: the SQL page, re-marking and pruning
with their definitions and sensitive-value reads, then the envelope join; and
its SQL page alone, run once more before it), with ``time.process_time``,
after one warm walk, as the median of ``--rounds`` walks. ``--build N``
first fills DB with ``bench/taxii.py``'s synthetic collection through a real
server. To compare two versions of the code, run it once with each on
PYTHONPATH (for example a ``git archive`` of the older commit), alternating.
Not a test: run by hand, niced.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(1, str(ROOT))


def walk(eng: Any, who: Any) -> tuple[int, int, float, float]:
    """Every page as ``who``: (objects sent, pages, CPU in the SQL page alone, CPU in
    ``routes.objects_page`` and the envelope join)."""
    from tearline.web.taxii import routes
    from tearline.web.taxii._query import parse_filters, run_page_raw

    params: dict[str, str] = {"limit": "1000"}
    n = pages = 0
    t_sql = t_page = 0.0
    while True:
        f = parse_filters(params, who)
        with eng.connect() as conn:
            t0 = time.process_time()
            run_page_raw(conn, routes._page_cols(who), who, f, None)
            t1 = time.process_time()
            page = routes.objects_page(conn, who, f, None)
            assert page is not None
            ",".join(page.texts)
            t2 = time.process_time()
        t_sql += t1 - t0
        t_page += t2 - t1
        n += len(page.texts)
        pages += 1
        if not page.next:
            return n, pages, t_sql, t_page
        params = {"limit": "1000", "next": page.next}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", nargs="?", default=None,
                    help="a store to read (default: a fresh one of --build objects)")
    ap.add_argument("--build", type=int, default=0, help="first add N synthetic objects")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--who", nargs="*", default=["bench", "orchid", "BENCH1"])
    args = ap.parse_args()
    import taxii as tb  # bench/taxii.py: data, users and server helpers

    if args.db is None:  # as `./dev bench` runs it: a fresh store of its own
        args.db = str(Path(tempfile.mkdtemp(prefix="tearline-pagecpu-")) / "p.db")
        args.build = args.build or 20_000
    if args.build:
        tb.fill_synthetic(args.db, args.build)
    from tearline.store.db import make_engine
    from tearline.web.taxii._auth import authenticate

    eng = make_engine(args.db)
    for name in args.who:
        header = "Basic " + base64.b64encode(f"{name}:{tb.PASSWORD}".encode()).decode()
        who = authenticate(eng, header)
        walk(eng, who)  # warm
        runs = [walk(eng, who) for _ in range(args.rounds)]
        n, pages = runs[0][0], runs[0][1]
        sql = statistics.median(r[2] for r in runs) / pages * 1000
        page = statistics.median(r[3] for r in runs) / pages * 1000
        print(f"{name}: {n:,} objects in {pages} pages; CPU per page: its SQL alone "
              f"{sql:.2f} ms, the whole page {page:.2f} ms")


if __name__ == "__main__":
    main()
