"""Content seals: what a report said when it was stored, kept in the audit chain.

A report's ``content_hash`` column makes ingestion idempotent, but it sits in
the same row as the body, so whoever can ``UPDATE reports SET body`` can fix
it too. The seal is a SHA-256 of the title and body written into the
``report.create`` audit entry instead; changing it means re-chaining the audit
log, which the signed checkpoints catch. ``audit verify --content`` compares
every report with its seal and every STIX object's JSON with its stored hash,
and re-ingesting the original file puts a tampered body back (and says so).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from tearline.store.schema import AuditEntry, Report, StixObject

__all__ = ["ContentFinding", "check_content", "restore_if_tampered", "seal"]


def seal(title: str, body: str) -> str:
    """The seal of a report's text (title and body exactly as stored)."""
    return hashlib.sha256(orjson.dumps([title, body])).hexdigest()


@dataclass(frozen=True, slots=True)
class ContentFinding:
    """A stored object whose content no longer matches what was sealed."""

    kind: str  # "report" | "stix"
    object_id: str
    message: str


def check_content(conn: Connection, limit: int = 100) -> list[ContentFinding]:
    """Reports whose text differs from their seal, STIX objects whose JSON differs from its hash."""
    out: list[ContentFinding] = []
    seals: dict[str, str] = {}
    for oid, detail in conn.execute(select(AuditEntry.object_id, AuditEntry.detail)
                                    .where(AuditEntry.action.in_(("report.create", "report.correct",
                                                                  "report.restore")))
                                    .order_by(AuditEntry.seq)):
        if oid and isinstance(detail, dict) and detail.get("sha256"):
            seals[oid] = str(detail["sha256"])
    for rid, title, body in conn.execute(select(Report.id, Report.title, Report.body)
                                         .order_by(Report.id)):
        want = seals.get(rid)
        if want is not None and seal(title, body) != want:
            out.append(ContentFinding("report", rid, f"report {rid}: its title or body was "
                                      "changed after it was stored (seal mismatch)"))
        if len(out) >= limit:
            return out
    for oid, version, digest, text in conn.execute(
            select(StixObject.id, StixObject.version, StixObject.content_hash, StixObject.json)
            .order_by(StixObject.id, StixObject.version)).yield_per(2000):
        if hashlib.blake2b(text.encode(), digest_size=16).hexdigest() != digest:
            out.append(ContentFinding("stix", f"{oid}@{version}", f"STIX object {oid} "
                                      f"(version {version or '-'}): its JSON was changed after "
                                      "it was stored (hash mismatch)"))
            if len(out) >= limit:
                break
    return out


def restore_if_tampered(conn: Connection, report_id: str, title: str, body: str,
                        actor: str, file_label: str) -> str | None:
    """On re-ingest of the same content: put back a stored text that was altered.

    The id is derived from the content, so the same id with another stored
    title or body can only mean the row was edited in place. Returns a note
    for the ingest result, or None when the stored text is intact.
    """
    from tearline.security.audit import record_now

    row: Any = conn.execute(select(Report.title, Report.body)
                            .where(Report.id == report_id)).first()
    if row is None or (row.title == title and row.body == body):
        return None
    conn.execute(update(Report).where(Report.id == report_id).values(title=title, body=body))
    record_now(conn, actor, "report.restore", "report", report_id, file=file_label,
               sha256=seal(title, body), found_sha256=seal(row.title, row.body))
    return (f"report {report_id}: the stored text differed from this file although the "
            "content hash matches, so it had been altered in the database; restored it "
            "from the file and recorded that in the audit log")
