"""Duty-to-warn case pages: the case list, one case, and every workflow step as a form.

Each step is a small POST form (with the session's CSRF token) that calls the
same ``warn.workflow`` / ``warn.delivery`` function as ``tearline warn`` and
``/api/v1/warnings``, acting as the signed-in user with that user's roles. So
the workflow decides, once, for every interface: the approver role for
approve, waive and release, a second person for approving a proposal or a
draft, a configured justification and a rationale for a waiver. A refusal
changes nothing (the transaction rolls back), is itself audited, and comes
back as the case page with the workflow's own sentence at the top (409), never
a server error.

The console offers only the TAXII channel for delivery, as REST does: the
other channels write files on the server (``tearline warn deliver --out``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from tearline.errors import TearlineError
from tearline.security.audit import record_now
from tearline.share.releases import record_release
from tearline.warn import delivery, workflow
from tearline.warn.states import CaseError
from tearline.web.console.banner import BannerBuilder
from tearline.web.console.case_data import case_view, find_visible_case, visible_cases
from tearline.web.console.common import (
    PREFIX,
    ConsoleRefusal,
    ConsoleUser,
    current_user,
    form_user,
    render,
    transaction,
)

router = APIRouter()
_NOT_FOUND = ("no duty-to-warn case {ref!r} that you may see; the case list shows the cases "
              "open to you")


@router.get("/cases", response_class=HTMLResponse, include_in_schema=False)
def cases(request: Request, user: Annotated[ConsoleUser, Depends(current_user)]) -> HTMLResponse:
    with transaction(request) as conn:
        rows = visible_cases(conn, user.principal)
        record_now(conn, user.username, "warning.list", "warning", None, via="console",
                   ids=[r.id for r in rows], count=len(rows))
    banner = BannerBuilder()
    banner.extend([r.marking for r in rows])
    return render(request, "cases.html", {"cases": rows}, user=user, banner=banner)


def _page(request: Request, user: ConsoleUser, ref: str, *, refusal: str | None = None,
          done: str | None = None, status: int = 200) -> HTMLResponse:
    with transaction(request) as conn:
        found = find_visible_case(conn, ref, user.principal)
        # (object ids are at most 120 characters: a pasted long reference is cut, not a 500)
        record_now(conn, user.username, "warning.read" if found else "warning.read.denied",
                   "warning", found[0].id if found else ref[:120], via="console")
        view = case_view(conn, *found) if found else None
    if view is None:
        raise ConsoleRefusal(404, _NOT_FOUND.format(ref=ref[:120]))
    banner = BannerBuilder()
    banner.add(view.marking)
    return render(request, "case.html", {"case": view, "refusal": refusal, "done": done},
                  user=user, banner=banner, status=status)


@router.get("/cases/{ref}", response_class=HTMLResponse, include_in_schema=False)
def case(request: Request, ref: str, user: Annotated[ConsoleUser, Depends(current_user)],
         done: str = "") -> HTMLResponse:
    return _page(request, user, ref, done=DONE.get(done))


# -- the steps ---------------------------------------------------------------------------------
def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _when(form: FormData, name: str, label: str) -> datetime | None:
    """An optional date or date-time field (browser ``datetime-local`` or ISO 8601), UTC."""
    raw = _text(form, name)
    if not raw:
        return None
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise CaseError(f"{label} {raw!r} is not a date or time; use YYYY-MM-DD or "
                        "YYYY-MM-DDTHH:MM (UTC)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _number(form: FormData, name: str, label: str) -> int | None:
    raw = _text(form, name)
    if not raw:
        return None
    if not raw.isdigit():
        raise CaseError(f"{label} {raw!r} is not a follow-up number; pick one from the list")
    return int(raw)


def _release(conn: Connection, object_id: str, code: str, approver: str, reason: str) -> Any:
    return record_release(conn, object_id, code, approved_by=approver, reason=reason)


def _deliver(conn: Connection, ref: str, actor: Any, form: FormData) -> Any:
    channel = _text(form, "channel") or "taxii"
    if channel != "taxii":
        raise CaseError(f"the console delivers over TAXII only; the {channel} channel writes "
                        "files on the server: use `tearline warn deliver --channel "
                        f"{channel} --out PATH`")
    return delivery.deliver(conn, ref, actor, channel="taxii", to=_text(form, "to"))


Step = Callable[[Connection, str, Any, FormData], Any]
STEPS: dict[str, tuple[Step, str]] = {
    "review": (lambda c, r, a, f: workflow.review(
        c, r, a, note=_text(f, "note"), proposal=_text(f, "proposal") or None,
        add_recipients=[v for v in f.getlist("add_recipients") if isinstance(v, str) and v]),
        "Review recorded."),
    "waive": (lambda c, r, a, f: workflow.waive(
        c, r, a, justification=_text(f, "justification"), rationale=_text(f, "rationale")),
        "Duty to warn waived."),
    "approve": (lambda c, r, a, f: workflow.approve(c, r, a, reason=_text(f, "reason")),
                "Decision to warn approved."),
    "draft": (lambda c, r, a, f: workflow.draft(
        c, r, a, text=_text(f, "text"), instruction=_text(f, "instruction"),
        window_start=_when(f, "window_start", "window start"),
        window_end=_when(f, "window_end", "window end")), "Draft saved; sanitize it next."),
    "sanitize": (lambda c, r, a, f: workflow.sanitize_case(c, r, a),
                 "Sanitized for every recipient."),
    "release": (lambda c, r, a, f: workflow.release(c, r, a, reason=_text(f, "reason"),
                                                    release_fn=_release),
                "Released for delivery."),
    "deliver": (_deliver, "Delivery recorded."),
    "ack": (lambda c, r, a, f: delivery.ack(c, r, a, by=_text(f, "by"), note=_text(f, "note")),
            "Acknowledgement recorded."),
    "respond": (lambda c, r, a, f: delivery.respond(
        c, r, a, by=_text(f, "by"), kind=_text(f, "kind"), text=_text(f, "text")),
        "Response recorded."),
    "followup": (lambda c, r, a, f: delivery.followup(
        c, r, a, direction=_text(f, "direction") or "out", party=_text(f, "party"),
        text=_text(f, "text"), deadline=_when(f, "deadline", "deadline"),
        answers=_number(f, "answers", "answer to")), "Follow-up recorded."),
    "close": (lambda c, r, a, f: workflow.close(c, r, a, outcome=_text(f, "outcome"),
                                                reason=_text(f, "reason")), "Case closed."),
}


def _run(request: Request, user: ConsoleUser, ref: str, step: str, form: FormData) -> Response:
    """The step in one transaction; a refusal rolls it back, is audited, and is shown."""
    case_id: str | None = None
    try:
        with transaction(request) as conn:
            found = find_visible_case(conn, ref, user.principal)
            if found is None:
                raise ConsoleRefusal(404, _NOT_FOUND.format(ref=ref[:120]))
            case_id = found[0].id
            STEPS[step][0](conn, case_id, user.principal, form)
    except TearlineError as exc:  # CaseError, and a release the sharing rules refuse
        with transaction(request) as conn:
            record_now(conn, user.username, f"warning.{step}.refused", "warning", case_id,
                       via="console", reason=str(exc))
        return _page(request, user, case_id or ref, refusal=str(exc), status=409)
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?done={step}#history", status_code=303)


@router.post("/cases/{ref}/{step}", include_in_schema=False)
async def act(request: Request, ref: str, step: str,
              user: Annotated[ConsoleUser, Depends(form_user)]) -> Response:
    """Run one workflow step as the signed-in user; a refusal comes back as the page (409)."""
    if step not in STEPS:
        raise ConsoleRefusal(404, f"{step!r} is not a step of the duty-to-warn workflow; use "
                                  "one of the forms on the case page")
    form = await request.form()
    # The workflow is blocking database work: off the event loop, like the sync pages.
    return await run_in_threadpool(_run, request, user, ref, step, form)


#: What the page says after each step succeeded (``?done=step``).
DONE = {name: message for name, (_fn, message) in STEPS.items()}
