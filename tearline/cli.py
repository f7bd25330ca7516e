"""The ``tearline`` command: a thin shell over the library.

Every listing takes ``--json`` for scripts; every error is a sentence that says
what was wrong and what to do (``click.ClickException``), never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from tearline import settings
from tearline.cli_output import echo_json
from tearline.cli_params import DATETIME
from tearline.cli_text import Column, make_table, safe, short_ref
from tearline.errors import TearlineError
from tearline.share.policy import Principal
from tearline.share.viewer import resolve_viewer, viewer_option

console = Console()
err_console = Console(stderr=True)


class Ctx:
    def __init__(self, db: str | None) -> None:
        self.db_url = settings.normalize_db_url(db) if db else settings.database_url()
        self._engine: Engine | None = None
        self._principal: Principal | None = None
        #: Only commands that fill a database (ingest, demo) may create its file;
        #: a read on a mistyped path must say so, not answer from an empty store.
        self.may_create = False

    def _check_exists(self) -> None:
        if self.may_create or not self.db_url.startswith("sqlite:///"):
            return
        path = Path(self.db_url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:") and not path.exists():
            raise click.ClickException(
                f"no database at {str(path)!r}; check --db (or TEARLINE_DB), or create it "
                "with `tearline ingest`, `tearline demo` or `tearline db upgrade`")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from tearline.store.db import ensure_current, make_engine

            self._check_exists()
            self._engine = make_engine(self.db_url)
            ensure_current(self._engine)
        return self._engine

    def principal(self, *roles: str) -> Principal:
        """The local user this invocation acts as (see ``security.identity``).

        With ``roles``, refuses unless the user holds one of them.
        """
        from tearline.security.identity import cli_principal, require_role

        if self._principal is None:
            with self.engine.connect() as conn:
                self._principal = cli_principal(conn, settings.cli_token())
        require_role(self._principal, *roles)
        return self._principal


def _date(value: str | None, name: str) -> datetime | None:
    """Kept for callers outside this module; options use ``cli_params.DATETIME``."""
    return None if value is None else DATETIME.convert(value, None, None)


class TearlineGroup(click.Group):
    """Turns TearlineError into a clean one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TearlineError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=TearlineGroup)
@click.option("--db", envvar="TEARLINE_DB", help="SQLite file or database URL "
              "(default tearline.db; postgresql://… for a shared server).")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Tearline: gather fragments, fuse them into threats, warn in time."""
    ctx.obj = Ctx(db)


# -- database ---------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_obj
def db_upgrade(obj: Ctx, revision: str) -> None:
    """Apply schema migrations."""
    from tearline.store.db import current_revision, make_engine, upgrade

    engine = make_engine(obj.db_url)
    before = current_revision(engine)
    upgrade(engine, revision)
    after = current_revision(engine)
    console.print(f"schema: {before or '(empty)'} → {after}")


# -- ingest -------------------------------------------------------------------
def _progress_hook(progress: Progress) -> Callable[[Path, int], Callable[[int], None]]:
    def on_file(path: Path, size: int) -> Callable[[int], None]:
        task = progress.add_task(path.name[:40], total=size)
        return lambda n: progress.advance(task, n)

    return on_file


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the per-file results as JSON.")
@click.pass_obj
def ingest(obj: Ctx, paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest report files or folders (.md/.txt articles, .json/.jsonl reports, STIX bundles).

    Each file is one transaction: a bad file is rejected whole, the rest go in.
    Exit code 1 when anything was rejected.
    """
    from tearline.ingest.run import ingest_paths

    obj.may_create = True
    engine = obj.engine
    actor = obj.principal("analyst").id
    show_bar = not as_json and sys.stderr.isatty()
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), console=err_console, disable=not show_bar,
                  transient=True) as progress:
        summary = ingest_paths(engine, paths, actor=actor, on_file=_progress_hook(progress))
    if as_json:
        echo_json({"files": [f.to_dict() for f in summary.files], "totals": summary.totals()})
    else:
        _print_ingest(summary)
    if summary.rejected:
        sys.exit(1)


