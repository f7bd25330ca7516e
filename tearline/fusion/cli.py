"""CLI commands for fusion: ``fuse``, ``threads``, ``thread``, ``actors``, ``actor``.

Thin: each command calls ``tearline.pipeline`` and renders the result, as a
rich table for people or ``--json`` for scripts.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tearline.cli_output import echo_json
from tearline.errors import TearlineError
from tearline.fusion.query import public_thread_ids, short_id
from tearline.share.viewer import resolve_viewer, viewer_option

if TYPE_CHECKING:  # the main CLI imports this module; typing only
    from tearline.cli import Ctx

console = Console()


def find_thread(thread_ids: list[str], wanted: str) -> str:
    if wanted in thread_ids:
        return wanted
    hits = [t for t in thread_ids if wanted in t]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise TearlineError(f"no thread matches {wanted!r}; list them with `tearline threads`")
    raise TearlineError(f"{wanted!r} matches {len(hits)} threads; give more of the id")


@click.command()
@click.option("--rebuild", is_flag=True, help="Re-cluster everything from scratch.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def fuse(obj: Ctx, rebuild: bool, as_json: bool) -> None:
    """Extract entities and join new fragments into origin clusters and threads.

    Says where each new fragment went: the thread it joined or opened, by short
    id and title (``--json``: every placement, and the fragments a rebuild moved).
    """
    from tearline.pipeline import fuse as run_fuse
    from tearline.store.uow import UnitOfWork

    with Progress(
        TextColumn("fusing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=as_json or not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("fuse", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        # Read the placement before fusing inside the same locked unit, so what
        # "new" means cannot change between the two reads.
        with UnitOfWork(obj.engine) as uow:
            before, live = _placed(uow.conn)
            state, stats = run_fuse(uow, rebuild=rebuild, progress=advance)
            titles = _titles(uow.conn)
            public = public_thread_ids(uow.conn, {*titles, *before.values()})
    placements, moved = placements_of(state, before, live, titles, public)
    data = {
        "added": stats.added,
        "total": stats.total,
        "threads": stats.threads,
        "rebuilt": stats.rebuilt,
        "reason": stats.reason,
        "placements": placements,
        "moved": moved,
    }
    if as_json:
        echo_json(data)
        return
    why = f" (rebuilt: {stats.reason})" if stats.rebuilt else ""
    console.print(
        f"fused {stats.added} new of {stats.total} fragments into {stats.threads} threads{why}",
        highlight=False,
    )
    _print_placements(placements, moved, stats.rebuilt)


def _placed(conn: Any) -> tuple[dict[str, str], set[str]]:
    """Report id → thread id as stored now, and the threads that are live (not retired)."""
    from sqlalchemy import select

    from tearline.store.schema import Thread, ThreadMember

    before = {r: t for r, t in conn.execute(select(ThreadMember.report_id,
                                                   ThreadMember.thread_id))}
    live = set(conn.execute(select(Thread.id).where(Thread.status != "retired")).scalars())
    return before, live


def _titles(conn: Any) -> dict[str, str]:
    """Every thread's stored title (fusion just wrote them; recomputing would cost a view)."""
    from sqlalchemy import select

    from tearline.store.schema import Thread

    return {t: title or t for t, title in conn.execute(select(Thread.id, Thread.title))}


