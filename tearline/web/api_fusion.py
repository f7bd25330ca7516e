"""REST routes for what the chain derives: threat threads and duty-to-warn warnings.

A thread is derived from its member reports, so its marking is the most
restrictive of theirs (``releases.combine_markings``) unless an approver
released the thread itself; its member list shows only members the caller may
see. A warning carries its own marking in its payload; partners receive only
its releasable part — the text below the tear line (``payload["tearline"]``) —
never the case file.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection, select

from tearline.security.audit import record_now
from tearline.share.policy import Marking, Principal, PrincipalKind, decide
from tearline.share.releases import (
    ReleaseIndex,
    combine_markings,
    load_index,
    marking_for_report,
)
from tearline.store.schema import Report, Thread, ThreadMember
from tearline.store.view import actor_name
from tearline.web.api_common import ApiError, ShapedRoute, current_principal, transaction

router = APIRouter(route_class=ShapedRoute)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _members(conn: Connection, thread_ids: list[str] | None,
             index: ReleaseIndex) -> dict[str, list[tuple[Any, Marking]]]:
    """Each thread's member rows with their report markings, in the order they joined."""
    q = (select(ThreadMember.thread_id, ThreadMember.report_id, ThreadMember.score,
                Report.id, Report.stix_id, Report.tlp, Report.classification,
                Report.releasability, Report.caveats, Report.category)
         .join(Report, Report.id == ThreadMember.report_id)
         .order_by(ThreadMember.added_at, ThreadMember.report_id))
    if thread_ids is not None:
        q = q.where(ThreadMember.thread_id.in_(thread_ids))
    out: dict[str, list[tuple[Any, Marking]]] = defaultdict(list)
    for row in conn.execute(q).mappings():
        out[row["thread_id"]].append((row, marking_for_report(_ReportView(row), index)))
    return out


class _ReportView:
    """Just the report columns ``marking_for_report`` reads, from a mapping row."""

    def __init__(self, row: Any) -> None:
        self.id = row["id"]
        self.stix_id = row["stix_id"]
        self.tlp = row["tlp"]
        self.classification = row["classification"]
        self.releasability = row["releasability"]
        self.caveats = row["caveats"]
        self.category = row["category"]


def _thread_dict(t: Any, members: list[tuple[Any, Marking]], principal: Principal,
                 index: ReleaseIndex) -> dict[str, Any] | None:
    marking = combine_markings((m for _, m in members), released_to=index.released_to(t.id))
    if not decide(principal, marking):
        return None
    shown = [{"report_id": row["report_id"], "score": row["score"]}
             for row, m in members if decide(principal, m)]
    out: dict[str, Any] = {"id": t.id, "title": t.title, "status": t.status,
                           "created_at": _iso(t.created_at), "updated_at": _iso(t.updated_at),
                           "members": shown, "member_count": len(shown)}
    if principal.kind is PrincipalKind.USER:
        out["state"] = t.state
    return out


@router.get("/threads", tags=["threads"], summary="Threat threads the caller may see")
def threads(request: Request, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    with transaction(request) as conn:
        index = load_index(conn)
        members = _members(conn, None, index)
        items = []
        for t in conn.execute(select(Thread).order_by(Thread.updated_at.desc(), Thread.id)):
            d = _thread_dict(t, members.get(t.id, []), principal, index)
            if d is not None:
                items.append(d)
        record_now(conn, actor_name(principal), "thread.list", "thread", None,
                   ids=[d["id"] for d in items])
    return {"ok": True, "items": items, "count": len(items)}


@router.get("/threads/{thread_id}", tags=["threads"], summary="One threat thread")
def thread(request: Request, thread_id: str,
           principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    with transaction(request) as conn:
        row = conn.execute(select(Thread).where(Thread.id == thread_id)).first()
        d = None
        if row is not None:
            index = load_index(conn)
            d = _thread_dict(row, _members(conn, [thread_id], index).get(thread_id, []),
                             principal, index)
            record_now(conn, actor_name(principal),
                       "thread.read" if d else "thread.read.denied", "thread", thread_id)
    if d is None:
        raise ApiError(404, f"no thread {thread_id!r} that you may see")
    return {"ok": True, "item": d}