def _print_ingest(summary: Any) -> None:
    for f in summary.files:
        if f.error:
            err_console.print(f"[red]rejected[/red] {f.error}", highlight=False)
        for note in f.notes:
            err_console.print(f"[yellow]note[/yellow] {f.path}: {note}", highlight=False)
    t = summary.totals()
    unchanged_files = sum(1 for f in summary.files if f.outcome == "unchanged")
    again = f" ({unchanged_files} file(s) already ingested, nothing new)" if unchanged_files else ""
    console.print(
        f"{t['files']} file(s): [green]{t['new']} new[/green], {t['unchanged']} unchanged{again}"
        f", [red]{t['rejected_files']} rejected[/red]", highlight=False)


# -- listings -----------------------------------------------------------------
@main.command()
@click.option("--source", help="Source id or name.")
@click.option("--agency", help="Originating agency.")
@click.option("--since", type=DATETIME, help="Reported on or after (YYYY-MM-DD or ISO 8601).")
@click.option("--until", type=DATETIME, help="Reported on or before.")
@click.option("--tlp", type=click.Choice(["clear", "green", "amber", "amber+strict", "red"]))
@click.option("--text", help="Words in the title or body (case-insensitive).")
@click.option("--category", help="report, news, warning, alert, request, response, statement…")
@click.option("--limit", type=int)
@click.option("--json", "as_json", is_flag=True)
@viewer_option
@click.pass_obj
def reports(obj: Ctx, source: str | None, agency: str | None, since: datetime | None,
            until: datetime | None, tlp: str | None, text: str | None, category: str | None,
            limit: int | None, as_json: bool, viewer: str | None) -> None:
    """List ingested reports (fragments)."""
    from tearline.ingest.query import list_reports
    from tearline.store.view import ReportFilter, report_to_dict

    with obj.engine.begin() as conn:
        f = ReportFilter(source=source, agency=_agency(conn, agency), since=since,
                         until=until, tlp=tlp, text=text, category=category, limit=limit)
        rows = list_reports(conn, f, resolve_viewer(conn, viewer))
    if as_json:
        echo_json([report_to_dict(r, s) for r, s in rows])
        return
    table = make_table(f"{len(rows)} report(s)", [
        Column("id"), Column("reported"), Column("grade"), Column("tlp"),
        Column("title (source)", fixed=False)])
    for r, s in rows:
        table.add_row(safe(r.external_id or short_ref(r.id)), (r.reported_at or r.received_at)
                      .strftime("%Y-%m-%d"), f"{s.reliability}{r.credibility}",
                      r.tlp.upper(), safe(f"{r.title} ({s.name})"))
    console.print(table)


def _agency(conn: Any, value: str | None) -> str | None:
    """An agency named in full, by a partner code, or by its initials (NRD), else an error."""
    if not value:
        return value
    from sqlalchemy import select

    from tearline.store.schema import Partner, Source

    agencies = sorted(set(conn.execute(select(Source.agency)).scalars()))
    wanted = value.strip().lower()
    if any(a.lower() == wanted for a in agencies):
        return value
    partner = conn.execute(select(Partner.name).where(Partner.code == value.upper())).scalar()
    if partner and any(a.lower() == partner.lower() for a in agencies):
        return str(partner)
    initials = [a for a in agencies
                if "".join(w[0] for w in a.split() if w[:1].isupper()).lower() == wanted]
    if len(initials) == 1:
        return str(initials[0])
    raise click.BadParameter(f"no agency {value!r}; known: {', '.join(agencies) or 'none yet'}",
                             param_hint="--agency")


