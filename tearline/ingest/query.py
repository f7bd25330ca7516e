"""The read side of ingest: reports as a principal may see them, audited.

The CLI (``reports``, ``show``), the REST API and the console call these, so
every interface cuts reports by the one policy (``share.policy.decide``) and
records the read the same way (``report.list``, ``report.read``,
``report.read.denied``). Row-level lookups live in ``store.view``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, String, and_, cast, false, func, literal, or_

from tearline import settings
from tearline.model.principal import Principal, PrincipalKind, Tier, actor_name, viewed_as
from tearline.security.audit import record_now
from tearline.share.policy import CLASSIFICATION_ORDER, PARTNER_CODE_RE, decide
from tearline.share.releases import ReleaseIndex, load_index, marking_for_report
from tearline.store.schema import Report, Source
from tearline.store.view import ReportFilter, find_report, iter_reports

__all__ = ["candidates", "get_report", "list_reports"]


def candidates(principal: Principal, index: ReleaseIndex) -> ColumnElement[bool]:
    """A SQL condition every report ``decide`` lets ``principal`` see satisfies.

    A superset, never the decision: the rows it passes still go through
    ``decide``, so the policy stays in one function. It only keeps a partner's
    preview (or a REST listing) from reading every stored report in Python to
    find the few it may see: a selective partner sees only its releases, a
    core or associate partner community-TLP unclassified reports, its releases
    and reports whose REL TO text names it; a user what its clearance covers.
    """
    if principal.kind is PrincipalKind.USER:
        order = list(CLASSIFICATION_ORDER)
        allowed = order[: order.index(principal.clearance) + 1] \
            if principal.clearance in order else []
        return or_(Report.classification.is_(None), Report.classification.in_(allowed)) \
            if allowed else false()
    mine = sorted(oid for oid, codes in index.released.items() if principal.id in codes)
    released = or_(Report.id.in_(mine), Report.stix_id.in_(mine)) if mine else false()
    if principal.tier in (Tier.WARNING_ONLY, Tier.SELECTIVE):
        return released
    if principal.tier not in (Tier.CORE, Tier.ASSOCIATE):
        return false()
    community = and_(func.coalesce(Report.tlp, literal(settings.DEFAULT_TLP))
                     .in_(("clear", "green")),
                     or_(Report.classification.is_(None),
                         Report.classification == "UNCLASSIFIED"))
    if not PARTNER_CODE_RE.fullmatch(principal.id):
        return or_(released, community)
    # The JSON text of the REL TO list holds the code in quotes; LIKE may also
    # pass near misses (case), which decide then refuses.
    named = cast(Report.releasability, String).contains(f'"{principal.id}"', autoescape=True)
    return or_(released, community, named)


def list_reports(conn: Connection, f: ReportFilter,
                 principal: Principal) -> list[tuple[Report, Source]]:
    """Reports matching ``f`` that ``principal`` may see; limit/offset count visible rows."""
    index = load_index(conn)
    out: list[tuple[Report, Source]] = []
    skip = f.offset
    for r, s in iter_reports(conn, f, candidates(principal, index)):
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
