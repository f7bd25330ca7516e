"""The tamper-evident audit log: append-only rows chained by SHA-256.

Each row's hash covers its content and the previous row's hash, so editing or
deleting any row breaks every hash after it; ``verify`` finds the first break.
The database also refuses UPDATE and DELETE on the table (see the migration).
Entries are buffered by ``AuditTrail`` and written in one batch per
transaction, so a 20,000-report ingest does not pay a round trip per row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from tearline.store.schema import AuditEntry

GENESIS = "0" * 64


def _entry_hash(prev: str, at: datetime, actor: str, action: str, otype: str | None,
                oid: str | None, detail: dict[str, Any]) -> str:
    payload = orjson.dumps(
        [prev, at.astimezone(UTC).isoformat(), actor, action, otype, oid, detail],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(payload).hexdigest()


@dataclass
class AuditTrail:
    """Entries waiting to be chained onto the log inside the caller's transaction."""

    pending: list[dict[str, Any]] = field(default_factory=list)

    def record(self, actor: str, action: str, object_type: str | None = None,
               object_id: str | None = None, **detail: Any) -> None:
        self.pending.append({
            "at": datetime.now(UTC), "actor": actor, "action": action,
            "object_type": object_type, "object_id": object_id, "detail": detail,
        })

    def flush(self, conn: Connection) -> int:
        """Chain and insert the pending entries; returns how many were written."""
        if not self.pending:
            return 0
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7412001)")
        prev = conn.execute(
            select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).scalar() or GENESIS
        rows = []
        for e in self.pending:
            h = _entry_hash(prev, e["at"], e["actor"], e["action"], e["object_type"],
                            e["object_id"], e["detail"])
            rows.append({**e, "prev_hash": prev, "hash": h})
            prev = h
        conn.execute(insert(AuditEntry), rows)
        n = len(rows)
        self.pending.clear()
        return n


def record_now(conn: Connection, actor: str, action: str, object_type: str | None = None,
               object_id: str | None = None, **detail: Any) -> None:
    """Append one entry immediately (reads, decisions)."""
    trail = AuditTrail()
    trail.record(actor, action, object_type, object_id, **detail)
    trail.flush(conn)


def verify(conn: Connection) -> int | None:
    """Return the seq of the first row whose chain is broken, or None if intact."""
    prev = GENESIS
    for row in conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)):
        expect = _entry_hash(prev, row.at, row.actor, row.action, row.object_type,
                             row.object_id, row.detail)
        if row.prev_hash != prev or row.hash != expect:
            return row.seq
        prev = row.hash
    return None
