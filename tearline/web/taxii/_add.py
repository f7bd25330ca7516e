"""Add objects: a TAXII envelope in, a status resource out, through the ingest Writer.

Objects go through the same ``check_object`` and ``Writer.add_stix`` as a
bundle on the command line, so a pushed object is stored, marked and audited
exactly like an ingested one. The request is one transaction. Adding an
object already stored with the same content is a success that writes nothing
(so retries and repeated syncs are harmless); the same id and version with
*different* content is that object's failure, not the whole request's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, insert

from tearline.errors import IngestError
from tearline.ingest.stix import ObjectLimits, StixRow, check_object
from tearline.ingest.writer import Writer
from tearline.share.policy import Principal, PrincipalKind
from tearline.share.receive import fragments_from_partner
from tearline.share.stix_store import store_from_partner, store_rows

from ._media import TaxiiError
from .collections import CollectionSpec
from .status import TaxiiStatus, principal_key, to_resource


def _parse(body: bytes) -> list[Any]:
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise TaxiiError(400, "Bad JSON", f"the request body is not JSON: {exc}") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        got = type(envelope).__name__ if not isinstance(envelope, dict) else sorted(envelope)
        raise TaxiiError(422, "Not an envelope",
                         f"expected a TAXII envelope {{\"objects\": [...]}}, got {got!r}")
    return list(envelope["objects"])


def _success(row: StixRow) -> dict[str, Any]:
    """A status success entry; markings the policy cannot read are said, not ignored."""
    entry: dict[str, Any] = {"id": row.id, "version": row.version}
    if row.unknown_markings:
        entry["message"] = ("stored, but withheld from partners: marking-definition(s) "
                            f"{', '.join(row.unknown_markings)} are not TLP and cannot be "
                            "interpreted by the sharing policy")
    return entry


def add_objects(engine: Engine, who: Principal, spec: CollectionSpec,
                body: bytes) -> dict[str, Any]:
    """Store what is valid and new; return the (complete) status resource."""
    objects = _parse(body)
    status_id = str(uuid.uuid4())
    label = f"taxii:{spec.alias}:{status_id}"
    failures: list[dict[str, Any]] = []
    rows: dict[tuple[str, str], StixRow] = {}
    repeats: list[dict[str, Any]] = []  # identical copies within one envelope
    limits = ObjectLimits.current()  # once per envelope, not per object
    for i, obj in enumerate(objects):
        try:
            row = check_object(obj, f"objects[{i}]", label, limits)
        except IngestError as exc:
            oid = obj.get("id") if isinstance(obj, dict) else None
            version = (obj.get("modified") or obj.get("created")) if isinstance(obj, dict) \
                else None
            failures.append({"id": str(oid or f"objects[{i}]"),
                             "version": str(version or ""), "message": exc.reason})
            continue
        key = (row.id, row.version)
        if key in rows and rows[key].content_hash != row.content_hash:
            failures.append({"id": row.id, "version": row.version,
                             "message": "the envelope holds two different objects with this "
                                        "id and version"})
            continue
        if key in rows:
            repeats.append({"id": row.id, "version": row.version})
        rows[key] = row
    now = datetime.now(UTC)
    with engine.begin() as conn:
        writer = Writer(conn, principal_key(who), label)
        if who.kind is PrincipalKind.PARTNER:
            outcome = store_from_partner(writer, list(rows.values()), principal_key(who))
            fragments_from_partner(writer, outcome.new, who.id)  # finding 9
        else:
            outcome = store_rows(writer, list(rows.values()))
        for row in outcome.conflicts:
            failures.append({"id": row.id, "version": row.version,
                             "message": "already stored with different content; a "
                                        "changed object needs a new 'modified'"})
        successes = [_success(r) for r in (*outcome.new, *outcome.unchanged)]
        successes.extend(repeats)
        writer.finish({"kind": "taxii-add", "collection": spec.alias, "new": len(outcome.new),
                       "unchanged": len(outcome.unchanged), "failed": len(failures)})
        record = {
            "id": status_id, "principal": principal_key(who), "collection": spec.id,
            "status": "complete", "request_timestamp": now, "total_count": len(objects),
            "success_count": len(successes), "failure_count": len(failures),
            "pending_count": 0, "detail": {"successes": successes, "failures": failures},
        }
        conn.execute(insert(TaxiiStatus), [record])
    return to_resource(record)
