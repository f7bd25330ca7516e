"""CLI commands for security: ``audit verify``, ``audit checkpoint``, ``audit log``.

Every command acts as the CLI's principal (``Ctx.principal``): verifying and
checkpointing need the admin role, since they read the whole record of who
read what.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tearline.cli_output import echo_json
from tearline.cli_text import AlarmRow, alarm_table, render_table

if TYPE_CHECKING:  # the main CLI imports this module; typing only
    from tearline.cli import Ctx


@click.group()
def audit() -> None:
    """The audit log: verify it, checkpoint it, read it."""


@audit.command("verify")
@click.option("--content", is_flag=True,
              help="Also check every report and STIX object against its content seal.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_verify(obj: Ctx, content: bool, as_json: bool) -> None:
    """Check the hash chain and signed checkpoints; name the first bad entry.

    Exit code 1 when anything was found.
    """
    from tearline.security.audit import record_now
    from tearline.security.verify import verify_log

    who = obj.principal("admin")
    report = verify_log(obj.engine, content=content)
    with obj.engine.begin() as conn:
        record_now(conn, who.id, "audit.verify", "audit", None, ok=report.ok,
                   first_bad=report.first.to_dict() if report.first else None)
    if as_json:
        echo_json(report.to_dict())
    else:
        for w in report.warnings:
            click.echo(f"warning: {w}", err=True)
        if report.ok:
            click.echo(f"audit log intact: {report.rows} row(s) up to {report.last_seq}"
                       + (f", {report.checkpoints} checkpoint(s) match"
                          if report.checkpoints is not None else "")
                       + (", content seals match" if content else ""))
        else:
            first = report.first
            assert first is not None
            click.echo(f"TAMPERED ({first.kind}): {first.message}")
            for f in report.findings[1:]:
                click.echo(f"  also ({f.kind}): {f.message}")
    if not report.ok:
        sys.exit(1)


@audit.command("checkpoint")
@click.pass_obj
def audit_checkpoint(obj: Ctx) -> None:
    """Sign the chain's current tip into the checkpoint sink (run it from cron)."""
    from tearline.security.audit import chain_tip
    from tearline.security.checkpoints import write_checkpoint

    obj.principal("admin")
    with obj.engine.connect() as conn:
        seq, digest = chain_tip(conn)
        written = write_checkpoint(conn, seq, digest)
    if not written:
        raise click.ClickException(
            "no checkpoint written: set TEARLINE_AUDIT_SINK (an append-only file) and "
            "TEARLINE_AUDIT_KEY_FILE (a secret kept outside the database)"
            if seq else "the audit log is empty; nothing to checkpoint")
    click.echo(f"checkpoint of row {seq} written")


@audit.command("log")
@click.option("--user", "actor_name", help="Only this user's entries.")
@click.option("--action", help="Only this action (e.g. login.failed).")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_log(obj: Ctx, actor_name: str | None, action: str | None, limit: int,
              as_json: bool) -> None:
    """The newest audit entries (admin)."""
    from sqlalchemy import select

    from tearline.security.audit import record_now
    from tearline.store.schema import AuditEntry

    who = obj.principal("admin")
    q = select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
               AuditEntry.object_type, AuditEntry.object_id, AuditEntry.detail)
    if actor_name:
        q = q.where(AuditEntry.actor == actor_name)
    if action:
        q = q.where(AuditEntry.action == action)
    with obj.engine.begin() as conn:
        rows = [dict(r._mapping) for r in
                conn.execute(q.order_by(AuditEntry.seq.desc()).limit(max(1, limit)))]
        record_now(conn, who.id, "audit.read", "audit", None, rows=len(rows))
    if as_json:
        echo_json([{**r, "at": r["at"].isoformat()} for r in rows])
        return
    for r in reversed(rows):
        click.echo(f"{r['seq']:>7} {r['at']:%Y-%m-%d %H:%M:%S} {r['actor']:<14} "
                   f"{r['action']:<22} {r['object_id'] or ''}")





@click.group()
def insider() -> None:
    """Insider alerts: users' reads against their own baseline."""


@insider.command("scan")
@click.option("--hours", type=int, default=24, show_default=True,
              help="Judge the last N hours (each hour against the 28 days before).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def insider_scan(obj: Ctx, hours: int, as_json: bool) -> None:
    """Scan the audit log for insider alerts and store new ones (run it hourly)."""
    from datetime import UTC, datetime, timedelta

    from tearline.security.insider import scan

    who = obj.principal("admin")
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with obj.engine.begin() as conn:
        found = scan(conn, end - timedelta(hours=max(1, hours)), end, actor=who.id)
    if as_json:
        echo_json([{"username": a.username, "kind": a.kind, "message": a.message}
                   for a in found])
        return
    if not found:
        click.echo("no insider alerts")
        return
    click.echo(render_table(alarm_table(
        f"{len(found)} new insider alert(s)",
        [AlarmRow(a.detail.get("window_start"), f"insider.{a.kind}", a.message) for a in found],
        with_thread=False)))


@insider.command("alerts")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def insider_alerts(obj: Ctx, as_json: bool) -> None:
    """Stored insider alerts, newest first."""
    from tearline.security.audit import record_now
    from tearline.security.insider import list_alerts

    who = obj.principal("admin")
    with obj.engine.begin() as conn:
        rows = list_alerts(conn)
        record_now(conn, who.id, "insider.read", "insider", None, count=len(rows))
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no insider alerts")
        return
    click.echo(render_table(alarm_table(
        f"{len(rows)} insider alert(s), newest first",
        [AlarmRow(a["window_start"], f"insider.{a['kind']}", a["message"]) for a in rows],
        with_thread=False)))
COMMANDS: list[click.Command] = [audit, insider]
