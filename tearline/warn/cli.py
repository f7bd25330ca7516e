"""``tearline warn …``: the duty-to-warn workflow from the command line.

A thin shell over ``workflow`` and ``delivery``. The acting user is the
CLI principal (``TEARLINE_TOKEN``, see ``security.identity``); every command
takes ``--json``. The group is built by ``make_group(release_fn)`` because
recording a release belongs to the sharing layer, which sits above this one:
the main CLI passes ``share.releases.record_release`` in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import click

from tearline.cli_output import echo_json
from tearline.cli_params import parse_datetime
from tearline.security.audit import record_now
from tearline.warn import delivery, workflow
from tearline.warn.alarms import case_alarms
from tearline.warn.states import CaseError, allowed_actions
from tearline.warn.store import Case, find_case, list_cases

if TYPE_CHECKING:  # the main CLI imports this module; typing only
    from tearline.cli import Ctx

__all__ = ["make_group"]


def _when(value: str | None, name: str) -> datetime | None:
    """The one date type (``cli_params.DATETIME``), for options declared as text."""
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date or time; use YYYY-MM-DD or "
                                 "ISO 8601, e.g. 2025-03-06T12:00", param_hint=name) from exc


def _resolve_thread(conn: Any, ref: str) -> str:
    """The one thread lookup (``fusion.query.find_thread``), as a case error."""
    from tearline.fusion.query import ThreadNotFound, find_thread

    try:
        return find_thread(conn, ref)
    except ThreadNotFound as exc:
        raise CaseError(str(exc)) from exc


def _may_read(conn: Any, principal: Any, case: Case) -> bool:
    """The sharing policy on the case file's marking, as for every other read.

    Imported when called: the sharing layer imports this package (its
    re-marking is the sanitizer's), so a module-level import would be a cycle.
    """
    from tearline.share.policy import decide
    from tearline.share.releases import load_index, marking_for_warning

    row = SimpleNamespace(id=case.id, payload=case.payload)
    return bool(decide(principal, marking_for_warning(row, load_index(conn, [case.id]))))


def _public_thread(conn: Any, internal: str | None) -> str | None:
    """The public id of a case's thread: what every output names it by.

    A case stores the internal thread id, which names the thread's opening
    report; shown, it would reveal that report's id to whoever reads the case.
    """
    from tearline.fusion.query import public_thread_id

    return public_thread_id(conn, internal) if internal else None


def _summary(conn: Any, case: Case, now: datetime | None = None) -> dict[str, Any]:
    return {"id": case.id, "short": case.short,
            "thread_id": _public_thread(conn, case.thread_id),
            "state": case.state.value, "next": [a.value for a in allowed_actions(case.state)],
            "recipients": [r["code"] for r in case.payload.get("recipients", [])],
            "trigger": (case.payload.get("trigger") or {}).get("kind"),
            "updated_at": case.updated_at.isoformat(),
            "alarms": case_alarms(case, now)}


def _emit(conn: Any, case: Case, as_json: bool, message: str) -> None:
    if as_json:
        echo_json(_summary(conn, case))
    else:
        click.echo(f"{case.short}: {message}; now {case.state.value.replace('_', ' ')} "
                   f"(next: {', '.join(a.value for a in allowed_actions(case.state)) or '—'})")


_json = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
_case = click.argument("case")


def make_group(release_fn: workflow.ReleaseFn) -> click.Group:
    """The ``warn`` command group, recording partner releases through ``release_fn``.

    Also adds each warning's life to ``tearline retro`` and its alarms to
    ``tearline alarms`` (``assess.cli.RETRO_SECTIONS`` / ``ALARM_SOURCES``).
    """
    from tearline.assess.cli import ALARM_SOURCES, RETRO_SECTIONS
    from tearline.warn.lifeline import retro_section, thread_alarms

    if retro_section not in RETRO_SECTIONS:
        RETRO_SECTIONS.append(retro_section)
    if thread_alarms not in ALARM_SOURCES:
        ALARM_SOURCES.append(thread_alarms)

    @click.group("warn")
    def warn() -> None:
        """Duty to warn (ICD 191): open, decide, sanitize, deliver and chase warnings."""

    def action(name: str, *roles: str) -> Callable[[Callable[..., Case]], click.Command]:
        """Wrap ``fn(conn, principal, **options) -> Case`` as a command with --json."""

        def wrap(fn: Callable[..., Case]) -> click.Command:
            @click.pass_obj
            def run(obj: Ctx, /, as_json: bool, **kw: Any) -> None:
                principal = obj.principal(*roles)
                with obj.engine.begin() as conn:
                    case = fn(conn, principal, **kw)
                    _emit(conn, case, as_json, name)

            run.__doc__ = fn.__doc__
            run.__click_params__ = list(getattr(fn, "__click_params__", []))  # type: ignore[attr-defined]
            return warn.command(name)(_json(run))

        return wrap

    @warn.command("list")
    @click.option("--at", help="Evaluate alarms as of this time (ISO 8601).")
    @_json
    @click.pass_obj
    def list_cmd(obj: Ctx, at: str | None, as_json: bool) -> None:
        """List cases with their state, next steps and alarms."""
        who = obj.principal()
        with obj.engine.begin() as conn:
            cases = [_summary(conn, c, _when(at, "--at")) for c in list_cases(conn)
                     if _may_read(conn, who, c)]
            record_now(conn, who.id, "warning.list", "warning", None,
                       ids=[c["id"] for c in cases])
        if as_json:
            echo_json(cases)
            return
        for c in cases:
            click.echo(f"{c['short']}  {c['state']:<13} {','.join(c['recipients']) or '—':<12} "
                       f"{len(c['alarms'])} alarm(s)  next: {', '.join(c['next'])}")
        if not cases:
            click.echo("no duty-to-warn cases")

    @warn.command("show")
    @_case
    @click.option("--at", help="Evaluate alarms as of this time (ISO 8601).")
    @_json
    @click.pass_obj
    def show(obj: Ctx, case: str, at: str | None, as_json: bool) -> None:
        """One case: its file, every event (who, when, why) and its alarms."""
        who = obj.principal()
        with obj.engine.begin() as conn:
            try:
                c = find_case(conn, case)
            except CaseError:
                c = None
            allowed = c is not None and _may_read(conn, who, c)
            if c is not None:
                record_now(conn, who.id, "warning.read" if allowed else "warning.read.denied",
                           "warning", c.id)
        if c is None or not allowed:
            # The same answer for a case that does not exist and one the user may
            # not see, so the listing cannot be probed for hidden cases.
            raise CaseError(f"no duty-to-warn case matches {case!r} that you may see; list "
                            "cases with `tearline warn list`")
        with obj.engine.connect() as conn:
            data = {**c.to_dict(), **_summary(conn, c, _when(at, "--at"))}
        if as_json:
            echo_json(data)
            return
        click.echo(f"case {c.short} ({c.id}) on {data['thread_id']}: {c.state.value}")
        for e in c.events:
            d = e["detail"]
            click.echo(f"  {e['at'][:19]}  {e['action']:<12} {e['actor']:<10} "
                       f"{d.get('reason') or ''}")
        for a in data["alarms"]:
            click.echo(f"  alarm {a['kind']}: {a['summary']}")

    @warn.command("scan")
    @click.option("--at", help="Treat this as the current time (ISO 8601).")
    @_json
    @click.pass_obj
    def scan(obj: Ctx, at: str | None, as_json: bool) -> None:
        """Open cases the assessments call for, reopen raised threats, task lapsed windows."""
        with obj.engine.begin() as conn:
            done = delivery.scan(conn, now=_when(at, "--at"))
            public = {d["thread"]: _public_thread(conn, d["thread"]) for d in done
                      if d.get("thread")}
        done = [{**d, "thread": public.get(d.get("thread"), d.get("thread"))} for d in done]
        if as_json:
            echo_json(done)
        else:
            for d in done:
                click.echo(f"{d['did']}: {d['case']} ({d['thread']})")
            click.echo(f"{len(done)} change(s)")

    @action("open", "analyst", "approver")
    @click.argument("thread")
    @click.option("--reason", required=True, help="Why a case is opened by hand.")
    def open_cmd(conn: Any, principal: Any, thread: str, reason: str) -> Case:
        """Open a case by hand on THREAD (thread id, short id or report id)."""
        return workflow.open_case(conn, _resolve_thread(conn, thread), principal.id,
                                  automatic=False, reason=reason)

    @action("review", "analyst", "approver")
    @_case
    @click.option("--note", required=True, help="What was reviewed and concluded.")
    @click.option("--proposal", help="The proposed warning or waiver, for the approver.")
    @click.option("--to", "to", multiple=True,
                  help="Add a recipient (partner code or PUBLIC); repeatable.")
    def review(conn: Any, principal: Any, case: str, note: str, proposal: str | None,
               to: tuple[str, ...]) -> Case:
        """Start the review (you become the drafter of the proposal), or add a review note."""
        return workflow.review(conn, case, principal, note=note, proposal=proposal,
                               add_recipients=to)

    @action("waive", "approver")
    @_case
    @click.option("--justification", required=True,
                  help="One of the ICD 191 justifications in warn.toml.")
    @click.option("--rationale", required=True, help="Why it applies here.")
    def waive(conn: Any, principal: Any, case: str, justification: str, rationale: str) -> Case:
        """Waive the duty to warn (an approver other than the drafter)."""
        return workflow.waive(conn, case, principal, justification=justification,
                              rationale=rationale)

    @action("approve", "approver")
    @_case
    @click.option("--reason", required=True)
    def approve(conn: Any, principal: Any, case: str, reason: str) -> Case:
        """Decide to warn (an approver other than the drafter)."""
        return workflow.approve(conn, case, principal, reason=reason)

    @action("draft", "analyst", "approver")
    @_case
    @click.option("--text", default="", help="Extra wording (it is sanitized).")
    @click.option("--instruction", required=True, help="What the recipient should do.")
    @click.option("--window-start", help="Start of the threat window (ISO 8601).")
    @click.option("--window-end", help="End of the threat window (ISO 8601).")
    def draft(conn: Any, principal: Any, case: str, text: str, instruction: str,
              window_start: str | None, window_end: str | None) -> Case:
        """Write the warning (or renew it after delivery)."""
        return workflow.draft(conn, case, principal, text=text, instruction=instruction,
                              window_start=_when(window_start, "--window-start"),
                              window_end=_when(window_end, "--window-end"))

    @action("sanitize", "analyst", "approver")
    @_case
    def sanitize(conn: Any, principal: Any, case: str) -> Case:
        """Produce each recipient's releasable text, recording every removal."""
        return workflow.sanitize_case(conn, case, principal)

    @action("release", "approver")
    @_case
    @click.option("--reason", required=True)
    def release(conn: Any, principal: Any, case: str, reason: str) -> Case:
        """Approve the sanitized warning for release (not by its drafter)."""
        return workflow.release(conn, case, principal, reason=reason, release_fn=release_fn)

    @action("deliver", "analyst", "approver")
    @_case
    @click.option("--channel", required=True, type=click.Choice(delivery.CHANNELS))
    @click.option("--to", "to", required=True, help="Recipient code (a partner or PUBLIC).")
    @click.option("--out", type=click.Path(path_type=Path), help="File to write.")
    def deliver(conn: Any, principal: Any, case: str, channel: str, to: str,
                out: Path | None) -> Case:
        """Deliver a released warning on one channel (recorded with its content hash)."""
        return delivery.deliver(conn, case, principal, channel=channel, to=to, out=out)[0]

    @action("ack", "analyst", "approver")
    @_case
    @click.option("--by", required=True, help="Recipient code that acknowledged.")
    @click.option("--note", default="")
    def ack(conn: Any, principal: Any, case: str, by: str, note: str) -> Case:
        """Record a recipient's acknowledgement."""
        return delivery.ack(conn, case, principal, by=by, note=note)

    @action("respond", "analyst", "approver")
    @_case
    @click.option("--by", required=True, help="Recipient code that responded.")
    @click.option("--kind", required=True, type=click.Choice(delivery.RESPONSES))
    @click.option("--text", required=True, help="The response's own words.")
    def respond(conn: Any, principal: Any, case: str, by: str, kind: str, text: str) -> Case:
        """Record a recipient's response (a dismissal raises the dismissal alarm)."""
        return delivery.respond(conn, case, principal, by=by, kind=kind, text=text)

    @action("followup", "analyst", "approver")
    @_case
    @click.option("--direction", type=click.Choice(["out", "in"]), default="out",
                  show_default=True, help="out: we ask them; in: they ask us.")
    @click.option("--party", required=True, help="The other side (a recipient code).")
    @click.option("--text", required=True)
    @click.option("--deadline", help="Answer due by (ISO 8601); default from warn.toml.")
    @click.option("--answers", type=int, help="Record the answer to follow-up #N instead.")
    def followup(conn: Any, principal: Any, case: str, direction: str, party: str, text: str,
                 deadline: str | None, answers: int | None) -> Case:
        """Record a follow-up request with a deadline, or the answer to one."""
        return delivery.followup(conn, case, principal, direction=direction, party=party,
                                 text=text, deadline=_when(deadline, "--deadline"),
                                 answers=answers)

    @action("close", "analyst", "approver")
    @_case
    @click.option("--outcome", required=True, type=click.Choice(workflow.OUTCOMES))
    @click.option("--reason", required=True)
    def close(conn: Any, principal: Any, case: str, outcome: str, reason: str) -> Case:
        """Close a decided case with its outcome."""
        return workflow.close(conn, case, principal, outcome=outcome, reason=reason)

    del open_cmd, review, waive, approve, draft, sanitize, release, deliver, ack, respond
    del followup, close, list_cmd, show, scan
    return warn
