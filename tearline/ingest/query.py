"""The read side of ingest: reports as a principal may see them, audited.

The CLI (``reports``, ``show``), the REST API and the console call these, so
every interface cuts reports by the one policy (``share.policy.decide``) and
records the read the same way (``report.list``, ``report.read``,
``report.read.denied``). Row-level lookups live in ``store.view``.
"""

from __future__ import annotations

from sqlalchemy import Connection

from tearline.model.principal import Principal, actor_name, viewed_as
from tearline.security.audit import record_now
from tearline.share.policy import decide
from tearline.share.releases import load_index, marking_for_report
from tearline.store.schema import Report, Source
from tearline.store.view import ReportFilter, find_report, iter_reports

__all__ = ["get_report", "list_reports"]


def list_reports(conn: Connection, f: ReportFilter,
                 principal: Principal) -> list[tuple[Report, Source]]:
    """Reports matching ``f`` that ``principal`` may see; limit/offset count visible rows."""
    index = load_index(conn)
    out: list[tuple[Report, Source]] = []
    skip = f.offset
    for r, s in iter_reports(conn, f):
        if not decide(principal, marking_for_report(r, index)):
            continue
        if skip:
            skip -= 1
            continue
        out.append((r, s))
        if f.limit and len(out) >= f.limit:
            break
    record_now(conn, actor_name(principal), "report.list", "report", None,
               count=len(out), ids=[r.id for r, _ in out], **viewed_as(principal))
    return out


def get_report(conn: Connection, report_id: str,
               principal: Principal) -> tuple[Report, Source] | None:
    """A report by id, id part or external id, if ``principal`` may see it.

    A report the caller may not see is reported as not found (its existence is
    itself information), and the refused read is audited.
    """
    found = find_report(conn, report_id)
    if found is None:
        return None
    r = found[0]
    decision = decide(principal, marking_for_report(r, load_index(conn, [r.id, r.stix_id or r.id])))
    record_now(conn, actor_name(principal), "report.read" if decision else "report.read.denied",
               "report", r.id, reason=decision.reason, **viewed_as(principal))
    return found if decision else None
