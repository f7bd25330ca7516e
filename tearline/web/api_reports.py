"""REST routes for reports and sources: the same policy-filtered views the CLI uses.

Each report read goes through ``store.view`` with the caller as principal, so
the filtering and the audit entry happen where they happen for every other
read path. Protected fields are never loaded by those views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from tearline import settings
from tearline.ingest.query import get_report, list_reports
from tearline.share.policy import Principal, PrincipalKind, decide
from tearline.store.schema import Report, Source
from tearline.store.view import ReportFilter, report_to_dict
from tearline.web.api_common import ApiError, ShapedRoute, current_principal, transaction

router = APIRouter(route_class=ShapedRoute)

MAX_PAGE = 1000
TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")


@router.get("/me", tags=["auth"], summary="Who the credentials authenticate as")
def me(principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """Who the caller is, and which instance answers (``instance``: its owner identity,
    so a partner can tell federated instances apart)."""
    return {"ok": True, "instance": settings.OWNER_AGENCY,
            "kind": principal.kind.value, "id": principal.id,
            "tier": principal.tier.value if principal.tier else None,
            "clearance": principal.clearance if principal.kind is PrincipalKind.USER else None,
            "compartments": sorted(principal.compartments), "roles": sorted(principal.roles)}


@router.get("/reports", tags=["reports"], summary="Reports the caller may see, filtered")
def reports(
    request: Request,
    source: str | None = Query(None, description="Source id or name."),
    agency: str | None = Query(None, description="Originating agency."),
    since: datetime | None = Query(None, description="Reported on or after (ISO 8601)."),
    until: datetime | None = Query(None, description="Reported on or before (ISO 8601)."),
    tlp: str | None = Query(None, description="One of clear, green, amber, amber+strict, red."),
    text: str | None = Query(None, description="Words in the title or body."),
    category: str | None = Query(None, description="report, news, warning, alert…"),
    limit: int = Query(100, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    if tlp is not None and tlp not in TLP_LEVELS:
        raise ApiError(422, "the request is not valid",
                       [{"field": "query.tlp", "message": f"expected one of {list(TLP_LEVELS)}, "
                         f"got {tlp!r}"}])
    f = ReportFilter(source=source, agency=agency, since=since, until=until, tlp=tlp, text=text,
                     category=category, limit=limit, offset=offset)
    with transaction(request) as conn:
        rows = list_reports(conn, f, principal)
    items = [report_to_dict(r, s) for r, s in rows]
    # A full page may be followed by more; asking for one extra row would read
    # (and audit) a report the caller never receives.
    return {"ok": True, "items": items, "count": len(items), "offset": offset, "limit": limit,
            "next_offset": offset + limit if len(items) == limit else None}


@router.get("/reports/{report_id}", tags=["reports"], summary="One report by id or external id")
def report(request: Request, report_id: str,
           principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    with transaction(request) as conn:
        found = get_report(conn, report_id, principal)
    if found is None:
        raise ApiError(404, f"no report {report_id!r} that you may see")
    return {"ok": True, "item": report_to_dict(*found)}


@router.get("/sources", tags=["reports"],
            summary="Sources of the reports the caller may see, with counts")
def sources(request: Request,
            principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    from tearline.share.releases import load_index, marking_for_report

    stats: dict[str, dict[str, Any]] = {}
    with transaction(request) as conn:
        index = load_index(conn)
        q = select(Report, Source).join(Source, Report.source_id == Source.id)
        with Session(bind=conn) as session:
            for r, s in session.execute(q.execution_options(yield_per=2000)):
                if not decide(principal, marking_for_report(r, index)):
                    continue
                entry = stats.setdefault(s.id, {
                    "id": s.id, "name": s.name, "kind": s.kind, "agency": s.agency,
                    "reliability": s.reliability, "reports": 0, "first": None, "last": None})
                entry["reports"] += 1
                when = (r.reported_at or r.received_at).isoformat()
                entry["first"] = min(entry["first"] or when, when)
                entry["last"] = max(entry["last"] or when, when)
        items = sorted(stats.values(), key=lambda e: (e["agency"], e["name"]))
        from tearline.security.audit import record_now

        record_now(conn, principal.id, "source.list", "source", None, count=len(items))
    return {"ok": True, "items": items, "count": len(items)}
