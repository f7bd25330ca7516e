"""Corrections and duplicates: what a report's identifiers promise.

* A STIX report keeps its id across versions. When a bundle brings a newer
  ``modified`` of a report whose fragment is stored, the fragment is updated to
  the newest version's text and markings, and the change is an audit entry
  (``report.correct``) with the new content seal; an older version arriving
  late changes nothing.
* ``external_id`` is the originator's own reference, so it names one report per
  originator: a second report with the same reference and other content is
  refused, naming the stored one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, update

from tearline.errors import IngestError
from tearline.ingest.drafts import ReportDraft
from tearline.security.audit import record_now
from tearline.security.content import seal
from tearline.store.schema import Report, StixObject

__all__ = ["apply_stix_corrections", "check_external_ids"]


def check_external_ids(conn: Connection, drafts: list[ReportDraft], path: str) -> None:
    """Refuse a report whose (originator, external_id) already names another report.

    The stored references are read in bulk (a few queries per file, not one
    per report: issue 10), then checked in file order, so the first offending
    report is the one named, as before.
    """
    refs = sorted({d.external_id for d in drafts if d.external_id})
    stored: dict[tuple[str, str | None], list[str]] = {}
    for i in range(0, len(refs), _CHUNK):
        for rid, originator, ext in conn.execute(
            select(Report.id, Report.originator, Report.external_id)
            .where(Report.external_id.in_(refs[i:i + _CHUNK])).order_by(Report.id)
        ):
            stored.setdefault((originator, ext), []).append(rid)
    seen: dict[tuple[str, str], str] = {}
    for d in drafts:
        if not d.external_id:
            continue
        key, rid = (d.originator, d.external_id), d.report_id()
        if seen.setdefault(key, rid) != rid:
            raise IngestError(path, d.where, f"external_id {d.external_id!r} of {d.originator!r} "
                              "appears twice in this file with different content")
        other = next((o for o in stored.get(key, ()) if o != rid), None)
        if other is not None:
            raise IngestError(path, d.where, f"external_id {d.external_id!r} of "
                              f"{d.originator!r} is already stored as {other} with different "
                              "content; a correction is a new report with its own id, or a "
                              "STIX report with a newer 'modified'")


_CHUNK = 500  # references per IN (...) lookup, under every backend's parameter limit
_FIELDS = ("title", "body", "originator", "reported_at", "classification", "tlp",
           "releasability", "caveats", "credibility", "tags")


def apply_stix_corrections(conn: Connection, pairs: list[tuple[ReportDraft, str]],
                           actor: str, path: str) -> list[str]:
    """Update stored fragments from newer STIX report versions; returns notes."""
    notes: list[str] = []
    for d, version in pairs:
        rid = d.stix_id
        if not rid:
            continue
        row: Any = conn.execute(select(Report.content_hash).where(Report.id == rid)).first()
        if row is None or row.content_hash == d.content_hash():
            continue
        newest = conn.execute(select(func.max(StixObject.version))
                              .where(StixObject.id == rid)).scalar()
        if newest is not None and version < newest:
            notes.append(f"{rid}: version {version} is older than the stored {newest}; "
                         "the fragment keeps the newer text")
            continue
        values = {f: getattr(d, f) for f in _FIELDS}
        conn.execute(update(Report).where(Report.id == rid)
                     .values(content_hash=d.content_hash(), ingest_file=path, **values))
        record_now(conn, actor, "report.correct", "report", rid, version=version, file=path,
                   sha256=seal(d.title, d.body))
        notes.append(f"{rid}: corrected to version {version} (run `tearline fuse --rebuild` "
                     "so threads see the new text)")
    return notes
