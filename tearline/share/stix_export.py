"""Writing what the store holds as one STIX 2.1 bundle, streamed.

Objects that arrived as STIX are written back exactly as stored, so an ingest
followed by an export is equal object-for-object. Tearline's own reports become
STIX ``report`` objects carrying their TLP 2.0 marking and grading as
``x_tearline_*`` properties; protected fields are never loaded, so they cannot
appear here.

Given a principal, the bundle holds only what the sharing policy lets it see:
stored objects are filtered in SQL (``releases.visible_stix_filter``), native
reports through ``policy.decide``; the standard TLP marking-definitions the
remaining objects refer to are always included. The export is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any

import orjson
from sqlalchemy import Connection, select

from tearline import settings
from tearline.ingest.stix import TLP_IDS_V2, TLP_MARKINGS
from tearline.model.principal import viewed_as
from tearline.share.definitions import Definitions, partner_definitions, resolve
from tearline.share.policy import Principal, PrincipalKind, decide
from tearline.share.refs import prune_texts, resolvable_for, sees_everything
from tearline.share.remark import (
    WITHHELD_IDENTITY_ID,
    own_identity_id,
    remark_for_partner,
    remark_text,
    sensitive_for,
    withheld_identity,
)
from tearline.store.schema import Report, Source, StixObject
from tearline.store.view import actor_name, iter_stix_json, native_reports
from tearline.warn.sanitize import Sensitive

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_IDENTITY_NS = uuid.UUID("1c3a5e8f-7b2d-4e6a-8f90-3d5b7c9e1a2f")


def tlp_marking_definition(level: str) -> dict[str, Any]:
    """The standard TLP 2.0 marking-definition object for a level."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_IDS_V2[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level.upper()}",
        "extensions": {TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


#: When the TLP 1.0 marking-definitions were published (STIX 2.1, section 7.2.1.4).
_TLP_V1_CREATED = "2017-01-20T00:00:00.000Z"


def tlp_definition_for_id(mid: str) -> dict[str, Any]:
    """The standard marking-definition behind a TLP id, 2.0 or 1.0 (``TLP_MARKINGS``)."""
    level = TLP_MARKINGS[mid]
    if TLP_IDS_V2.get(level) == mid:
        return tlp_marking_definition(level)
    name = "white" if level == "clear" else level
    return {"type": "marking-definition", "spec_version": "2.1", "id": mid,
            "created": _TLP_V1_CREATED, "definition_type": "tlp",
            "name": f"TLP:{name.upper()}", "definition": {"tlp": name}}


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def identity_for(originator: str, created: datetime) -> dict[str, Any]:
    return {
        "type": "identity", "spec_version": "2.1",
        "id": f"identity--{uuid.uuid5(_IDENTITY_NS, originator)}",
        "created": _ts(created), "modified": _ts(created),
        "name": originator, "identity_class": "organization",
    }


def report_to_stix(r: Report, s: Source, identity_id: str) -> dict[str, Any]:
    when = r.reported_at or r.received_at
    obj: dict[str, Any] = {
        "type": "report", "spec_version": "2.1", "id": r.id,
        "created": _ts(when), "modified": _ts(when), "published": _ts(when),
        "name": r.title, "description": r.body, "report_types": ["threat-report"],
        "created_by_ref": identity_id, "object_refs": [identity_id],
        "object_marking_refs": [TLP_IDS_V2[r.tlp]], "lang": r.language,
        "x_tearline_category": r.category, "x_tearline_source": s.name,
        "x_tearline_source_kind": s.kind, "x_tearline_reliability": s.reliability,
        "x_tearline_credibility": r.credibility,
        "x_tearline_classification": r.classification,
    }
    if r.releasability:
        obj["x_tearline_releasability"] = list(r.releasability)
    if r.caveats:  # need-to-know compartments travel with the object (finding 1, issue 9)
        obj["x_tearline_caveats"] = list(r.caveats)
    if r.external_id:
        obj["x_tearline_external_id"] = r.external_id
    if r.tags:
        obj["labels"] = list(r.tags)
    return obj


def _report_sensitive(conn: Connection, text: str) -> Sensitive | None:
    """The protected values behind a stored report object, for the sanitizer's guard."""
    if not text.startswith('{"type":"report"'):
        return None
    oid = str(orjson.loads(text).get("id") or "")
    return sensitive_for(conn, [oid]).get(oid)


def _id_of(text: str) -> str:
    at = text.find('"id":"')
    return text[at + 6:text.find('"', at + 6)] if at >= 0 else ""


def _visible_stix(conn: Connection, principal: Principal) -> Iterator[tuple[str, str | None]]:
    from tearline.share.releases import visible_stix_filter

    q = (select(StixObject.json, StixObject.tlp).where(visible_stix_filter(principal))
         .order_by(StixObject.added_seq))
    # Options on the statement, not the connection: Connection.execution_options
    # changes the connection itself, and the audit INSERT after the export would
    # then be sent as a server-side cursor (a syntax error on PostgreSQL).
    result = conn.execute(q.execution_options(stream_results=True, yield_per=2000))
    for row in result:
        yield row[0], row[1]


#: Stored rows judged together for hidden references (``share.refs``), as a TAXII page.
_EXPORT_CHUNK = 1000


def _chunks(rows: Iterator[tuple[str, str | None]], size: int
            ) -> Iterator[list[tuple[str, str | None]]]:
    chunk: list[tuple[str, str | None]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def reference_text(ref: str, definitions: Mapping[str, str]) -> str | None:
    """The object behind a reference a partner's object makes, if the partner may hold it.

    TLP definitions (standard), the "originator withheld" identity and this
    agency's own, and the non-TLP definitions in ``definitions``
    (``definitions.partner_definitions(...).allowed``); None for anything else.
    """
    if ref in TLP_MARKINGS:
        return orjson.dumps(tlp_definition_for_id(ref)).decode()
    if ref == WITHHELD_IDENTITY_ID:
        return orjson.dumps(withheld_identity()).decode()
    if ref == own_identity_id():
        return orjson.dumps(identity_for(settings.OWNER_AGENCY,
                                         datetime(2025, 1, 1, tzinfo=UTC))).decode()
    return definitions.get(ref)


def iter_export(conn: Connection, principal: Principal | None = None,
                shipped: list[str] | None = None,
                withheld: dict[str, dict[str, str]] | None = None) -> Iterator[bytes]:
    """Serialized objects: stored STIX first, then native reports with what they reference.

    ``principal`` limits the bundle to what it may see; ``shipped`` (if given)
    collects the ids of the reports written, and ``withheld`` the marking
    references dropped for a partner with their reasons (``definitions``), for
    the audit record.
    """
    stored_markings: set[str] = set()
    levels: set[str] = set()
    stored: Iterator[tuple[str, str | None]] = (
        ((t, None) for t in iter_stix_json(conn)) if principal is None
        else _visible_stix(conn, principal))
    partner = principal.id if principal is not None and \
        principal.kind is PrincipalKind.PARTNER else None
    identities: set[str] = set()
    tlp_ids: set[str] = set()  # TLP definitions referenced other than by the row's level
    creators: set[str] = set()  # identities re-marked objects now point at (no dangling refs)
    kept: set[str] = set()  # non-TLP marking-definitions the partner's objects still name
    defs = partner_definitions(conn, principal) if partner and principal else Definitions()
    prune = principal is not None and not sees_everything(principal)
    resolvable = resolvable_for(principal, defs.allowed) if principal is not None \
        else frozenset()
    for chunk in _chunks(stored, _EXPORT_CHUNK):
        texts: list[str] = []
        for text, tlp in chunk:
            if text.startswith('{"type":"marking-definition"'):
                stored_markings.add(orjson.loads(text)["id"])
            elif text.startswith('{"type":"identity"'):
                identities.add(orjson.loads(text)["id"])
            if tlp in TLP_IDS_V2:
                levels.add(tlp)
            out = (remark_text(text, partner, _report_sensitive(conn, text)) if partner
                   else text)
            if partner:
                res = resolve(out, partner, defs)
                out = res.text
                kept |= res.kept
                if res.dropped and withheld is not None:
                    withheld[_id_of(out)] = res.dropped
            texts.append(out)
        # References to objects the principal may not see (share.refs): one query a chunk.
        sent = prune_texts(conn, principal, texts, resolvable,
                           visible={_id_of(t) for t, _ in chunk}) \
            if prune and principal is not None else list(texts)
        for (_, tlp), out_or_none in zip(chunk, sent, strict=True):
            if out_or_none is None:
                continue
            out = out_or_none
            if '"object_marking_refs"' in out and (
                    tlp not in TLP_IDS_V2 or TLP_IDS_V2[tlp] not in out):  # TLP 1.0, several
                tlp_ids.update(r for r in orjson.loads(out).get("object_marking_refs", ())
                               if r in TLP_MARKINGS)
            if partner and '"created_by_ref":"' in out:
                creators.add(out.split('"created_by_ref":"', 1)[1].split('"', 1)[0])
            yield out.encode()
    index = None
    if principal is not None:
        from tearline.share.releases import load_index, marking_for_report

        index = load_index(conn)
    for r, s in native_reports(conn):
        if principal is not None and index is not None and not decide(
                principal, marking_for_report(r, index)):
            continue
        if shipped is not None:
            shipped.append(r.id)
        ident = identity_for(r.originator, r.ingested_at)
        if partner and ident["id"] != own_identity_id():
            ident = withheld_identity()  # the originator is not named to a partner
        if ident["id"] not in identities:
            identities.add(ident["id"])
            yield orjson.dumps(ident)
        levels.add(r.tlp)
        obj = report_to_stix(r, s, ident["id"])
        yield orjson.dumps(remark_for_partner(obj, partner, sensitive_for(conn, [r.id])
                                              .get(r.id)) if partner else obj)
    # What the objects above reference and the bundle does not hold yet: the two
    # identities a partner may be pointed at, TLP and allowed non-TLP definitions.
    wanted = (creators - identities) | tlp_ids | {TLP_IDS_V2[lv] for lv in levels} | kept
    for ref in sorted(wanted - stored_markings):
        found = reference_text(ref, defs.allowed)
        if found is not None:
            yield found.encode()


def write_bundle(conn: Connection, out: IO[bytes], principal: Principal | None = None,
                 include: Sequence[str] = ()) -> int:
    """Stream a bundle to ``out``; returns the number of objects written.

    With a principal the bundle is policy-filtered and the export is audited
    (the caller commits ``conn``). ``include`` adds ``threads`` (as groupings)
    and ``assessments`` (as notes), see ``stix_analysis``.
    """
    out.write(b'{"type":"bundle","id":"bundle--' + str(uuid.uuid4()).encode() + b'","objects":[')
    n = 0
    shipped: list[str] = []
    analysed: dict[str, list[str]] = {}
    withheld: dict[str, dict[str, str]] = {}
    if include:
        from tearline.share.stix_analysis import iter_with_analysis

        blobs = iter_with_analysis(conn, principal, include, shipped, analysed)
    else:
        blobs = iter_export(conn, principal, shipped, withheld)
    for blob in blobs:
        if n:
            out.write(b",\n")
        out.write(blob)
        n += 1
    out.write(b"]}\n")
    if principal is not None:
        from tearline.security.audit import record_now

        record_now(conn, actor_name(principal), "export.stix", "bundle", None, objects=n,
                   reports=shipped, markings_withheld=withheld, **analysed,
                   **viewed_as(principal))
    return n
