"""The STIX store as sharing sees it: what a principal may see, and safe writes.

Shared by the TAXII server and federation sync so both apply one visibility
rule and one write rule:

* ``stix_visibility`` binds the policy's SQL twin (``policy.sql_visibility``)
  to ``stix_objects`` and to the caller's explicit releases;
* ``store_rows`` writes checked objects through the ingest ``Writer``,
  treating a re-sent identical object as done and a same-version object with
  different content as that object's failure (never the whole batch's);
* ``publish_reports`` gives native Tearline reports their STIX form in the
  store, built by ``stix_export.report_to_stix`` from the releasable columns
  only — ``report_protected`` is never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Engine,
    bindparam,
    select,
    update,
)

from tearline import settings
from tearline.ingest.stix import StixRow, check_object
from tearline.ingest.writer import Writer
from tearline.share.policy import Principal
from tearline.share.releases import visible_stix_filter
from tearline.share.stix_export import identity_for, report_to_stix
from tearline.store.schema import Report, Source, StixObject


def stix_visibility(who: Principal) -> ColumnElement[bool]:
    """The policy's SQL condition over ``stix_objects`` (owned by ``releases``)."""
    return visible_stix_filter(who)


@dataclass
class StoreOutcome:
    """What ``store_rows`` did with each (id, version)."""

    new: list[StixRow] = field(default_factory=list)
    unchanged: list[StixRow] = field(default_factory=list)
    conflicts: list[StixRow] = field(default_factory=list)


_SENDERS = (select(StixObject.id, StixObject.sender)
            .where(StixObject.id.in_(bindparam("ids", expanding=True))))


def store_rows(writer: Writer, rows: Sequence[StixRow]) -> StoreOutcome:
    """Write rows not yet stored; sort the rest into unchanged and conflicting."""
    out = StoreOutcome()
    unique: dict[tuple[str, str], StixRow] = {}
    for r in rows:
        unique.setdefault((r.id, r.version), r)
    stored = writer.stored_hashes(list(unique))
    for key, r in unique.items():
        if key not in stored:
            out.new.append(r)
        elif stored[key] == r.content_hash:
            out.unchanged.append(r)
        else:
            out.conflicts.append(r)
    for i in range(0, len(out.new), settings.WRITE_BATCH):
        writer.add_stix(out.new[i:i + settings.WRITE_BATCH])
    return out


def store_from_partner(writer: Writer, rows: Sequence[StixRow], sender: str) -> StoreOutcome:
    """Store what a partner sent as *its* assertion (issue 9, finding 5).

    A partner may add objects and new versions of objects it sent before. An
    object whose id this store already holds from another sender (this agency
    or another partner) never becomes a version of it: the copy is kept apart
    in ``stix_discrepancies`` with its sender, for an analyst to see, and is
    reported to the sender exactly like a stored object, so the answer does not
    tell it whether an object it may not see exists.
    """
    # Who sent each id is read under the STIX write lock, held to commit: read
    # before it, another sender's add of the same id could commit in between and
    # this partner's copy would then be stored as a version of that object.
    writer.lock_stix()
    by_id: dict[str, set[str]] = {}
    ids = sorted({r.id for r in rows})
    for i in range(0, len(ids), 900):
        for oid, who in writer.conn.execute(_SENDERS, {"ids": ids[i:i + 900]}):
            by_id.setdefault(oid, set()).add(who)
    own: list[StixRow] = []
    apart: list[StixRow] = []
    for r in rows:
        r.sender = sender
        (apart if by_id.get(r.id, {sender}) - {sender} else own).append(r)
    # A byte-identical copy of what another sender gave (a standard TLP definition,
    # the shared "originator withheld" identity) asserts nothing new: unchanged,
    # not a discrepancy. The sender hears "stored" either way.
    same = writer.stored_hashes([(r.id, r.version) for r in apart])
    identical = [r for r in apart if same.get((r.id, r.version)) == r.content_hash]
    apart = [r for r in apart if same.get((r.id, r.version)) != r.content_hash]
    out = store_rows(writer, own)
    out.unchanged.extend(identical)
    if apart:
        _keep_apart(writer, apart, sender)
        out.unchanged.extend(apart)
    return out


def _keep_apart(writer: Writer, rows: Sequence[StixRow], sender: str) -> None:
    from tearline.store.rows import insert_ignore
    from tearline.store.schema import StixDiscrepancy

    insert_ignore(writer.conn, StixDiscrepancy, [
        {"object_id": r.id, "version": r.version, "sender": sender,
         "reason": "an object with this id is held from another sender",
         "content_hash": r.content_hash, "json": r.json, "received_at": writer.now}
        for r in rows])
    for r in rows:
        writer.audit.record(writer.actor, "stix.discrepancy", "stix", r.id, sender=sender,
                            version=r.version)


def publish_reports(engine: Engine, actor: str = "publish") -> int:
    """Store a STIX form of every native report that has none yet; returns how many.

    The report keeps its id (already ``report--<uuid>``), so releases recorded
    against the report apply to its STIX form. Its ``stix_id`` is then set, so
    exports emit the stored object once instead of rebuilding it.
    """
    q = (select(Report, Source).join(Source, Report.source_id == Source.id)
         .where(Report.stix_id.is_(None)).order_by(Report.received_at, Report.id))
    from sqlalchemy.orm import Session

    with engine.begin() as conn:
        with Session(bind=conn) as session:
            pairs = list(session.execute(q).tuples())
        if not pairs:
            return 0
        rows: list[StixRow] = []
        for i, (r, s) in enumerate(pairs):
            ident = identity_for(r.originator, r.ingested_at)
            rows.append(check_object(ident, f"identity[{i}]", "publish"))
            rows.append(check_object(report_to_stix(r, s, ident["id"]), f"report[{i}]",
                                     "publish"))
        writer = Writer(conn, actor, "publish:reports")
        outcome = store_rows(writer, rows)
        ids = [r.id for r, _ in pairs]
        for i in range(0, len(ids), 400):
            conn.execute(update(Report).where(Report.id.in_(ids[i:i + 400]))
                         .values(stix_id=Report.id))
        writer.finish({"kind": "publish", "new": len(outcome.new),
                       "unchanged": len(outcome.unchanged)})
    return len(pairs)
