"""The read side of fusion: one thread lookup, one listing, one show, for every interface.

The CLI, the REST API and the console all call these functions, so all three
answer from the same stored rows, cut by the same policy and audited the same
way. Nothing here replays fusion: ``threads.state`` holds what fusion computed
when it last changed the thread (``pipeline.thread_record``), so showing a
thread reads one thread row and its member rows, whatever the store's size.

A thread is derived from its members, so its marking is the most restrictive
of theirs unless an approver released the thread itself; a caller who may see
it is shown only the members they may see. Partners get the thread's title,
status and visible members, never the analytic detail. A thread without
member rows (retired by a rebuild) has no marking to judge, so only local
users see it.

Reads are audited as ``thread.list``, ``thread.read`` and ``thread.read.denied``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import Connection, func, or_, select

from tearline.errors import NotFoundError
from tearline.model.principal import viewed_as
from tearline.security.audit import record_now
from tearline.share.policy import Marking, Principal, PrincipalKind, decide
from tearline.share.releases import (
    ReleaseIndex,
    combine_markings,
    load_index,
    marking_for_report,
)
from tearline.store import schema as S
from tearline.store.view import actor_name

__all__ = ["OrderSpec", "ThreadNotFound", "find_thread", "get_thread", "list_threads",
           "mentioned_actors", "short_id", "unfused_count"]

OrderSpec = Literal["recent", "largest"]
_LISTED_STATE = ("fragments", "independent_origins", "first", "last")


class ThreadNotFound(NotFoundError):
    """No thread matches the reference (or none the caller may see); the message says why."""


def short_id(thread_id: str) -> str:
    """The first block of the fragment uuid that opened the thread: easy to type."""
    tail = thread_id.split("--", 1)[-1]
    return tail.split("-", 1)[0]


def find_thread(conn: Connection, ref: str) -> str:
    """A stored thread id from a thread id, a member report's id, external id or exact
    title, or a unique part of a thread id (the short ids listings print).

    Analysts quote report numbers, not thread ids, so any of them works.
    """
    ref = ref.strip()
    if conn.execute(select(S.Thread.id).where(S.Thread.id == ref)).first():
        return ref
    of_member = select(S.ThreadMember.thread_id).join(
        S.Report, S.Report.id == S.ThreadMember.report_id)
    by_member = sorted(set(conn.execute(of_member.where(or_(
        S.Report.id == ref, S.Report.external_id == ref, S.Report.stix_id == ref))).scalars()))
    in_ids = [] if by_member else sorted(conn.execute(
        select(S.Thread.id).where(S.Thread.id.contains(ref, autoescape=True))).scalars())
    if not by_member and not in_ids:  # titles are not indexed: only when no id matched
        by_member = sorted(set(conn.execute(of_member.where(S.Report.title == ref)).scalars()))
    hits = by_member or in_ids
    if len(hits) > 1:  # a short id is exact even when it also occurs inside other ids
        hits = [t for t in hits if short_id(t) == ref] or hits
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ThreadNotFound(f"no thread or report matches {ref!r}; list threads with "
                             "`tearline threads`")
    raise ThreadNotFound(f"{ref!r} matches {len(hits)} threads; give more of the thread id")


def unfused_count(conn: Connection) -> int:
    """Stored reports no thread holds yet: they arrived after the last ``fuse``.

    Fusion records how many fragments it placed; one count of the reports
    answers without joining the two tables.
    """
    placed = conn.execute(select(S.FusionState.fragment_count)
                          .where(S.FusionState.key == "threads")).scalar() or 0
    stored = conn.execute(select(func.count()).select_from(S.Report)).scalar_one()
    return max(0, int(stored) - int(placed))


def _members(conn: Connection, thread_ids: list[str] | None,
             index: ReleaseIndex | None = None,
             ) -> tuple[dict[str, list[tuple[Any, Marking]]], ReleaseIndex]:
    """Each thread's member rows with their report markings, in the order they joined.

    Without ``index``, the release index is loaded for just these threads and
    their members (one thread's show must not read every release).
    """
    q = (select(S.ThreadMember.thread_id, S.ThreadMember.report_id, S.ThreadMember.score,
                S.ThreadMember.reason, S.Report.id, S.Report.stix_id, S.Report.tlp,
                S.Report.classification, S.Report.releasability, S.Report.caveats,
                S.Report.category, S.Report.title, S.Report.originator,
                S.Report.external_id)
         .join(S.Report, S.Report.id == S.ThreadMember.report_id)
         .order_by(S.ThreadMember.added_at, S.ThreadMember.report_id))
    if thread_ids is not None:
        q = q.where(S.ThreadMember.thread_id.in_(thread_ids))
    rows = conn.execute(q).all()
    if index is None:
        index = load_index(conn, [*(thread_ids or ()), *(r.report_id for r in rows),
                                  *(r.stix_id for r in rows if r.stix_id)])
    out: dict[str, list[tuple[Any, Marking]]] = defaultdict(list)
    for row in rows:
        out[row.thread_id].append((row, marking_for_report(row, index)))
    return out, index


def _visible(t: Any, members: list[tuple[Any, Marking]], principal: Principal,
             index: ReleaseIndex) -> bool:
    if not members:
        return principal.kind is PrincipalKind.USER
    marking = combine_markings((m for _, m in members), released_to=index.released_to(t.id))
    return bool(decide(principal, marking))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _summary(t: Any, members: list[tuple[Any, Marking]], principal: Principal) -> dict[str, Any]:
    shown = [row for row, m in members if decide(principal, m)]
    out: dict[str, Any] = {
        "id": t.id, "short": short_id(t.id), "title": t.title, "status": t.status,
        "created_at": _iso(t.created_at), "updated_at": _iso(t.updated_at),
        "members": [{"report_id": r.report_id, "score": r.score} for r in shown],
        "member_count": len(shown)}
    if principal.kind is PrincipalKind.USER:
        state = t.state or {}
        out["state"] = {k: state[k] for k in _LISTED_STATE if k in state}
    return out


def list_threads(conn: Connection, principal: Principal, *, order: OrderSpec = "recent",
                 statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Threads ``principal`` may see, audited as one ``thread.list`` row.

    ``recent`` puts the last-changed first (the API's order); ``largest`` the
    threads with most visible members (the CLI's board).
    """
    members, index = _members(conn, None, load_index(conn))
    q = select(S.Thread).order_by(S.Thread.updated_at.desc(), S.Thread.id)
    if statuses is not None:
        q = q.where(S.Thread.status.in_(list(statuses)))
    items = [_summary(t, members.get(t.id, []), principal)
             for t in conn.execute(q)
             if _visible(t, members.get(t.id, []), principal, index)]
    if order == "largest":
        items.sort(key=lambda d: (-d["member_count"], (d.get("state") or {}).get("first") or "",
                                  d["id"]))
    record_now(conn, actor_name(principal), "thread.list", "thread", None,
               ids=[d["id"] for d in items], **viewed_as(principal))
    return items


def get_thread(conn: Connection, ref: str, principal: Principal) -> dict[str, Any] | None:
    """One thread as ``principal`` may see it, audited as ``thread.read``; None if refused.

    A refusal is audited as ``thread.read.denied`` and returns None (so the
    caller's transaction commits the audit row); an unknown or ambiguous
    reference raises ``ThreadNotFound``. Interfaces answer both the same way
    to partners, so a refusal reveals nothing.
    """
    tid = find_thread(conn, ref)
    t = conn.execute(select(S.Thread).where(S.Thread.id == tid)).one()
    by_thread, index = _members(conn, [tid])
    members = by_thread.get(tid, [])
    allowed = _visible(t, members, principal, index)
    record_now(conn, actor_name(principal), "thread.read" if allowed else "thread.read.denied",
               "thread", tid, **viewed_as(principal))
    if not allowed:
        return None
    out = _summary(t, members, principal)
    if principal.kind is not PrincipalKind.USER:
        return out
    detail = dict((t.state or {}).get("detail") or {})
    grades = {f["id"]: f["grade"] for f in detail.get("fragments", [])}
    shown = {row.report_id for row, m in members if decide(principal, m)}
    origins = _origins(conn, sorted(shown))
    out.update(detail)
    out["members"] = [
        {"report_id": row.report_id, "score": row.score, "id": row.report_id,
         "grade": grades.get(row.report_id), "title": row.title, "originator": row.originator,
         "external_id": row.external_id,
         "origin_cluster": origins.get(row.report_id, (row.report_id, []))[0],
         "origin_reasons": origins.get(row.report_id, (row.report_id, []))[1],
         "attached": _attached(row.reason)}
        for row, _m in members if row.report_id in shown]
    return out


def _origins(conn: Connection, ids: list[str]) -> dict[str, tuple[str, list[Any]]]:
    if not ids:
        return {}
    rows = conn.execute(select(S.OriginCluster.report_id, S.OriginCluster.cluster_id,
                               S.OriginCluster.reasons)
                        .where(S.OriginCluster.report_id.in_(ids)))
    return {r.report_id: (r.cluster_id, list(r.reasons or [])) for r in rows}


def _attached(reason: str | None) -> dict[str, Any] | None:
    import orjson

    if not reason:
        return None
    try:
        value = orjson.loads(reason)
    except orjson.JSONDecodeError:
        # Rows written before migration 0006 hold a plain sentence, not JSON.
        return {"reason": reason}
    return value if isinstance(value, dict) else {"reason": str(value)}


def mentioned_actors(conn: Connection) -> list[dict[str, Any]]:
    """Actors the fused fragments mention: most mentioned first, with the forms seen.

    Read from the stored actor mentions (the ``entity_id`` index), not the
    fused state; ties keep the order of first mention in fusion's arrival
    order, as counting over the fused state did. Names and kinds come from
    the catalog with the analysts' decisions applied.
    """
    from collections import Counter

    from tearline.pipeline import catalog_for

    q = (select(S.Mention.entity_id, S.Mention.value, S.Mention.text)
         .join(S.Report, S.Report.id == S.Mention.report_id)
         .where(S.Mention.kind == "actor")
         .order_by(S.Report.received_at, S.Report.id, S.Mention.start, S.Mention.id))
    counts: Counter[str] = Counter()
    forms: dict[str, set[str]] = {}
    for eid, value, text in conn.execute(q):
        aid = eid.split(":", 1)[1] if eid else str((value or {}).get("value"))
        counts[aid] += 1
        forms.setdefault(aid, set()).add(text)
    catalog, _ = catalog_for(conn)
    rows: list[dict[str, Any]] = []
    for aid, n in counts.most_common():
        actor = catalog.get(aid)
        rows.append({"id": aid, "name": actor.name if actor else aid, "mentions": n,
                     "kind": actor.kind if actor else "candidate",
                     "forms_seen": sorted(forms[aid])})
    return rows
