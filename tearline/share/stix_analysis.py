"""Threads and assessments as STIX 2.1, for ``export --stix --include …``.

What fusion and assessment derive travels with the reports it rests on:

* a **thread** becomes a ``grouping`` (context ``suspicious-activity``) whose
  ``object_refs`` are its member reports, exactly those written in the same
  bundle, so no reference dangles;
* its latest stored **assessment** becomes a ``note`` on that grouping: the
  ICD 203 likelihood and its probability range in ``abstract`` and
  ``content`` (with the rationale), the STIX ``confidence`` on the
  Low/Med/High scale of STIX 2.1 Appendix A (15/50/85), and the numbers in
  a property extension (``ANALYSIS_EXTENSION``, its definition in the bundle),
  so these objects pass ``stix2-validator`` in strict mode.

Both are marked like any derived product (``releases.combine_markings``): the
most restrictive marking of the thread's members. For a principal the policy
applies as to reports: a thread is exported only if the principal may see it
(its members' combined marking, or a release of the thread itself), its
``object_refs`` name only the members the principal may see, and a partner
gets the same re-marking as every object (``remark.remark_for_partner``).
An assessment is judged on every member, so it goes only to a principal who
may see every member of the thread: its rationale counts them all. Partners
never get who changed an assessment.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from tearline import settings
from tearline.ingest.stix import TLP_IDS_V2
from tearline.security.instance import public_thread_ids
from tearline.share.policy import Principal, PrincipalKind, decide
from tearline.share.releases import combine_markings, load_index, marking_for_report
from tearline.share.remark import own_identity_id, remark_for_partner
from tearline.share.stix_export import identity_for, iter_export, tlp_marking_definition
from tearline.store import schema as S

__all__ = ["ANALYSIS_EXTENSION", "INCLUDE_CHOICES", "assessment_to_note", "extension_definition",
           "iter_with_analysis", "stable_id", "thread_grouping_id", "thread_to_grouping"]

#: What ``export --include`` accepts; assessments bring their threads along.
INCLUDE_CHOICES = ("threads", "assessments")
#: STIX 2.1 Appendix A, "Low, Med, High" scale.
_CONFIDENCE = {"low": 15, "moderate": 50, "high": 85}


def stable_id(kind: str, key: str) -> str:
    """A STIX id that is the same on every export of the same thing, in UUIDv4 form.

    A consumer then updates its copy instead of adding a duplicate. STIX asks
    SDO ids to be version 4 UUIDs; these are 122 bits of a SHA-256 of ``key``
    with the version and variant bits set, so they are well formed and stable.
    """
    digest = hashlib.sha256(f"tearline:{kind}:{key}".encode()).digest()
    return f"{kind}--{uuid.UUID(bytes=digest[:16], version=4)}"


#: Tearline's analysis properties travel in one property extension (STIX 2.1 §7.3),
#: so the objects validate strictly; its definition goes in every bundle using it.
ANALYSIS_EXTENSION = stable_id("extension-definition", "analysis/v1")


def extension_definition(creator: str) -> dict[str, Any]:
    """The extension-definition object for ``ANALYSIS_EXTENSION``."""
    return {"type": "extension-definition", "spec_version": "2.1", "id": ANALYSIS_EXTENSION,
            "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
            "created_by_ref": creator, "name": "Tearline analysis",
            "description": "Thread and assessment properties of Tearline groupings and notes: "
                           "thread id and status, fragment and independent-origin counts, "
                           "ICD 203 likelihood, probability and its range, version.",
            "schema": "https://tearline.invalid/stix/analysis-v1.json", "version": "1.0.0",
            "extension_types": ["property-extension"]}


def _ts(dt: datetime) -> str:
    when = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def thread_grouping_id(thread_id: str) -> str:
    """A stable STIX id for a thread (the same thread exports under the same id)."""
    return stable_id("grouping", thread_id)


def _tlp(level: str | None) -> str:
    return level if level in TLP_IDS_V2 else "red"  # an unknown level shares as the strictest


def _ext(props: dict[str, Any]) -> dict[str, Any]:
    return {ANALYSIS_EXTENSION: {"extension_type": "property-extension",
                                 **{k: v for k, v in props.items() if v is not None}}}


def thread_to_grouping(thread: Any, member_refs: list[str], marking: Any, creator: str,
                       *, detail: bool, public_id: str | None = None,
                       name: str | None = None) -> dict[str, Any]:
    """A thread row as a ``grouping``; ``detail`` adds the thread id, the analytic
    counts and our classification (local users only).

    ``public_id`` is the id interfaces show (``security.instance.public_thread_ids``):
    the stored id names the opening report, so the grouping's id and its
    ``thread_id`` derive from the public one; ``name`` replaces a title drawn
    from members the recipient may not see.
    """
    pid = public_id or thread.id
    props: dict[str, Any] = {"status": thread.status}
    if detail:
        state = thread.state or {}
        props.update(thread_id=pid, classification=marking.classification,
                     fragments=state.get("fragments", len(member_refs)),
                     independent_origins=state.get("independent_origins"))
    return {
        "type": "grouping", "spec_version": "2.1", "id": thread_grouping_id(pid),
        "created": _ts(thread.created_at), "modified": _ts(thread.updated_at),
        "name": name or thread.title or pid, "context": "suspicious-activity",
        "created_by_ref": creator, "object_refs": member_refs,
        "object_marking_refs": [TLP_IDS_V2[_tlp(marking.tlp)]], "extensions": _ext(props),
    }


def assessment_to_note(row: Any, marking: Any, creator: str, *, local: bool,
                       public_id: str | None = None) -> dict[str, Any]:
    """A stored assessment version as a ``note`` on its thread's grouping.

    ``local`` adds our classification, who changed it and why (never to a partner);
    ``public_id`` is the thread's public id, as in ``thread_to_grouping``.
    """
    pid = public_id or row.thread_id
    payload = dict(row.payload or {})
    prob_range = payload.get("probability_range")
    words = f"{row.likelihood}" + (f" ({prob_range})" if prob_range else "")
    lines = [f"Likelihood: {words}; confidence: {row.confidence}.",
             *(f"- {line}" for line in payload.get("rationale", ()))]
    props: dict[str, Any] = {
        "likelihood": row.likelihood, "probability_range": prob_range,
        "probability": round(float(payload.get("probability", 0.0)), 4),
        "version": row.version, "as_of": _ts(row.as_of)}
    if local:
        props.update(classification=marking.classification, changed_by=row.changed_by,
                     reason=row.reason)
    return {
        "type": "note", "spec_version": "2.1",
        "id": stable_id("note", f"{pid}#v{row.version}"),
        "created": _ts(row.computed_at), "modified": _ts(row.computed_at),
        "created_by_ref": creator, "authors": [settings.OWNER_AGENCY],
        "abstract": f"Assessment v{row.version}: {words}, {row.confidence} confidence",
        "content": "\n".join(lines), "object_refs": [thread_grouping_id(pid)],
        "confidence": _CONFIDENCE.get(str(row.confidence), 15),
        "object_marking_refs": [TLP_IDS_V2[_tlp(marking.tlp)]], "extensions": _ext(props),
    }


def _id_of(blob: bytes) -> tuple[str, str]:
    obj = orjson.loads(blob)
    return str(obj.get("type", "")), str(obj.get("id", ""))


def _latest_assessments(conn: Connection, thread_ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not thread_ids:
        return out
    rows = conn.execute(select(S.Assessment).where(S.Assessment.thread_id.in_(thread_ids))
                        .order_by(S.Assessment.thread_id, S.Assessment.version))
    for row in rows:
        out[row.thread_id] = row  # the last one per thread is the latest version
    return out


def _analysis(conn: Connection, principal: Principal | None, include: set[str],
              present: set[str], shipped: dict[str, list[str]]) -> Iterator[dict[str, Any]]:
    """Groupings and notes for what ``principal`` may see, members limited to ``present``."""
    partner = principal.id if principal is not None and \
        principal.kind is PrincipalKind.PARTNER else None
    members: dict[str, list[Any]] = defaultdict(list)
    q = (select(S.ThreadMember.thread_id, S.Report.id, S.Report.stix_id, S.Report.tlp,
                S.Report.classification, S.Report.releasability, S.Report.caveats,
                S.Report.category)
         .join(S.Report, S.Report.id == S.ThreadMember.report_id)
         .order_by(S.ThreadMember.added_at, S.ThreadMember.report_id))
    for row in conn.execute(q):
        members[row.thread_id].append(row)
    index = load_index(conn)
    threads = conn.execute(select(S.Thread).where(S.Thread.status != "retired")
                           .order_by(S.Thread.created_at, S.Thread.id)).all()
    latest = _latest_assessments(conn, [t.id for t in threads]) if "assessments" in include \
        else {}
    creator = own_identity_id()
    for t in threads:
        rows = members.get(t.id, [])
        if not rows:
            continue
        marks = [marking_for_report(r, index) for r in rows]
        every = combine_markings(marks)
        marking = combine_markings(marks, released_to=index.released_to(t.id))
        if principal is not None and not decide(principal, marking):
            continue
        refs = [r.stix_id or r.id for r, m in zip(rows, marks, strict=True)
                if (principal is None or decide(principal, m)) and (r.stix_id or r.id) in present]
        if not refs:
            continue  # a grouping needs members; none of them is in this bundle
        local = principal is None or principal.kind is PrincipalKind.USER
        pid = public_thread_ids(conn, [t.id])[t.id]
        shipped["threads"].append(pid)
        partial = principal is not None and any(not decide(principal, m) for m in marks)
        yield thread_to_grouping(t, refs, every, creator, detail=local, public_id=pid,
                                 name=f"Threat thread {pid[8:16]}" if partial else None)
        a = latest.get(t.id)
        if a is not None and (principal is None or decide(principal, every)):
            shipped["assessments"].append(f"{pid}#v{a.version}")
            yield assessment_to_note(a, every, creator, local=local and partner is None,
                                     public_id=pid)


def iter_with_analysis(conn: Connection, principal: Principal | None, include: Iterable[str],
                       shipped: list[str] | None = None,
                       analysed: dict[str, list[str]] | None = None) -> Iterator[bytes]:
    """``stix_export.iter_export``, then the threads and assessments asked for.

    ``analysed`` (if given) collects the thread ids and assessment versions
    written, for the audit record.
    """
    wanted = set(include)
    if "assessments" in wanted:
        wanted.add("threads")  # a note refers to its thread's grouping
    present: set[str] = set()
    tlps: set[str] = set()
    for blob in iter_export(conn, principal, shipped):
        kind, oid = _id_of(blob)
        present.add(oid)
        if kind == "marking-definition":
            tlps.add(oid)
        yield blob
    if not wanted:
        return
    partner = principal.id if principal is not None and \
        principal.kind is PrincipalKind.PARTNER else None
    out = analysed if analysed is not None else {}
    out.setdefault("threads", [])
    out.setdefault("assessments", [])
    pending_marks: set[str] = set()
    for obj in _analysis(conn, principal, wanted, present, out):
        if own_identity_id() not in present:
            present.add(own_identity_id())
            yield orjson.dumps(identity_for(settings.OWNER_AGENCY,
                                            datetime(2025, 1, 1, tzinfo=UTC)))
        if ANALYSIS_EXTENSION not in present:
            present.add(ANALYSIS_EXTENSION)
            yield orjson.dumps(extension_definition(own_identity_id()))
        final = remark_for_partner(obj, partner) if partner else obj
        pending_marks.update(final.get("object_marking_refs", ()))
        yield orjson.dumps(final)
    for level, mid in sorted(TLP_IDS_V2.items()):
        if mid in pending_marks and mid not in tlps:
            yield orjson.dumps(tlp_marking_definition(level))
