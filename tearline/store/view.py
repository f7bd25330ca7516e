"""Read-only queries the CLI, API and exports share.

Kept apart from the writer so read paths are wrapped by the sharing policy in
one place. Nothing here selects from ``report_protected``.

These are row-level reads for the analysis chain (fusion, assessment): not
filtered, not audited. A read on someone's behalf (CLI, API, export) goes
through ``tearline.ingest.query``, which cuts rows by the policy and audits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, or_, select
from sqlalchemy.orm import Session

from tearline.model.fragment import Fragment
from tearline.model.principal import actor_name as actor_name
from tearline.store.schema import Report, Source, StixObject

_CHUNK = 200  # rows fetched per query when streaming in order


@dataclass(frozen=True)
class ReportFilter:
    source: str | None = None
    agency: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tlp: str | None = None
    text: str | None = None
    category: str | None = None
    limit: int | None = None
    offset: int = 0


def _filtered(f: ReportFilter) -> Select[Report, Source]:
    q = select(Report, Source).join(Source, Report.source_id == Source.id)
    if f.source:
        q = q.where(or_(Source.id == f.source, func.lower(Source.name) == f.source.lower()))
    if f.agency:
        q = q.where(func.lower(Source.agency) == f.agency.lower())
    when = func.coalesce(Report.reported_at, Report.received_at)
    if f.since:
        q = q.where(when >= f.since)
    if f.until:
        q = q.where(when <= f.until)
    if f.tlp:
        q = q.where(Report.tlp == f.tlp)
    if f.category:
        q = q.where(Report.category == f.category)
    if f.text:
        like = f"%{f.text.lower()}%"
        q = q.where(or_(func.lower(Report.title).like(like), func.lower(Report.body).like(like)))
    return q.order_by(when, Report.id)


def _orm(conn: Connection) -> Session:
    """An ORM session on the caller's connection, so entity rows come back whole."""
    return Session(bind=conn, expire_on_commit=False)


def list_reports(conn: Connection, f: ReportFilter) -> list[tuple[Report, Source]]:
    """Reports matching ``f``, unfiltered: the analysis chain's own read.

    Reads on someone's behalf (policy-cut and audited) are
    ``tearline.ingest.query.list_reports``.
    """
    with _orm(conn) as session:
        q = _filtered(f).offset(f.offset or None)
        return [(row[0], row[1]) for row in session.execute(q.limit(f.limit) if f.limit else q)]


def iter_reports(conn: Connection, f: ReportFilter,
                 where: ColumnElement[bool] | None = None) -> Iterator[tuple[Report, Source]]:
    """Every report matching ``f`` (and ``where``) in order, streamed in chunks.

    No limit or offset: a caller that cuts rows further (the policy) counts
    them itself; ``where`` lets it narrow the scan in SQL first. The order
    (report time, then id) has no index, so the database sorts; it sorts
    only ids here and the rows are fetched a chunk at a time, which is what
    lets a caller that stops after a page stop early.
    """
    q = _filtered(f) if where is None else _filtered(f).where(where)
    ids = conn.execute(q.with_only_columns(Report.id)).scalars().all()
    with _orm(conn) as session:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            rows = {r.id: (r, s) for r, s in session.execute(
                select(Report, Source).join(Source, Report.source_id == Source.id)
                .where(Report.id.in_(chunk)))}
            for rid in chunk:
                if rid in rows:
                    yield rows[rid]


def find_report(conn: Connection, report_id: str) -> tuple[Report, Source] | None:
    """Find by full id, unique id part (six characters or more) or external id."""
    q = select(Report, Source).join(Source, Report.source_id == Source.id)
    with _orm(conn) as session:
        row = session.execute(q.where(Report.id == report_id)).first()
        if row is None:
            row = session.execute(q.where(Report.external_id == report_id)).first()
        if row is None and len(report_id) >= 6:
            rows = session.execute(q.where(Report.id.like(f"%{report_id}%")).limit(2)).all()
            row = rows[0] if len(rows) == 1 else None
        return (row[0], row[1]) if row else None


def get_report(conn: Connection, report_id: str) -> tuple[Report, Source] | None:
    """``find_report`` (unfiltered); on someone's behalf use ``ingest.query.get_report``."""
    return find_report(conn, report_id)


def list_sources(conn: Connection) -> list[dict[str, Any]]:
    q = (
        select(Source, func.count(Report.id), func.min(Report.reported_at),
               func.max(Report.reported_at))
        .outerjoin(Report, Report.source_id == Source.id)
        .group_by(Source.id)
        .order_by(Source.agency, Source.name)
    )
    return [
        {"id": s.id, "name": s.name, "kind": s.kind, "agency": s.agency,
         "reliability": s.reliability, "reports": n,
         "first": first.isoformat() if first else None,
         "last": last.isoformat() if last else None}
        for s, n, first, last in _orm(conn).execute(q).all()
    ]


def report_to_dict(r: Report, s: Source) -> dict[str, Any]:
    """The releasable view of a report; protected fields are not even loaded."""
    return {
        "id": r.id, "external_id": r.external_id, "category": r.category, "title": r.title,
        "body": r.body, "language": r.language,
        "reported_at": r.reported_at.isoformat() if r.reported_at else None,
        "received_at": r.received_at.isoformat(), "originator": r.originator,
        "source": {"id": s.id, "name": s.name, "kind": s.kind, "agency": s.agency,
                   "reliability": s.reliability},
        "credibility": r.credibility, "grade": f"{s.reliability}{r.credibility}",
        "classification": r.classification, "tlp": r.tlp, "releasability": r.releasability,
        "caveats": r.caveats, "outlet": r.outlet, "url": r.url, "byline": r.byline,
        "in_reply_to": r.in_reply_to,
        "deadline": r.deadline.isoformat() if r.deadline else None, "tags": r.tags,
        "stix_id": r.stix_id,
    }


def to_fragment(r: Report, s: Source) -> Fragment:
    """The analysis chain's view of a report (no protected fields, ever)."""
    return Fragment(
        id=r.id, title=r.title, body=r.body, reported_at=r.reported_at,
        received_at=r.received_at, originator=r.originator, source_name=s.name,
        source_kind=s.kind, source_agency=s.agency, reliability=s.reliability,
        credibility=r.credibility, category=r.category, language=r.language, tlp=r.tlp,
        outlet=r.outlet, external_id=r.external_id, in_reply_to=r.in_reply_to,
        deadline=r.deadline, tags=tuple(r.tags or ()),
    )


def iter_stix_json(conn: Connection) -> Iterator[str]:
    """Every stored STIX object version, in the order it was added, as stored text."""
    q = select(StixObject.json).order_by(StixObject.added_seq)
    result = conn.execute(q.execution_options(stream_results=True, yield_per=2000))
    for (text,) in result:
        yield text


def native_reports(conn: Connection) -> Iterator[tuple[Report, Source]]:
    """Reports that did not arrive as STIX (those are exported as the objects they were)."""
    q = (select(Report, Source).join(Source, Report.source_id == Source.id)
         .where(Report.stix_id.is_(None)).order_by(Report.received_at, Report.id))
    with _orm(conn) as session:
        yield from session.execute(q)
