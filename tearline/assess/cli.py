"""Assessment commands: ``assess``, ``ach``, ``alarms``, ``asof``, ``retro``.

Thin shells over the library. Each takes the main CLI's context object (any
object with ``.engine``) and accepts a thread id, a fragment id or an
external id such as ``NRD-SIG-2025-0224``. The main CLI registers ``COMMANDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tearline.assess.ach import AchError, AchMatrix, EvidenceItem
from tearline.assess.ach_io import to_csv, to_html, to_json, to_markdown
from tearline.assess.assessment import assess_thread
from tearline.assess.query import fused_fragment, make_replayer, state_for
from tearline.assess.store import (
    latest_version,
    list_versions,
    load_matrix,
    record_override,
    save_assessment,
    save_matrix,
    version_points,
)
from tearline.cli_output import echo_json
from tearline.cli_params import DATETIME, PROBABILITY
from tearline.cli_text import (
    AlarmRow,
    Column,
    alarm_table,
    by_time,
    clean,
    make_table,
    render_table,
    short_ref,
)

if TYPE_CHECKING:  # the main CLI imports this module; typing only
    from tearline.cli import Ctx

__all__ = ["ALARM_SOURCES", "COMMANDS", "RETRO_SECTIONS", "ach", "alarms", "asof", "assess",
           "retro"]

#: Sections later stages add to ``retro`` (engine, thread id) -> Markdown; the
#: duty-to-warn stage registers each warning's life here.
RETRO_SECTIONS: list[Callable[[Any, str], str]] = []
#: Alarms later stages raise on a thread (engine, thread id, as of) -> alarm dicts;
#: the duty-to-warn stage adds a recipient's dismissal and overdue follow-ups.
ALARM_SOURCES: list[Callable[[Any, str, datetime | None], list[dict[str, Any]]]] = []


def _when(value: datetime | None) -> datetime | None:
    """Options parse with ``cli_params.DATETIME``; this only names the step."""
    return value


def _thread_id(obj: Ctx, ref: str) -> str:
    """The thread ``ref`` names (the one lookup, ``fusion.query``)."""
    from tearline.fusion.query import ThreadNotFound, find_thread

    try:
        with obj.engine.connect() as conn:
            return find_thread(conn, ref)
    except ThreadNotFound as exc:
        raise click.ClickException(str(exc)) from exc


def _public(obj: Ctx, internal: list[str]) -> dict[str, str]:
    """The public id of each internal thread id: output names threads only by these.

    The internal id names the thread's opening report, so printing it would
    reveal a report id to anyone shown the thread. The analysis functions keep
    working on internal ids; the mapping needs a connection, so it is made
    here, at the edge, just before printing.
    """
    from tearline.fusion.query import public_thread_ids

    with obj.engine.connect() as conn:
        return public_thread_ids(conn, internal)


def _thread(obj: Ctx, ref: str, *, neighbours: bool = False) -> tuple[Any, str]:
    """The thread ``ref`` names and its slice of the fused state, read from stored rows
    (with the threads sharing an actor or place, for the alarms that need context)."""
    tid = _thread_id(obj, ref)
    return state_for(obj.engine, [tid], neighbours=neighbours), tid


@click.command("assess")
@click.argument("thread")
@click.option("--at", type=DATETIME, help="Assessment time (ISO 8601); default now.")
@click.option("--save/--no-save", default=True, help="Store a new version if it changed.")
@click.option("--override", type=PROBABILITY,
              help="Analyst probability (0-1) replacing the computed one.")
@click.option("--reason", help="Why (required with --override).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def assess(obj: Ctx, thread: str, at: datetime | None, save: bool, override: float | None,
           reason: str | None, as_json: bool) -> None:
    """Assess a thread: credibility, specificity, imminence, harm, likelihood, confidence."""
    changed_by = obj.principal("analyst").id
    tid = _thread_id(obj, thread)
    if override is not None:
        if not reason:
            raise click.UsageError("--override needs --reason: a judgement change is recorded")
        stored = record_override(obj.engine, tid, override, changed_by, reason, _when(at))
        click.echo(f"{_public(obj, [tid])[tid]}: override stored as version {stored}")
        return
    a = assess_thread(state_for(obj.engine, [tid]), tid, _when(at))
    version: int | None = save_assessment(obj.engine, a, changed_by) if save else None
    is_new = version is not None
    if save and version is None:  # unchanged: name the version that already holds it
        latest = latest_version(obj.engine, tid)
        version = latest.version if latest else None
    shown = _public(obj, [tid])[tid]
    if as_json:
        echo_json({**a.to_dict(), "thread_id": shown, "stored_version": version,
                   "new_version": is_new})
        return
    click.echo(f"{shown}\nlikelihood: {a.likelihood} ({a.probability_range})\n"
               f"confidence: {a.confidence.value}")
    for line in a.rationale:
        click.echo(f"- {line}")
    if version:
        click.echo(f"stored as version {version}" if is_new
                   else f"unchanged since version {version}")


def _insider_alarms(obj: Any) -> list[dict[str, Any]]:
    """Insider alerts (security.insider) for admins, in the shape of the other alarms."""
    from tearline.security.insider import list_alerts

    principal = getattr(obj, "principal", None)
    if principal is None or "admin" not in principal().roles:
        return []
    with obj.engine.connect() as conn:
        return [{"thread": None, "kind": f"insider.{a['kind']}", "raised_at": a["window_start"],
                 "summary": a["message"]} for a in list_alerts(conn)]


@click.command("alarms")
@click.argument("thread", required=False)
@click.option("--at", type=DATETIME, help="Evaluate as of this time (ISO 8601).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def alarms(obj: Ctx, thread: str | None, at: datetime | None, as_json: bool) -> None:
    """List bias alarms for one thread, or for every thread."""
    from tearline.assess.review import review_thread

    when = _when(at)
    if when:  # what was known then is not stored: replay fusion up to that time
        state = make_replayer(obj.engine)(when)
        tids = [_thread_id(obj, thread)] if thread else state.threads.thread_ids()
    elif thread:
        state, tid = _thread(obj, thread, neighbours=True)
        tids = [tid]
    else:
        state = state_for(obj.engine)
        tids = state.threads.thread_ids()
    found = []
    for tid in tids:
        versions = version_points(list_versions(obj.engine, tid))
        for alarm in review_thread(state, tid, when, load_matrix(obj.engine, tid), versions):
            found.append({"thread": tid, **alarm.to_dict()})
        for source in ALARM_SOURCES:
            found.extend({"thread": tid, **a} for a in source(obj.engine, tid, when))
    if not thread:
        found.extend(_insider_alarms(obj))
    public = _public(obj, sorted({a["thread"] for a in found if a.get("thread")}))
    found = [{**a, "thread": public.get(a["thread"], a["thread"])} if a.get("thread") else a
             for a in found]
    found = by_time(found)  # newest first, in --json and on screen alike
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo("no alarms")
        return
    click.echo(render_table(alarm_table(
        f"{len(found)} alarm(s), newest first",
        [AlarmRow(a["raised_at"], a["kind"], a["summary"], a.get("thread")) for a in found],
        with_thread=not thread)))


@click.command("asof")
@click.argument("thread")
@click.option("--at", type=DATETIME, required=True, help="The past time (ISO 8601).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def asof(obj: Ctx, thread: str, at: datetime, as_json: bool) -> None:
    """The thread as it stood at a past time, and the assessment as then computed."""
    from tearline.assess.lookback import as_of

    when = _when(at)
    assert when is not None
    try:  # the one lookup first, so public and short ids name the thread too
        view = as_of(obj.engine, _thread_id(obj, thread), when, make_replayer(obj.engine))
    except KeyError as exc:
        raise click.ClickException(str(exc)) from exc
    shown = _public(obj, [view.thread_id])[view.thread_id] if view.thread_id else None
    if as_json:
        doc = {**view.to_dict(), "thread_id": shown}
        for part in ("assessment", "stored"):  # both carry the thread's id too
            if isinstance(doc.get(part), dict) and doc[part].get("thread_id"):
                tid = doc[part]["thread_id"]
                doc[part] = {**doc[part], "thread_id": _public(obj, [tid])[tid]}
        echo_json(doc)
        return
    if view.assessment is None or view.thread_id is None:
        click.echo(f"as of {when.isoformat()} no fragment of this thread had arrived"
                   + (f"; stored then: v{view.stored.version} {view.stored.likelihood}"
                      if view.stored else ""))
        return
    a = view.assessment
    click.echo(f"thread {short_ref(shown or '')} as of {when.isoformat()}: "
               f"{len(view.fragment_ids)} fragments")
    click.echo(f"likelihood: {a.likelihood} ({a.probability_range}); "
               f"confidence: {a.confidence.value}")
    table = make_table(f"known then: {len(view.known)} fragment(s), oldest first", [
        Column("id"), Column("received (UTC)"), Column("grade"),
        Column("source", fixed=False, max_width=12),
        Column("title", fixed=False)])
    for f in view.known:
        table.add_row(f.external_id or short_ref(f.id),
                      f.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
                      f"{f.reliability}{f.credibility}", f.source_name, f.title)
    click.echo(render_table(table))
    if view.stored:
        click.echo(f"stored then: v{view.stored.version} {view.stored.likelihood} "
                   f"by {view.stored.changed_by}")
    for alarm in view.alarms:
        click.echo(f"alarm {alarm.kind.value}: {alarm.summary}")


@click.command("retro")
@click.argument("thread")
@click.option("--html", "html_path", type=click.Path(path_type=Path),
              help="Also write the HTML report (with SVG timeline) here.")
@click.pass_obj
def retro(obj: Ctx, thread: str, html_path: Path | None) -> None:
    """Retrospective: warning timeline, decision points, who knew what when, alarms."""
    from tearline.assess.lookback import retrospective
    from tearline.assess.lookback import to_html as retro_html
    from tearline.assess.lookback import to_markdown as retro_md

    try:
        report = retrospective(obj.engine, _thread_id(obj, thread), make_replayer(obj.engine))
    except KeyError as exc:
        raise click.ClickException(str(exc)) from exc
    from tearline.cli_banner import banner_for

    with obj.engine.connect() as conn:
        banner = banner_for(conn, report.fragment_ids)
    extra = [clean(text) for section in RETRO_SECTIONS
             if (text := section(obj.engine, report.thread_id))]
    shown = _public(obj, [report.thread_id])[report.thread_id]
    page = retro_md(report, banner, thread_label=shown)
    if extra:  # later stages' sections go inside the banners
        head, _, rest = page.rstrip("\n").rpartition("\n\n")
        page = "\n\n".join([head, *(t.strip("\n") for t in extra), rest]) + "\n"
    click.echo(page, nl=False)
    if html_path:
        html_path.write_text(retro_html(report, banner, extra, thread_label=shown),
                             encoding="utf-8")
        click.echo(f"wrote {html_path}")


@click.command("ach")
@click.argument("thread")
@click.option("--add-hypothesis", "hyp", nargs=2, metavar="ID LABEL", help="Add a hypothesis.")
@click.option("--acted-on", is_flag=True, help="With --add-hypothesis: policy follows it.")
@click.option("--add-evidence", "evi", nargs=2, metavar="ID DESCRIPTION",
              help="Add an evidence item (use --fragment to link reports).")
@click.option("--fragment", "fragments", multiple=True, help="Report id or external id.")
@click.option("--grade", default=None, help="Admiralty grade for the item, e.g. B2.")
@click.option("--seed", is_flag=True, help="Propose hypotheses (the leading one and its "
              "rivals) and one evidence item per origin cluster, with proposed ratings.")
@click.option("--rate", "rates", nargs=3, multiple=True, metavar="ITEM HYP RATING",
              help="Rate a cell: CC, C, N, I, II or NA.")
@click.option("--export", "fmt", type=click.Choice(["md", "csv", "json", "html"]), default="md",
              show_default=True)
@click.pass_obj
def ach(obj: Ctx, thread: str, hyp: tuple[str, str] | None, acted_on: bool,
        evi: tuple[str, str] | None, fragments: tuple[str, ...], grade: str | None, seed: bool,
        rates: tuple[tuple[str, str, str], ...], fmt: str) -> None:
    """Show or edit a thread's Analysis of Competing Hypotheses matrix."""
    tid = _thread_id(obj, thread)
    matrix = load_matrix(obj.engine, tid) or AchMatrix(tid)
    seeded = None
    try:
        if hyp:
            matrix.add_hypothesis(hyp[0], hyp[1], acted_on)
        if seed:
            from tearline.assess.ach_seed import seed_matrix
            from tearline.assess.review import review_thread

            sliced = state_for(obj.engine, [tid], neighbours=True)
            seeded = seed_matrix(matrix, sliced, tid, review_thread(sliced, tid))
        if evi:
            found = []
            with obj.engine.connect() as conn:
                for ref in fragments:
                    hit = fused_fragment(conn, ref)
                    if hit is None:
                        raise click.ClickException(f"no report {ref!r}")
                    found.append(hit)
            first = found[0][0] if found else None
            matrix.add_evidence(EvidenceItem(
                evi[0], evi[1], [f.id for f, _ in found], found[0][1] if found else None,
                grade or (f"{first.reliability}{first.credibility}" if first else "F6")))
        for item, hid, rating in rates:
            matrix.rate(item, hid, rating)
    except AchError as exc:
        raise click.ClickException(str(exc)) from exc
    if hyp or seed or evi or rates:
        save_matrix(obj.engine, matrix)
    if seeded is not None:  # on stderr: the export on stdout stays a clean document
        click.echo(f"seeded {len(seeded.hypotheses)} hypothesis(es), {len(seeded.evidence)} "
                   f"evidence item(s) (one per origin cluster) and {seeded.rated} proposed "
                   "rating(s); they are a starting point: correct a cell with "
                   "--rate ITEM HYP RATING", err=True)
    from tearline.cli_banner import banner_for

    with obj.engine.connect() as conn:
        banner = banner_for(conn, [f for e in matrix.evidence for f in e.fragment_ids])
    if fmt == "csv":
        click.echo(to_csv(matrix), nl=False)
        return
    render = {"md": to_markdown, "json": to_json, "html": to_html}[fmt]
    click.echo(render(matrix, None, banner, thread_label=_public(obj, [tid])[tid]))


COMMANDS: list[click.Command] = [assess, ach, alarms, asof, retro]
