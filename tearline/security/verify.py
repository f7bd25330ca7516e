"""Checking the audit log: the chain, the signed checkpoints, and stored content.

``verify_log`` answers "has anyone tampered with the record, and where first?"
with a named finding rather than a bare row number:

========== ===================================================================
edited     a row's content no longer matches its own hash
deleted    a row points back at a row that is no longer there
reordered  a row points back at a row that is elsewhere in the log
truncated  a signed checkpoint names a row past the end of the log
wiped      the log is empty but checkpoints say it had rows
re-chained a row's hash differs from a signed checkpoint of it, though the
           chain is self-consistent: history was rewritten and re-hashed
forged     a checkpoint line is not signed by the audit key
body-edit  (``content=True``) a report or STIX object differs from its seal
seal-edit  (``content=True``) STIX seals differ from their anchor in the audit log
========== ===================================================================
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from tearline.security.audit import GENESIS, entry_hash
from tearline.security.checkpoints import read_checkpoints
from tearline.store.schema import AuditEntry

__all__ = ["Finding", "VerifyReport", "check_chain", "verify_log"]


@dataclass(frozen=True, slots=True)
class Finding:
    """The first thing found wrong, named (see the module docstring for kinds)."""

    kind: str
    seq: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "seq": self.seq, "message": self.message}


@dataclass
class VerifyReport:
    """The outcome of ``verify_log``: ``ok`` only with no finding at all."""

    rows: int = 0
    last_seq: int = 0
    checkpoints: int | None = None
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "last_seq": self.last_seq,
                "checkpoints": self.checkpoints,
                "first_bad": self.first.to_dict() if self.first else None,
                "findings": [f.to_dict() for f in self.findings], "warnings": self.warnings}


def _classify_break(conn: Connection, row: Any, prev_seq: int | None) -> Finding:
    seq = int(row.seq)
    where = conn.execute(select(AuditEntry.seq).where(AuditEntry.hash == row.prev_hash)
                         .limit(1)).scalar()
    if where is not None:
        return Finding("reordered", seq, f"audit row {seq} should follow row {where}, but "
                       f"follows row {prev_seq}: rows were moved")
    if prev_seq is None:
        return Finding("deleted", seq, f"audit row {seq} is the first row but points back at "
                       "a row that is gone: the start of the log was deleted")
    if seq != prev_seq + 1:
        return Finding("deleted", seq, f"audit row {seq} points back at a row that is gone: "
                       f"rows between {prev_seq} and {seq} were deleted")
    return Finding("edited", prev_seq, f"audit row {prev_seq} was changed and its hash "
                   f"recomputed: row {seq} no longer points back at it")


def check_chain(conn: Connection) -> Finding | None:
    """The first break in the rows' own chain, or None when they chain up."""
    prev, prev_seq = GENESIS, None
    for row in conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)) \
            .yield_per(5000):
        if row.prev_hash != prev:
            return _classify_break(conn, row, prev_seq)
        expect = entry_hash(prev, row.at, row.actor, row.action, row.object_type,
                            row.object_id, row.detail)
        if row.hash != expect:
            return Finding("edited", int(row.seq), f"audit row {row.seq} was changed after "
                           "it was written (its content does not match its hash)")
        prev, prev_seq = row.hash, int(row.seq)
    return None


def _check_checkpoints(conn: Connection, report: VerifyReport) -> list[Finding]:
    cps = read_checkpoints(conn)
    if cps is None:
        report.warnings.append("no signed checkpoints (set TEARLINE_AUDIT_SINK and "
                               "TEARLINE_AUDIT_KEY_FILE): truncation, wiping and re-chaining "
                               "cannot be detected")
        return []
    report.checkpoints = len(cps)
    out: list[Finding] = []
    for cp in cps:
        if not cp.valid:
            out.append(Finding("forged", None, f"checkpoint on line {cp.line} of the audit "
                               "sink is not signed by the audit key: the sink was edited"))
    good = sorted((cp for cp in cps if cp.valid), key=lambda c: c.seq)
    if good and report.rows == 0:
        out.append(Finding("wiped", None, f"the audit log is empty but {len(good)} signed "
                           f"checkpoint(s) say it reached row {good[-1].seq}: it was wiped"))
        return out
    last_ok = 0
    for cp in good:
        stored = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == cp.seq)).scalar()
        if stored is None and cp.seq > report.last_seq:
            out.append(Finding("truncated", report.last_seq + 1, f"the audit log ends at row "
                               f"{report.last_seq} but a signed checkpoint of {cp.at} names "
                               f"row {cp.seq}: the tail was cut off"))
            break
        if stored is None:
            out.append(Finding("deleted", cp.seq, f"audit row {cp.seq}, named by a signed "
                               "checkpoint, is gone"))
            break
        if stored != cp.hash:
            out.append(Finding("re-chained", last_ok + 1, f"audit row {cp.seq} differs from "
                               f"its signed checkpoint of {cp.at}: history after row {last_ok} "
                               "was rewritten and re-hashed"))
            break
        last_ok = cp.seq
    return out


def _inventory(conn: Connection, report: VerifyReport) -> None:
    n, last = conn.execute(select(func.count(), func.max(AuditEntry.seq))).one()
    report.rows, report.last_seq = int(n or 0), int(last or 0)


def verify_log(bind: Engine | Connection, content: bool = False) -> VerifyReport:
    """Check the chain, then the checkpoints, then (``content``) report and STIX seals.

    A checkpoint past the end is re-read once after a second: a writer in
    another process may have signed its tip a moment before committing it.
    """
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return verify_log(conn, content)
    conn = bind
    report = VerifyReport()
    _inventory(conn, report)
    chain = check_chain(conn)
    if chain:
        report.findings.append(chain)
    cps = _check_checkpoints(conn, report)
    if any(f.kind == "truncated" for f in cps):
        conn.rollback()
        time.sleep(1.0)
        _inventory(conn, report)
        cps = _check_checkpoints(conn, report)
    report.findings.extend(cps)
    if content:
        from tearline.security.content import check_content

        report.findings.extend(Finding("seal-edit" if f.kind == "seal" else "body-edit",
                                       None, f.message)
                               for f in check_content(conn, warnings=report.warnings))
    return report
