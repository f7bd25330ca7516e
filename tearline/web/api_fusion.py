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

from tearline.fusion.query import ThreadNotFound, get_thread, list_threads
from tearline.share.policy import Principal
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

