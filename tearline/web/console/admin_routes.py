"""Partners (tiers, a "view as partner" preview, sync status) and the audit trail.

The preview runs the very read a partner's TAXII or REST request would
(``list_reports`` with the partner's principal), so what it shows is what the
partner gets, not a re-implementation of the policy. Both pages need the
``admin`` role: they expose who receives what.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from tearline.ingest.query import list_reports
from tearline.security.audit import record_now, verify
from tearline.share.policy import Principal, Tier
from tearline.share.releases import load_index, marking_for_report
from tearline.store import schema as S
from tearline.store.view import ReportFilter
from tearline.web.console.banner import BannerBuilder
from tearline.web.console.common import (
    ConsoleRefusal,
    ConsoleUser,
    current_user,
    render,
    require_role,
    transaction,
)

router = APIRouter()
AUDIT_PAGE = 200


@router.get("/partners", response_class=HTMLResponse, include_in_schema=False)
def partners(request: Request, user: Annotated[ConsoleUser, Depends(current_user)],
             view_as: str = "") -> HTMLResponse:
    require_role(user, "admin", "the partners page")
    banner = BannerBuilder()
    preview: list[Any] | None = None
    with transaction(request) as conn:
        with Session(bind=conn) as session:
            rows = session.execute(select(S.Partner).order_by(S.Partner.code)).scalars().all()
            sync = session.execute(select(S.SyncState)).scalars().all()
        record_now(conn, user.username, "partner.list", "partner", None, via="console")
        chosen = next((p for p in rows if p.code == view_as), None)
        if view_as and chosen is None:
            raise ConsoleRefusal(404, f"no partner with code {view_as!r}; pick one from the list")
        if chosen is not None:
            try:
                principal = Principal.partner(chosen.code, Tier(chosen.tier))
            except ValueError as exc:
                raise ConsoleRefusal(409, f"partner {chosen.code!r} has an unknown tier "
                                          f"{chosen.tier!r}; set one with `tearline partners "
                                          "set-tier`") from exc
            preview = list_reports(conn, ReportFilter(limit=100), principal)
            index = load_index(conn, [i for r, _ in preview for i in (r.id, r.stix_id) if i])
            banner.extend([marking_for_report(r, index) for r, _ in preview])
    return render(request, "partners.html", {
        "partners": rows, "sync": sync, "view_as": view_as, "preview": preview,
    }, user=user, banner=banner)


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit(request: Request, user: Annotated[ConsoleUser, Depends(current_user)],
          actor: str = "", action: str = "",
          before: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    require_role(user, "admin", "the audit page")
    with transaction(request) as conn:
        q = select(S.AuditEntry).order_by(S.AuditEntry.seq.desc()).limit(AUDIT_PAGE)
        if actor.strip():
            q = q.where(S.AuditEntry.actor == actor.strip())
        if action.strip():
            q = q.where(S.AuditEntry.action.startswith(action.strip()))
        if before:
            q = q.where(S.AuditEntry.seq < before)
        with Session(bind=conn) as session:
            entries = session.execute(q).scalars().all()
        broken = verify(conn)
        record_now(conn, user.username, "audit.read", "audit", None, via="console",
                   actor_filter=actor, action_filter=action)
    return render(request, "audit.html", {
        "entries": entries, "broken": broken, "actor": actor, "action": action,
        "next_before": entries[-1].seq if len(entries) == AUDIT_PAGE else None,
    }, user=user)
