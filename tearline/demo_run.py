"""The main job on the embedded default: ingest the demo scenario, run the chain, show it.

Each stage that exists is run in order; the output is what an analyst would
look at first (reports and sources today, threads and the board as they land).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tearline.settings import PACKAGE_DIR

SCENARIO_DIR = PACKAGE_DIR / "demo" / "scenario"


def _drop_sqlite_file(url: str) -> None:
    if not url.startswith("sqlite:///"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def run_demo(ctx: Any, fresh: bool, console: Console) -> None:
    from tearline.ingest.run import ingest_paths
    from tearline.store.view import ReportFilter, list_reports, list_sources

    if fresh:
        _drop_sqlite_file(ctx.db_url)
    console.rule("[bold]Tearline demo")
    console.print(f"database: {ctx.db_url}")
    summary = ingest_paths(ctx.engine, [SCENARIO_DIR], actor="demo")
    t = summary.totals()
    console.print(f"ingested {t['files']} files: {t['new']} new, {t['unchanged']} unchanged, "
                  f"{t['rejected_files']} rejected")
    for f in summary.rejected:
        console.print(f"[red]rejected[/red] {f.error}", highlight=False)

    with ctx.engine.connect() as conn:
        rows = list_reports(conn, ReportFilter())
        srcs = list_sources(conn)
    table = Table(title=f"Reports ({len(rows)})")
    for col in ("reported", "grade", "tlp", "category", "originator", "title"):
        table.add_column(col, overflow="fold", no_wrap=col != "title")
    for r, s in rows:
        when = r.reported_at or r.received_at
        table.add_row(when.strftime("%Y-%m-%d %H:%M"), f"{s.reliability}{r.credibility}",
                      r.tlp.upper(), r.category, r.originator, r.title)
    console.print(table)
    st = Table(title=f"Sources ({len(srcs)})")
    for col in ("agency", "source", "kind", "reliability", "reports"):
        st.add_column(col)
    for s in srcs:
        st.add_row(s["agency"], s["name"], s["kind"], s["reliability"], str(s["reports"]))
    console.print(st)
    _show_fusion(ctx, console)


def _show_fusion(ctx: Any, console: Console) -> None:
    """Fuse and show the threads, the largest with its timeline and discrepancies."""
    from tearline.fusion.cli import thread_rows
    from tearline.pipeline import fuse

    state, stats = fuse(ctx.engine)
    console.print(f"fusion: {stats.added} fragments → {stats.threads} threads")
    rows = thread_rows(state)
    tt = Table(title="Threat threads")
    for col in ("thread", "title", "fragments", "independent origins", "first", "last"):
        tt.add_column(col, overflow="fold")
    for r in rows:
        tt.add_row(r["short"], r["title"], str(r["fragments"]), str(r["independent_origins"]),
                   r["first"][:10], r["last"][:10])
    console.print(tt)
    if rows:
        console.print(f"Details: tearline --db {ctx.db_url.removeprefix('sqlite:///')} "
                      f"thread {rows[0]['short']}", highlight=False)
