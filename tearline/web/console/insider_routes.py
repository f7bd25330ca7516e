"""Insider alerts in the console: each alert with the audit entries that raised it.

``security.insider.scan`` stores alerts (``insider_alerts``) from the audit
log; this page shows them to admins only, newest first, each with its evidence:
the figures the alert was judged on (its ``detail``) and the user's own read
entries from the audit log in the alert's window, so an admin sees what was
read, when, and through which path. Looking at the alerts is itself an audited
read (``insider.read``, naming the alerts shown), so who watched the watchers is
on the record too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, func, select

from tearline.security.audit import record_now
from tearline.security.insider import READS
from tearline.store import schema as S
from tearline.web.console.common import (
    ConsoleUser,
    current_user,
    render,
    require_role,
    transaction,
)

router = APIRouter()
#: Alerts per page, and audit entries shown as evidence per alert.
ALERTS, EVIDENCE = 100, 25


def _evidence(conn: Connection, alert: Any) -> tuple[list[Any], int]:
    """The user's read entries in the alert's window (the first few) and how many there are."""
    where = (S.AuditEntry.actor == alert.username, S.AuditEntry.action.in_(READS),
             S.AuditEntry.at >= alert.window_start, S.AuditEntry.at < alert.window_end)
    rows = conn.execute(select(S.AuditEntry.seq, S.AuditEntry.at, S.AuditEntry.action,
                               S.AuditEntry.object_type, S.AuditEntry.object_id,
                               S.AuditEntry.detail)
                        .where(*where).order_by(S.AuditEntry.seq).limit(EVIDENCE)).all()
    total = conn.execute(select(func.count()).select_from(S.AuditEntry).where(*where)).scalar()
    return list(rows), int(total or 0)


def _figures(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The alert's own figures, in words (long id lists shortened)."""
    out = []
    for k, v in sorted((detail or {}).items()):
        if isinstance(v, float):
            shown = f"{v:.1f}"
        elif isinstance(v, list):
            shown = ", ".join(str(x) for x in v[:10]) + (f" … ({len(v)})" if len(v) > 10 else "")
        else:
            shown = str(v)
        out.append((k.replace("_", " "), shown))
    return out


@router.get("/insider", response_class=HTMLResponse, include_in_schema=False)
def insider(request: Request, user: Annotated[ConsoleUser, Depends(current_user)],
            username: str = "", kind: str = "",
            before: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    require_role(user, "admin", "the insider alerts page")
    q = select(S.InsiderAlert).order_by(S.InsiderAlert.window_start.desc(),
                                        S.InsiderAlert.id.desc()).limit(ALERTS)
    if username.strip():
        q = q.where(S.InsiderAlert.username == username.strip())
    if kind.strip():
        q = q.where(S.InsiderAlert.kind == kind.strip())
    if before:
        q = q.where(S.InsiderAlert.id < before)
    with transaction(request) as conn:
        alerts = []
        for a in conn.execute(q).all():
            rows, total = _evidence(conn, a)
            alerts.append({"id": a.id, "username": a.username, "kind": a.kind,
                           "window_start": a.window_start, "window_end": a.window_end,
                           "score": a.score, "message": a.message, "raised": a.at,
                           "figures": _figures(dict(a.detail or {})), "evidence": rows,
                           "evidence_total": total})
        kinds = sorted(conn.execute(select(S.InsiderAlert.kind).distinct()).scalars())
        record_now(conn, user.username, "insider.read", "insider_alert", None, via="console",
                   ids=[a["id"] for a in alerts], count=len(alerts),
                   user_filter=username.strip(), kind_filter=kind.strip())
    return render(request, "insider.html", {
        "alerts": alerts, "username": username, "kind": kind, "kinds": kinds,
        "next_before": min((a["id"] for a in alerts), default=None)
        if len(alerts) == ALERTS else None,
    }, user=user)
