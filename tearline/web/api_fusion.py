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
from fastapi.responses import RedirectResponse

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


@router.get("/threads/{thread_id}", tags=["threads"], summary="One threat thread",
            response_model=None)
def thread(request: Request, thread_id: str,
           principal: Principal = Depends(current_principal),
           ) -> dict[str, Any] | RedirectResponse:
    """A thread by its public id (or a short part of it, or a member report's reference).

    Any reference but the public id itself is answered with a permanent
    redirect to the public id, so clients keep the one name that reveals
    nothing; a reference to a thread or report the caller may not see gets the
    same 404 as one to nothing at all (``fusion.query.find_thread``).
    """
    try:
        with transaction(request) as conn:
            item = get_thread(conn, thread_id, principal)
    except ThreadNotFound:
        item = None
    if item is None:
        raise ApiError(404, "no thread by that reference that you may see; list the threads "
                            "open to you at /api/v1/threads")
    if thread_id.strip() != item["id"]:
        return RedirectResponse(f"{request.url.path.rsplit('/', 1)[0]}/{item['id']}",
                                status_code=308)
    return {"ok": True, "item": item}