def placements_of(state: Any, before: dict[str, str], live: set[str],
                  titles: dict[str, str], public: dict[str, str] | None = None,
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Where each fragment no thread held before went, and which held ones moved.

    A fragment *opened* a thread that did not exist (or was retired) before
    this run and is that thread's first new member; otherwise it *joined*.
    Threads are named by ``public`` (their public ids, ``fusion.query``) when given.
    """
    assigned = state.threads.assignments()
    shown = public or {}

    def row(fid: str, tid: str) -> dict[str, Any]:
        f = state.fragments[fid]
        pid = shown.get(tid, tid)
        return {"fragment_id": fid, "external_id": f.external_id, "title": f.title,
                "received_at": f.received_at.isoformat(), "thread_id": pid,
                "thread_short": short_id(pid), "thread_title": titles.get(tid, tid)}

    new = sorted((fid for fid in assigned if fid not in before),
                 key=lambda fid: (state.fragments[fid].received_at, fid))
    opened: set[str] = set()
    placements = []
    for fid in new:
        tid = assigned[fid]
        fresh = tid not in live and tid not in opened
        if fresh:
            opened.add(tid)
        placements.append({**row(fid, tid), "action": "opened" if fresh else "joined"})
    moved = [{**row(fid, tid), "from_thread_id": shown.get(before[fid], before[fid]),
              "from_thread_short": short_id(shown.get(before[fid], before[fid]))}
             for fid, tid in sorted(assigned.items()) if fid in before and before[fid] != tid]
    return placements, moved


#: Up to this many new fragments are listed one by one; more are summed per thread.
_LIST_EACH = 20


def _print_placements(placements: list[dict[str, Any]], moved: list[dict[str, Any]],
                      rebuilt: bool) -> None:
    from tearline.cli_text import Column, make_table, safe, short_ref

    if not placements and not moved:
        console.print("re-clustered: no fragment changed thread" if rebuilt
                      else "no new fragments; every thread is as it was", highlight=False)
        return
    if placements and len(placements) <= _LIST_EACH:
        table = make_table(f"where the {len(placements)} new fragment(s) went", [
            Column("report"), Column("went"), Column("thread"),
            Column("report title", fixed=False, max_width=24),
            Column("thread title", fixed=False)])
        for p in placements:
            table.add_row(safe(p["external_id"] or short_ref(p["fragment_id"])), p["action"],
                          p["thread_short"], safe(p["title"]), safe(p["thread_title"]))
        console.print(table)
    elif placements:
        per: dict[str, list[dict[str, Any]]] = {}
        for p in placements:
            per.setdefault(p["thread_id"], []).append(p)
        ranked = sorted(per.values(), key=lambda ps: (-len(ps), ps[0]["thread_id"]))
        shown = ranked[:_LIST_EACH]
        rest = len(ranked) - len(shown)
        table = make_table(f"where the {len(placements)} new fragment(s) went, by thread"
                           + (f" (largest {len(shown)} of {len(ranked)})" if rest else ""), [
            Column("thread"), Column("new", justify="right"), Column("thread"),
            Column("title", fixed=False)])
        for ps in shown:
            opened = any(p["action"] == "opened" for p in ps)
            table.add_row(ps[0]["thread_short"], str(len(ps)), "opened" if opened else "joined",
                          safe(ps[0]["thread_title"]))
        console.print(table)
        if rest:
            console.print(f"… and {rest} more thread(s); `tearline fuse --json` lists every "
                          "placement", highlight=False)
    if moved:
        console.print(f"{len(moved)} fragment(s) fused before now sit in another thread "
                      "(the re-clustering moved them); see `--json` \"moved\"", highlight=False)


def thread_rows(state: Any, public: dict[str, str]) -> list[dict[str, Any]]:
    """One summary row per thread of ``state``, largest first.

    ``public`` maps internal thread ids to public ones (``public_thread_ids``):
    the short id printed is the public one's, since the internal id's first
    block is its opening report's and would name that report.
    """
    from tearline.assess.corroboration import independent_origins
    from tearline.pipeline import thread_title

    rows = []
    for tid in state.threads.thread_ids():
        view = state.threads.view(tid)
        times = [state.fragments[f].anchor_time for f, _ in view.fragments]
        categories = {f: state.fragments[f].category for f, _ in view.fragments}
        rows.append(
            {
                "id": tid,
                "short": short_id(public[tid]),
                "title": thread_title(state, tid),
                "fragments": len(view.fragments),
                # the count `thread` and `assess` show (assess.corroboration)
                "independent_origins": independent_origins(view.origin_clusters, categories),
                "first": min(times).isoformat(),
                "last": max(times).isoformat(),
            }
        )
    rows.sort(key=lambda r: (-r["fragments"], r["first"]))
    return rows


def _unfused(conn: Any) -> None:
    """Reads never fuse: say so when stored reports are not yet in any thread."""
    from tearline.fusion.query import unfused_count

    pending = unfused_count(conn)
    if pending:
        Console(stderr=True).print(f"note: {pending} report(s) not yet fused; run "
                                   "`tearline fuse` to bring threads up to date",
                                   highlight=False)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@viewer_option
@click.pass_obj
def threads(obj: Ctx, as_json: bool, viewer: str | None) -> None:
    """List threat threads, largest first (those you, or ``--as`` someone, may see)."""
    from tearline.fusion.query import list_threads

    with obj.engine.begin() as conn:
        items = list_threads(conn, resolve_viewer(conn, viewer), order="largest")
        _unfused(conn)
    rows = [{**d, **d.get("state", {}), "fragments": d["member_count"]} for d in items]
    if as_json:
        echo_json(rows)
        return
    from tearline.cli_text import Column, make_table, safe

    table = make_table(f"{len(rows)} thread(s)", [
        Column("thread"), Column("frags", justify="right"), Column("origins", justify="right"),
        Column("first"), Column("last"), Column("title", fixed=False)])
    for r in rows:
        table.add_row(r["short"], str(r["fragments"]), str(r.get("independent_origins", "")),
                      (r.get("first") or "")[:10], (r.get("last") or "")[:10],
                      safe(r["title"] + (f" [{r['status']}]" if r["status"] != "open" else "")))
    console.print(table)


def thread_detail(state: Any, tid: str) -> dict[str, Any]:
    from tearline.pipeline import thread_title

    view = state.threads.view(tid)
    data: dict[str, Any] = view.to_dict()
    data["title"] = thread_title(state, tid)
    origins = state.origins
    data["members"] = [
        {
            "id": fid,
            "grade": grade,
            "title": state.fragments[fid].title,
            "originator": state.fragments[fid].originator,
            "origin_cluster": origins.cluster_of(fid),
            "origin_reasons": [link.to_dict() for link in origins.reasons(fid)],
            "claimed_sources": [a.to_dict() for a in origins.attributions(fid)],
            "attached": state.attachments.get(fid),
        }
        for fid, grade in view.fragments
    ]
    return data


@click.command()
@click.argument("thread_id")
@click.option("--json", "as_json", is_flag=True)
@viewer_option
@click.pass_obj
def thread(obj: Ctx, thread_id: str, as_json: bool, viewer: str | None) -> None:
    """Show one thread: fragments and their origins, timeline, entities, discrepancies.

    THREAD_ID may be a thread id or a part of one, or a member report's id,
    external id or exact title.
    """
    from tearline.fusion.query import get_thread

    with obj.engine.begin() as conn:
        data = get_thread(conn, thread_id, resolve_viewer(conn, viewer))
        _unfused(conn)
    if data is None:
        raise click.ClickException(f"no thread {thread_id!r} that {viewer or 'you'} may see")
    if as_json:
        echo_json(data)
        return
    tid = data["id"]
    title = {m["report_id"]: m.get("title") or m["report_id"] for m in data["members"]}
    originator = {m["report_id"]: m.get("originator") or "" for m in data["members"]}
    from tearline.cli_text import safe

    if "timeline" not in data:  # a partner's view: no analytic detail
        console.print(f"[bold]{safe(data['title'])}[/bold]  ({short_id(tid)}): "
                      f"{data['member_count']} fragment(s) visible", highlight=False)
        return
    console.rule(f"[bold]{safe(data['title'])}[/bold]  ({short_id(tid)})")
    asks = int(data.get("requests") or 0)
    console.print(
        f"{len(data['members'])} fragments, {data['independent_origins']} independent origin(s)"
        + (f" (the {asks} request(s) ask rather than report, and back nothing)" if asks else ""),
        highlight=False)
    ft = Table(title="Fragments and origins")
    for col in ("grade", "originator", "title", "origin", "why"):
        ft.add_column(col, overflow="fold")
    for m in data["members"]:
        why = (
            "; ".join(
                f"{safe(r['kind'])} with {safe(title.get(r['other'], r['other'])[:40])!r}"
                + (f" (score {r['score']:.2f})" if r.get("score") else "")
                + (f": {safe(r['passage'][:60])!r}" if r.get("passage") else "")
                for r in m["origin_reasons"]
            )
            or "own origin"
        )
        ft.add_row(m["grade"] or "", safe(m["originator"]), safe(m["title"]),
                   short_id(m["origin_cluster"]), why)
    console.print(ft)
    tl = Table(title="Timeline")
    for col in ("date", "event", "status", "fragments", "cues"):
        tl.add_column(col, overflow="fold")
    for e in data["timeline"]:
        span = e["date"] + (f" → {e['end']}" if e.get("end") else "")
        tl.add_row(
            span,
            e["kind"],
            e.get("status") or "",
            str(len(e["fragment_ids"])),
            ", ".join(e["cues"][:3]),
        )
    console.print(tl)
    if data["discrepancies"]:
        dt = Table(title="Discrepancies")
        for col in ("fact", "value", "reported by"):
            dt.add_column(col, overflow="fold")
        for d in data["discrepancies"]:
            for v in d["values"]:
                dt.add_row(
                    d["subject"],
                    v["value"],
                    "; ".join(originator.get(f, "(not visible)") for f in v["fragment_ids"]),
                )
        console.print(dt)
    nodes = sorted(data["entity_graph"]["nodes"].items(), key=lambda kv: -kv[1])[:15]
    console.print("entities: " + ", ".join(f"{k} ×{n}" for k, n in nodes), highlight=False)


@click.command()
@click.option("--search", help="Resolve a name against the whole catalog instead.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def actors(obj: Ctx, search: str | None, as_json: bool) -> None:
    """Actors mentioned in the fragments (or resolve a name with --search)."""
    from tearline.fusion.query import mentioned_actors
    from tearline.pipeline import catalog_for

    if search:
        with obj.engine.connect() as conn:
            catalog, _ = catalog_for(conn)
        res = catalog.resolve(search)
        data: Any = res.to_dict() if res else None
        if as_json:
            echo_json(data)
        elif res is None:
            console.print(f"no actor matches {search!r}")
        else:
            actor = catalog.get(res.actor_id)
            console.print(
                f"{search!r} → {actor.name if actor else res.actor_id} ({res.actor_id})",
                highlight=False,
            )
            console.print(data, highlight=False)
        return
    with obj.engine.connect() as conn:
        rows = mentioned_actors(conn)
    if as_json:
        echo_json(rows)
        return
    table = Table(title=f"{len(rows)} actor(s) mentioned")
    for col in ("id", "name", "kind", "mentions", "forms seen"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["id"], r["name"], r["kind"], str(r["mentions"]), ", ".join(r["forms_seen"]))
    console.print(table)


@click.group()
def actor() -> None:
    """Analyst decisions on actors: they persist and win over the algorithm."""


def _decide(obj: Ctx, **kwargs: Any) -> None:
    from tearline.fusion.catalog import Decision
    from tearline.pipeline import record_decision

    kwargs["user"] = obj.principal("analyst").id  # the acting user, never typed in
    with obj.engine.begin() as conn:
        record_decision(conn, Decision(**kwargs))
    console.print(f"recorded {kwargs['kind'].value}; run `tearline fuse` to re-cluster")


@actor.command("confirm")
@click.argument("alias")
@click.argument("actor_id")
@click.option("--reason", required=True, help="Why (recorded in the decision log).")
@click.pass_obj
def actor_confirm(obj: Ctx, alias: str, actor_id: str, reason: str) -> None:
    """Pin ALIAS to ACTOR_ID."""
    from tearline.fusion.catalog import DecisionKind

    _decide(
        obj, kind=DecisionKind.CONFIRM, actor_id=actor_id, alias=alias, reason=reason
    )


@actor.command("merge")
@click.argument("actor_id")
@click.argument("into_id")
@click.option("--reason", required=True)
@click.pass_obj
def actor_merge(obj: Ctx, actor_id: str, into_id: str, reason: str) -> None:
    """Merge ACTOR_ID into INTO_ID (the first disappears)."""
    from tearline.fusion.catalog import DecisionKind

    _decide(
        obj, kind=DecisionKind.MERGE, actor_id=actor_id, target_id=into_id, reason=reason
    )


@actor.command("split")
@click.argument("actor_id")
@click.argument("alias")
@click.option("--new-id", default=None, help="Id for the new actor.")
@click.option("--reason", required=True)
@click.pass_obj
def actor_split(
    obj: Ctx, actor_id: str, alias: str, new_id: str | None, reason: str
) -> None:
    """Take ALIAS out of ACTOR_ID into a new actor of its own."""
    from tearline.fusion.catalog import DecisionKind

    _decide(
        obj,
        kind=DecisionKind.SPLIT,
        actor_id=actor_id,
        alias=alias,
        new_actor_id=new_id,
        reason=reason,
    )


COMMANDS = [fuse, threads, thread, actors, actor]
