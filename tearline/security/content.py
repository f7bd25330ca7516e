"""Content seals: what a report or STIX object said when it was stored, kept apart from it.

A report's ``content_hash`` column makes ingestion idempotent, but it sits in
the same row as the body, so whoever can ``UPDATE reports SET body`` can fix
it too. The seal is a SHA-256 of the title and body written into the
``report.create`` audit entry instead; changing it means re-chaining the audit
log, which the signed checkpoints catch.

STIX objects are too many for an audit entry each (MITRE ATT&CK is 25,000), so
their seals are rows of their own in ``stix_seals`` (SHA-256 of the JSON), and
each write batch is anchored in the chain by one ``stix.seal`` entry holding
the batch's size and a digest over all its seals. An administrator who edits an
object's JSON and recomputes ``content_hash`` in its row is caught by the seal;
one who also edits the seal breaks the batch digest in the audit entry; one who
rewrites that entry breaks the chain or a signed checkpoint.

``audit verify --content`` compares every report with its seal and every STIX
object with its latest anchored seal (and its row's own hash), and
re-ingesting the original file puts a tampered report body back (and says so).
Objects stored before migration 0010 have no seal; they are counted in a
warning and checked against their row's hash only.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, tuple_, update

from tearline.security.audit import AuditTrail
from tearline.store.schema import AuditEntry, Report, StixObject, StixSeal

__all__ = ["ContentFinding", "check_content", "restore_if_tampered", "seal", "seal_stix"]

#: The audit action that anchors one batch of STIX seals in the chain.
SEAL_ACTION = "stix.seal"


def seal(title: str, body: str) -> str:
    """The seal of a report's text (title and body exactly as stored)."""
    return hashlib.sha256(orjson.dumps([title, body])).hexdigest()


@dataclass(frozen=True, slots=True)
class ContentFinding:
    """A stored object whose content no longer matches what was sealed."""

    kind: str  # "report" | "stix"
    object_id: str
    message: str


def check_content(conn: Connection, limit: int = 100,
                  warnings: list[str] | None = None) -> list[ContentFinding]:
    """Reports whose text differs from their seal; STIX objects or seals that were edited.

    ``warnings`` (when given) receives what cannot be checked: objects with no seal.
    """
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
    stix_seals = _anchored_stix_seals(conn, out)
    unsealed = 0
    for oid, version, digest, text in conn.execute(
            select(StixObject.id, StixObject.version, StixObject.content_hash, StixObject.json)
            .order_by(StixObject.id, StixObject.version)).yield_per(2000):
        if len(out) >= limit:
            break
        sealed = stix_seals.get((oid, version))
        if sealed is None:
            unsealed += 1
        elif _stix_digest(text) != sealed:
            out.append(ContentFinding("stix", f"{oid}@{version}", f"STIX object {oid} "
                                      f"(version {version or '-'}): its JSON was changed after "
                                      "it was stored (it no longer matches its seal)"))
            continue
        if hashlib.blake2b(text.encode(), digest_size=16).hexdigest() != digest:
            out.append(ContentFinding("stix", f"{oid}@{version}", f"STIX object {oid} "
                                      f"(version {version or '-'}): its JSON was changed after "
                                      "it was stored (hash mismatch)"))
    if unsealed and warnings is not None:
        warnings.append(f"{unsealed} STIX object(s) have no seal (stored before migration "
                        "0010_security, or their seal was removed); they are checked against "
                        "their own row's hash only")
    return out[:limit]


def _stix_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _batch_digest(seals: Iterable[tuple[str, str, str]]) -> str:
    """One digest over a batch's seals, independent of the order they were read in."""
    return hashlib.sha256(orjson.dumps(sorted(seals))).hexdigest()


