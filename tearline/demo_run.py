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
    for src in srcs:
        st.add_row(src["agency"], src["name"], src["kind"], src["reliability"],
                   str(src["reports"]))
    console.print(st)
    _show_fusion(ctx, console)


def _show_fusion(ctx: Any, console: Console) -> None:
    """Fuse, then show the threat board (threads with their assessments) and the alarms."""
    from tearline.assess import assess_thread, review_thread
    from tearline.fusion.cli import thread_rows
    from tearline.pipeline import fuse

    state, stats = fuse(ctx.engine)
    console.print(f"fusion: {stats.added} fragments → {stats.threads} threads, "
                  f"{len(stats.assessed)} assessment version(s) stored")
    from tearline.cli_text import Column, make_table, safe
    from tearline.fusion.query import public_thread_ids, short_id

    with ctx.engine.connect() as conn:  # what is printed names threads by their public ids
        public = public_thread_ids(conn, state.threads.thread_ids())
    rows = thread_rows(state, public)
    cases = _cases_by_thread(ctx)
    tt = make_table("Threat board (harm and rationale: tearline assess THREAD)", [
        Column("thread"), Column("likelihood"), Column("conf."),
        Column("origins", justify="right"), Column("case"), Column("title", fixed=False)])
    alarms: list[tuple[str, Any]] = []
    for r in rows:
        a = assess_thread(state, r["id"])
        case = cases.get(r["id"])  # the duty-to-warn case, its state in the table below
        tt.add_row(r["short"], a.likelihood, a.confidence.value,
                   str(a.credibility.independent_origins), case.short if case else "—",
                   safe(r["title"]))
        if r["fragments"] > 1:
            alarms.extend((r["short"], alarm) for alarm in review_thread(state, r["id"]))
    console.print(tt)
    if alarms:
        at = Table(title="Bias alarms")
        for col in ("thread", "raised", "alarm"):
            at.add_column(col, no_wrap=True)
        at.add_column("why", overflow="fold", ratio=1)
        seen = set()
        for short, alarm in sorted(alarms, key=lambda x: x[1].raised_at):
            if (alarm.kind, alarm.summary) in seen:
                continue  # neighbouring threads can raise the same alarm
            seen.add((alarm.kind, alarm.summary))
            at.add_row(short, alarm.raised_at.strftime("%Y-%m-%d"),
                       alarm.kind.value.replace("_", " "), safe(alarm.summary))
        console.print(at)
    _show_cases(cases, {t: short_id(p) for t, p in public.items()}, console)
    if rows:
        db = ctx.db_url.removeprefix("sqlite:///")
        console.print(f"Next: tearline --db {db} thread {rows[0]['short']}  ·  "
                      f"tearline --db {db} retro {rows[0]['short']}  ·  "
                      f"tearline --db {db} warn list  ·  "
                      f"tearline --db {db} serve", highlight=False)
        console.print(f"Console: tearline --db {db} users add NAME --role analyst "
                      f"--clearance SECRET --password, then tearline --db {db} serve and "
                      "open http://localhost:8000/", highlight=False)


def _cases_by_thread(ctx: Any) -> dict[str, Any]:
    """Duty-to-warn cases (opened by the trigger during fusion), keyed by thread."""
    from tearline.warn.store import list_cases

    with ctx.engine.connect() as conn:
        return {c.thread_id: c for c in list_cases(conn) if c.thread_id}


def _show_cases(cases: dict[str, Any], shorts: dict[str, str], console: Console) -> None:
    """The open duty-to-warn cases: state, proposed recipients, what to do next.

    ``shorts`` gives each thread's public short id, the one ``tearline thread`` takes.
    """
    from tearline.warn.alarms import case_alarms
    from tearline.warn.states import allowed_actions

    if not cases:
        return
    wt = Table(title="Duty to warn (ICD 191)")
    for col in ("case", "thread", "state", "trigger", "recipients", "next", "alarms"):
        wt.add_column(col, overflow="fold")
    for tid, c in cases.items():
        trig = c.payload.get("trigger") or {}
        wt.add_row(c.short, shorts.get(tid, "—"),
                   c.state.value.replace("_", " "),
                   f"{trig.get('kind')}: cred {trig.get('credibility', 0):.2f}, "
                   f"spec {trig.get('specificity', 0):.2f}",
                   ", ".join(r["code"] for r in c.payload.get("recipients", [])) or "—",
                   ", ".join(a.value for a in allowed_actions(c.state)),
                   "; ".join(a["kind"] for a in case_alarms(c)) or "—")
    console.print(wt)
