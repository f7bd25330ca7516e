"""REST routes for what the chain derives: threat threads and duty-to-warn warnings.

A thread is derived from its member reports, so its marking is the most
restrictive of theirs (``releases.combine_markings``) unless an approver
released the thread itself; its member list shows only members the caller may
see. A warning carries its own marking in its payload; partners receive only
its releasable part — the text below the tear line (``payload["tearline"]``) —
never the case file.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from tearline.fusion.query import ThreadNotFound, get_thread, list_threads
from tearline.security.audit import record_now
from tearline.share.policy import Principal, PrincipalKind, decide
from tearline.share.releases import load_index, marking_for_warning
from tearline.store.schema import Warning
from tearline.store.view import actor_name
from tearline.web.api_common import ApiError, ShapedRoute, current_principal, transaction

router = APIRouter(route_class=ShapedRoute)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@router.get("/threads", tags=["threads"], summary="Threat threads the caller may see")
def threads(request: Request, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    with transaction(request) as conn:
        items = list_threads(conn, principal)
    return {"ok": True, "items": items, "count": len(items)}


@router.get("/threads/{thread_id}", tags=["threads"], summary="One threat thread")
def thread(request: Request, thread_id: str,
           principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    try:
        with transaction(request) as conn:
            item = get_thread(conn, thread_id, principal)
    except ThreadNotFound:
        item = None
    if item is None:
        raise ApiError(404, f"no thread {thread_id!r} that you may see")
    return {"ok": True, "item": item}


def _warning_dict(w: Any, principal: Principal) -> dict[str, Any]:
    p = w.payload or {}
    base = {"id": w.id, "state": w.state, "created_at": _iso(w.created_at),
            "updated_at": _iso(w.updated_at), "tlp": p.get("tlp")}
    if principal.kind is PrincipalKind.PARTNER:
        return {**base, "tearline": p.get("tearline")}
    return {**base, "thread_id": w.thread_id, "payload": p}


@router.get("/warnings", tags=["warnings"], summary="Duty-to-warn warnings the caller may see")
def warnings(request: Request,
             principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    with transaction(request) as conn:
        index = load_index(conn)
        items = [_warning_dict(w, principal) for w in
                 conn.execute(select(Warning).order_by(Warning.created_at, Warning.id))
                 if decide(principal, marking_for_warning(w, index))]
        record_now(conn, actor_name(principal), "warning.list", "warning", None,
                   ids=[d["id"] for d in items])
    return {"ok": True, "items": items, "count": len(items)}


@router.get("/warnings/{warning_id}", tags=["warnings"], summary="One duty-to-warn warning")
def warning(request: Request, warning_id: str,
            principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    with transaction(request) as conn:
        row = conn.execute(select(Warning).where(Warning.id == warning_id)).first()
        allowed = row is not None and bool(
            decide(principal, marking_for_warning(row, load_index(conn, [warning_id]))))
        if row is not None:
            record_now(conn, actor_name(principal),
                       "warning.read" if allowed else "warning.read.denied", "warning",
                       warning_id)
    if row is None or not allowed:
        raise ApiError(404, f"no warning {warning_id!r} that you may see")
    return {"ok": True, "item": _warning_dict(row, principal)}