def seal_stix(conn: Connection, trail: AuditTrail, actor: str,
              objects: Sequence[tuple[str, str, str]], *, all_new: bool) -> int:
    """Seal newly stored STIX objects, given as (id, version, json); returns how many.

    The seal rows go in now; their ``stix.seal`` anchor goes on ``trail``, which
    the writer flushes with the rest of the file's audit entries, in the same
    transaction. With ``all_new`` False some objects were stored already: those
    whose seal says the same are skipped, so a re-ingest adds nothing.
    """
    todo = [(oid, version, _stix_digest(text)) for oid, version, text in objects]
    if not all_new and todo:
        have: set[tuple[str, str, str]] = set()
        keys = [(oid, version) for oid, version, _ in todo]
        for i in range(0, len(keys), 400):
            have.update((a, b, c) for a, b, c in conn.execute(
                select(StixSeal.object_id, StixSeal.version, StixSeal.digest)
                .where(tuple_(StixSeal.object_id, StixSeal.version).in_(keys[i:i + 400]))))
        todo = [t for t in todo if t not in have]
    if not todo:
        return 0
    batch = uuid.uuid4().hex
    _insert_seals(conn, [(oid, version, d, batch) for oid, version, d in todo])
    trail.record(actor, SEAL_ACTION, "seal-batch", batch, count=len(todo),
                 digest=_batch_digest(todo))
    return len(todo)


_SEAL_COLS = "object_id, version, digest, batch"


def _insert_seals(conn: Connection, rows: list[tuple[str, str, str, str]]) -> None:
    """Insert seal rows (object_id, version, digest, batch) in order, through the driver.

    An ORM insert's per-row parameter handling cost more than SQLite's own
    insert of a 5,000-object TAXII add: SQLite takes one ``executemany``,
    PostgreSQL one ``COPY``; ``seq`` comes from the table's default either way,
    in row order.
    """
    raw = conn.connection.driver_connection
    table = StixSeal.__tablename__
    if conn.dialect.name == "sqlite" and raw is not None:
        raw.cursor().executemany(
            f"INSERT INTO {table} ({_SEAL_COLS}) VALUES (?, ?, ?, ?)", rows)
    elif conn.dialect.name == "postgresql" and raw is not None:
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({_SEAL_COLS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        conn.execute(insert(StixSeal), [
            {"object_id": oid, "version": version, "digest": d, "batch": batch}
            for oid, version, d, batch in rows])


def _anchored_stix_seals(conn: Connection,
                         out: list[ContentFinding]) -> dict[tuple[str, str], str]:
    """The latest seal of every object, from batches whose audit anchor agrees.

    A batch whose seals no longer hash to its anchor (a seal edited, added or
    removed) is a finding, and its seals are not trusted; nor are seal rows with
    no anchor at all (written by hand).
    """
    anchors: dict[str, tuple[int, str]] = {}
    for batch, detail in conn.execute(select(AuditEntry.object_id, AuditEntry.detail)
                                      .where(AuditEntry.action == SEAL_ACTION)):
        if batch and isinstance(detail, dict):
            anchors[batch] = (int(detail.get("count", -1)), str(detail.get("digest", "")))
    by_batch: dict[str, list[tuple[str, str, str]]] = {}
    for oid, version, digest, batch in conn.execute(
            select(StixSeal.object_id, StixSeal.version, StixSeal.digest, StixSeal.batch)
            .order_by(StixSeal.seq)).yield_per(5000):
        by_batch.setdefault(batch, []).append((oid, version, digest))
    latest: dict[tuple[str, str], str] = {}
    for batch, items in by_batch.items():
        anchor = anchors.get(batch)
        if anchor is None:
            out.append(ContentFinding("seal", batch, f"STIX seal batch {batch}: "
                                      f"{len(items)} seal row(s) with no stix.seal entry in "
                                      "the audit log: they were added outside Tearline"))
            continue
        if anchor != (len(items), _batch_digest(items)):
            out.append(ContentFinding("seal", batch, f"STIX seal batch {batch} (objects "
                                      f"{', '.join(sorted({i[0] for i in items})[:3])}…): its "
                                      "seals no longer match their audit entry: a seal was "
                                      "edited, added or removed"))
            continue
        for oid, version, digest in items:
            latest[(oid, version)] = digest
    for batch in anchors.keys() - by_batch.keys():
        out.append(ContentFinding("seal", batch, f"STIX seal batch {batch}: the audit log "
                                  "records its seals but they are gone from stix_seals"))
    return latest


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
