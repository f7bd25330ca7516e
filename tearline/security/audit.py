"""The tamper-evident audit log: append-only rows chained by SHA-256.

Each row's hash covers its content and the previous row's hash, so editing or
deleting any row breaks every hash after it; ``verify_chain`` finds the first
break and says what kind it is. The database also refuses UPDATE and DELETE on
the table (see the initial migration).

Appends are serialized. Reading the chain's tip and inserting after it must be
one atomic step, or two readers that both log a read chain onto the same tip
and fork the log. PostgreSQL takes a transaction-scoped advisory lock; SQLite
takes its write lock *before* reading the tip with a write statement that
touches no row (pysqlite opens a transaction only in front of a write, so a
plain SELECT would run outside it and see a tip that is stale by the INSERT).

What the chain alone cannot show — the tail cut off, every row wiped, or
history rewritten with the later hashes recomputed — is caught by signed
checkpoints kept outside the database (``security.checkpoints``), which
``append`` writes as the chain passes each multiple of the checkpoint interval.

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

from tearline.store.fixed import FixedStatement
from tearline.store.schema import AuditEntry

GENESIS = "0" * 64
# Built once: a read's audit entry is written on every TAXII page and REST read.
_TIP = FixedStatement(
    select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
_INSERT = insert(AuditEntry)


def entry_hash(prev: str, at: datetime, actor: str, action: str, otype: str | None,
               oid: str | None, detail: dict[str, Any]) -> str:
    """The chain hash of one row: its content plus the hash of the row before it."""
    payload = orjson.dumps(
        [prev, at.astimezone(UTC).isoformat(), actor, action, otype, oid, detail],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(payload).hexdigest()


def lock_chain(conn: Connection) -> None:
    """Hold the chain's append lock until the caller's transaction ends (see module doc)."""
    if conn.dialect.name == "postgresql":
        # One key per schema, as the fusion writer's (``store.uow``): databases kept
        # in different schemas of one server neither wait on each other's chain nor
        # deadlock through it (the STIX writer's lock is server-wide).
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(current_schema() || "
                             "':audit-chain'))")
    elif conn.dialect.name == "sqlite":
        # Touches no row, so the append-only triggers do not fire, but it is a
        # write: SQLite grants the RESERVED lock (waiting on busy_timeout).
        conn.exec_driver_sql("DELETE FROM audit_log WHERE 0")


def chain_tip(conn: Connection) -> tuple[int, str]:
    """The last row's (seq, hash), or (0, GENESIS) for an empty log."""
    row = _TIP.first(conn)
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


@dataclass
class AuditTrail:
    """Entries waiting to be chained onto the log inside the caller's transaction."""

    pending: list[dict[str, Any]] = field(default_factory=list)

    def record(self, actor: str, action: str, object_type: str | None = None,
               object_id: str | None = None, **detail: Any) -> None:
        self.record_at(datetime.now(UTC), actor, action, object_type, object_id, **detail)

    def record_at(self, at: datetime, actor: str, action: str, object_type: str | None = None,
                  object_id: str | None = None, **detail: Any) -> None:
        """An entry stamped with ``at`` (imports of older records, simulations)."""
        self.pending.append({
            "at": at, "actor": actor[:120], "action": action[:48],
            "object_type": object_type, "object_id": object_id[:120] if object_id else None,
            "detail": detail,
        })

    def flush(self, conn: Connection) -> int:
        """Chain and insert the pending entries; returns how many were written."""
        if not self.pending:
            return 0
        from tearline.security.checkpoints import checkpoint_due, write_checkpoint

        lock_chain(conn)
        tip_seq, tip_hash = chain_tip(conn)
        prev = tip_hash
        rows = []
        for e in self.pending:
            h = entry_hash(prev, e["at"], e["actor"], e["action"], e["object_type"],
                           e["object_id"], e["detail"])
            rows.append({**e, "prev_hash": prev, "hash": h})
            prev = h
        conn.execute(_INSERT, rows)
        n = len(rows)
        self.pending.clear()
        # The tip read under the lock is committed by whoever wrote it, so a
        # checkpoint of it is true even if this transaction later rolls back.
        if tip_seq and checkpoint_due(tip_seq, tip_seq + n):
            write_checkpoint(conn, tip_seq, tip_hash)
        return n


def record_now(conn: Connection, actor: str, action: str, object_type: str | None = None,
               object_id: str | None = None, **detail: Any) -> None:
    """Append one entry immediately (reads, decisions, admin actions)."""
    trail = AuditTrail()
    trail.record(actor, action, object_type, object_id, **detail)
    trail.flush(conn)


def verify(conn: Connection) -> int | None:
    """The seq of the first row whose chain is broken, or None if the rows chain up.

    Only the rows themselves; ``security.verify.verify_log`` adds checkpoints
    and content hashes.
    """
    from tearline.security.verify import check_chain

    finding = check_chain(conn)
    return finding.seq if finding else None