@main.command()
@click.argument("report_id")
@click.option("--json", "as_json", is_flag=True)
@viewer_option
@click.pass_obj
def show(obj: Ctx, report_id: str, as_json: bool, viewer: str | None) -> None:
    """Show one report by id, id fragment or external id."""
    from tearline.ingest.query import get_report
    from tearline.store.view import report_to_dict

    with obj.engine.begin() as conn:
        found = get_report(conn, report_id, resolve_viewer(conn, viewer))
    if found is None:
        raise click.ClickException(
            f"no report matches {report_id!r}"
            + (f" that {viewer} may see" if viewer else "")
            + "; list ids with `tearline reports`")
    data = report_to_dict(*found)
    if as_json:
        echo_json(data)
        return
    console.print(f"[bold]{safe(data['title'])}[/bold]")
    for key in ("id", "external_id", "category", "originator", "reported_at", "received_at",
                "grade", "classification", "tlp", "releasability", "caveats", "outlet", "url",
                "in_reply_to", "deadline", "tags"):
        if data.get(key):
            console.print(f"  {key}: {safe(data[key])}", highlight=False)
    src = data["source"]
    console.print(f"  source: {safe(src['name'])} ({safe(src['kind'])}, {safe(src['agency'])}, "
                  f"reliability {safe(src['reliability'])})", highlight=False)
    console.print()
    console.print(safe(data["body"]), highlight=False)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def sources(obj: Ctx, as_json: bool) -> None:
    """List sources with their reliability and how much each has reported."""
    from tearline.store.view import list_sources

    with obj.engine.begin() as conn:
        rows = list_sources(conn)
        from tearline.security.audit import record_now

        record_now(conn, obj.principal().id, "source.list", "source", None, count=len(rows))
    if as_json:
        echo_json(rows)
        return
    table = make_table(f"{len(rows)} source(s)", [
        Column("source", fixed=False), Column("agency", fixed=False), Column("kind"),
        Column("rel."), Column("reports", justify="right"), Column("first"), Column("last")])
    for s in rows:
        table.add_row(safe(s["name"]), safe(s["agency"]), safe(s["kind"]),
                      safe(s["reliability"]), str(s["reports"]), (s["first"] or "")[:10],
                      (s["last"] or "")[:10])
    console.print(table)


@main.command()
@click.option("--stix", "fmt", flag_value="stix", default="stix", help="A STIX 2.1 bundle.")
@click.option("--out", type=click.Path(path_type=Path), help="File to write (default stdout).")
@click.option("--include", "include", multiple=True,
              type=click.Choice(["threads", "assessments"]),
              help="Also export threads (STIX grouping of their reports) and/or their latest "
                   "assessments (STIX note with likelihood and confidence; brings the "
                   "threads along). Repeat for both.")
@viewer_option
@click.pass_obj
def export(obj: Ctx, fmt: str, out: Path | None, include: tuple[str, ...],
           viewer: str | None) -> None:
    """Export what the store holds as a STIX 2.1 bundle (protected fields never included).

    With ``--as PARTNER`` the bundle holds only what that partner may see:
    threads and assessments included are cut by the same policy as reports.
    """
    from tearline.share.stix_export import write_bundle

    with obj.engine.begin() as conn:
        principal = resolve_viewer(conn, viewer)
        if out is None:
            n = write_bundle(conn, sys.stdout.buffer, principal, include)
        else:
            with out.open("wb") as fh:
                n = write_bundle(conn, fh, principal, include)
            console.print(f"wrote {n} objects to {out}")


# -- demo -----------------------------------------------------------------------
@main.command()
@click.option("--fresh/--keep", default=False, show_default=True,
              help="--fresh deletes the database file first; by default an existing "
                   "database is kept and the demo is added to it.")
@click.pass_obj
def demo(obj: Ctx, fresh: bool) -> None:
    """Ingest the bundled demo scenario and show what the chain makes of it."""
    from tearline.demo_run import run_demo

    obj.may_create = True
    run_demo(obj, fresh=fresh, console=console)


def _register() -> None:
    """Commands that live next to the stage they drive, in chain order."""
    from tearline.assess.cli import COMMANDS as assess_commands
    from tearline.fusion.cli import COMMANDS as fusion_commands
    from tearline.security.cli import COMMANDS as security_commands
    from tearline.share.cli import COMMANDS as share_commands
    from tearline.web.cli import COMMANDS as web_commands

    for command in (*fusion_commands, *assess_commands, *share_commands, *web_commands,
                    *security_commands):
        main.add_command(command)
    from tearline.share.releases import record_release
    from tearline.warn.cli import make_group as make_warn_group

    def _release(conn: Any, object_id: str, code: str, approver: str, reason: str) -> Any:
        return record_release(conn, object_id, code, approved_by=approver, reason=reason)

    main.add_command(make_warn_group(_release))

    from tearline.security.identity import guard_commands

    guard_commands(main)  # every command checks who is acting and their role first


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
