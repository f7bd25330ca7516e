"""REST routes for duty-to-warn cases under ``/api/v1/warnings`` (the console builds on them).

Reads go through the sharing policy: local users see the case file, a
partner to whom a warning was released sees only its own releasable text
(``payload["tearline"][code]``), never the case file. Actions call the same
``warn.workflow`` / ``warn.delivery`` functions as ``tearline warn``, so roles,
the second-person rule and the refusals are the same; a refused action is a
409 whose sentence names the current state and the allowed next steps, and
nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from tearline.fusion.query import public_thread_id
from tearline.model.principal import viewed_as
from tearline.security.audit import record_now
from tearline.share.policy import Principal, PrincipalKind, decide
from tearline.share.releases import load_index, marking_for_warning, record_release
from tearline.store.schema import Warning
from tearline.store.view import actor_name
from tearline.warn import delivery, workflow
from tearline.warn.alarms import case_alarms
from tearline.warn.states import CaseError, CaseState, allowed_actions
from tearline.warn.store import Case, load_events
from tearline.web.api_common import ApiError, ShapedRoute, current_principal, transaction
from tearline.web.console.case_data import find_visible_case

router = APIRouter(route_class=ShapedRoute, prefix="/warnings", tags=["warnings"])


class CaseOut(BaseModel):
    """A case as the console shows it (the case file only to local users)."""

    id: str
    state: str
    created_at: str
    updated_at: str
    tlp: str | None = None
    thread_id: str | None = None
    next: list[str] = Field(default_factory=list, description="Actions allowed from here.")
    alarms: list[dict[str, Any]] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(default_factory=list)
    payload: dict[str, Any] | None = None
    tearline: Any = Field(None, description="A partner's releasable text (partners only).")


class CaseList(BaseModel):
    ok: bool = True
    items: list[CaseOut]
    count: int


class CaseItem(BaseModel):
    ok: bool = True
    item: CaseOut


class Note(BaseModel):
    reason: str = Field(description="Why: recorded with the event.")


class ReviewIn(BaseModel):
    note: str
    proposal: str | None = None
    add_recipients: list[str] = Field(default_factory=list,
                                      description="Partner codes or PUBLIC to add.")


class WaiveIn(BaseModel):
    justification: str = Field(description="A key of [waiver.justifications] in warn.toml.")
    rationale: str


class DraftIn(BaseModel):
    instruction: str
    text: str = ""
    window_start: datetime | None = None
    window_end: datetime | None = None


class DeliverIn(BaseModel):
    channel: str = Field(description="taxii (partners); file, cap and briefing write on the "
                                     "server and are for the CLI.")
    to: str


class AckIn(BaseModel):
    by: str
    note: str = ""


class RespondIn(BaseModel):
    by: str
    kind: str = Field(description="accepted, disputed or dismissed.")
    text: str


class FollowupIn(BaseModel):
    party: str
    text: str
    direction: str = "out"
    deadline: datetime | None = None
    answers: int | None = None


class CloseIn(BaseModel):
    outcome: str
    reason: str


def _out(row: Any, principal: Principal, conn: Connection) -> CaseOut:
    p = dict(row.payload or {})
    base: dict[str, Any] = {"id": row.id, "state": row.state, "tlp": p.get("tlp"),
                            "created_at": row.created_at.isoformat(),
                            "updated_at": row.updated_at.isoformat()}
    if principal.kind is PrincipalKind.PARTNER:
        text = p.get("tearline")
        # A case keeps one releasable text per recipient; a partner gets its own.
        mine = text.get(principal.id) if isinstance(text, dict) else text
        return CaseOut(**base, tearline=mine)
    events = load_events(conn, row.id)
    # The thread by its public id: the stored one names the thread's opening report.
    thread = public_thread_id(conn, row.thread_id) if row.thread_id else None
    if row.state not in {s.value for s in CaseState}:  # a row no workflow wrote
        return CaseOut(**base, thread_id=thread, payload=p, events=events)
    case = Case(row.id, row.thread_id, CaseState(row.state), row.created_at, row.updated_at,
                p, events)
    return CaseOut(**base, thread_id=thread, payload=p, events=events,
                   next=[a.value for a in allowed_actions(case.state)],
                   alarms=case_alarms(case))


@router.get("", summary="Duty-to-warn cases the caller may see", response_model=CaseList,
            response_model_exclude_unset=True)
def list_warnings(request: Request,
                  principal: Principal = Depends(current_principal)) -> CaseList:
    with transaction(request) as conn:
        index = load_index(conn)
        rows = [w for w in conn.execute(select(Warning).order_by(Warning.created_at,
                                                                 Warning.id))
                if decide(principal, marking_for_warning(w, index))]
        items = [_out(w, principal, conn) for w in rows]
        record_now(conn, actor_name(principal), "warning.list", "warning", None,
                   ids=[i.id for i in items], **viewed_as(principal))
    return CaseList(ok=True, items=items, count=len(items))


@router.get("/{warning_id}", summary="One duty-to-warn case", response_model=CaseItem,
            response_model_exclude_unset=True)
def get_warning(request: Request, warning_id: str,
                principal: Principal = Depends(current_principal)) -> CaseItem:
    with transaction(request) as conn:
        row = conn.execute(select(Warning).where(Warning.id == warning_id)).first()
        allowed = row is not None and bool(
            decide(principal, marking_for_warning(row, load_index(conn, [warning_id]))))
        if row is not None:
            record_now(conn, actor_name(principal),
                       "warning.read" if allowed else "warning.read.denied", "warning",
                       warning_id, **viewed_as(principal))
        item = _out(row, principal, conn) if row is not None and allowed else None
    if item is None:
        raise ApiError(404, _not_found(warning_id))
    return CaseItem(ok=True, item=item)


def _not_found(warning_id: str) -> str:
    return f"no warning {warning_id[:200]!r} that you may see"


def _release(conn: Connection, object_id: str, code: str, approver: str, reason: str) -> Any:
    return record_release(conn, object_id, code, approved_by=approver, reason=reason)


def _act(request: Request, principal: Principal, warning_id: str, fn: Any, **kw: Any) -> CaseItem:
    if principal.kind is not PrincipalKind.USER:
        raise ApiError(403, "only the owning agency's users act on duty-to-warn cases")
    try:
        with transaction(request) as conn:
            # Only a case the caller may see (the console's rule: its own marking, its
            # STIX renderings' and its thread members'); any other answers exactly as
            # a case that does not exist, before the workflow says anything about it.
            found = find_visible_case(conn, warning_id, principal)
            if found is None:
                raise ApiError(404, _not_found(warning_id))
            case: Case = fn(conn, found[0].id, principal, **kw)
            if isinstance(case, tuple):
                case = case[0]
            row = conn.execute(select(Warning).where(Warning.id == case.id)).first()
            item = _out(row, principal, conn)
    except CaseError as exc:
        raise ApiError(409, str(exc)) from None
    return CaseItem(ok=True, item=item)


_USER = Depends(current_principal)


@router.post("/{warning_id}/review", response_model=CaseItem, summary="Review a case")
def review(request: Request, warning_id: str, body: ReviewIn,
           principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, workflow.review, note=body.note,
                proposal=body.proposal, add_recipients=body.add_recipients)


@router.post("/{warning_id}/waive", response_model=CaseItem, summary="Waive the duty to warn")
def waive(request: Request, warning_id: str, body: WaiveIn,
          principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, workflow.waive,
                justification=body.justification, rationale=body.rationale)


@router.post("/{warning_id}/approve", response_model=CaseItem, summary="Decide to warn")
def approve(request: Request, warning_id: str, body: Note,
            principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, workflow.approve, reason=body.reason)


@router.post("/{warning_id}/draft", response_model=CaseItem, summary="Write or renew the warning")
def draft(request: Request, warning_id: str, body: DraftIn,
          principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, workflow.draft, text=body.text,
                instruction=body.instruction, window_start=body.window_start,
                window_end=body.window_end)


@router.post("/{warning_id}/sanitize", response_model=CaseItem, summary="Sanitize the draft")
def sanitize(request: Request, warning_id: str, principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, workflow.sanitize_case)


@router.post("/{warning_id}/release", response_model=CaseItem, summary="Release (approver)")
def release(request: Request, warning_id: str, body: Note,
            principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, workflow.release, reason=body.reason,
                release_fn=_release)


@router.post("/{warning_id}/deliver", response_model=CaseItem, summary="Deliver over TAXII")
def deliver(request: Request, warning_id: str, body: DeliverIn,
            principal: Principal = _USER) -> CaseItem:
    if body.channel != "taxii":
        raise ApiError(400, "over REST only the taxii channel is offered; write files with "
                            "`tearline warn deliver --out`")
    return _act(request, principal, warning_id, delivery.deliver, channel="taxii", to=body.to)


@router.post("/{warning_id}/ack", response_model=CaseItem, summary="Record an acknowledgement")
def ack(request: Request, warning_id: str, body: AckIn,
        principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, delivery.ack, by=body.by, note=body.note)


@router.post("/{warning_id}/respond", response_model=CaseItem, summary="Record a response")
def respond(request: Request, warning_id: str, body: RespondIn,
            principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, delivery.respond, by=body.by, kind=body.kind,
                text=body.text)


@router.post("/{warning_id}/followup", response_model=CaseItem, summary="Record a follow-up")
def followup(request: Request, warning_id: str, body: FollowupIn,
             principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, delivery.followup, direction=body.direction,
                party=body.party, text=body.text, deadline=body.deadline, answers=body.answers)


@router.post("/{warning_id}/close", response_model=CaseItem, summary="Close with an outcome")
def close(request: Request, warning_id: str, body: CloseIn,
          principal: Principal = _USER) -> CaseItem:
    return _act(request, principal, warning_id, workflow.close, outcome=body.outcome,
                reason=body.reason)
