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

Thread ids. Fusion names a thread after the report that opened it
(``thread:report--…``), so showing that id to someone who may see the thread
but not its opening report gave the hidden report's id away. Every interface
therefore shows a thread as ``public_thread_id``: a uuid keyed by the instance
secret (``security.instance``), stable for the instance's life and saying
nothing about any report. ``find_thread`` with a principal resolves a public id
(or a unique part of one, among threads the caller may see), or a member
report's id, external id or title — only of a report the caller may see, which
is also how an old ``thread:report--…`` id still works for whoever may see
the opening report; for anyone else it is a thread that does not exist.

What a thread shows is computed over the members the caller may see: title,
first/last seen, sizes, status, origin clusters (named by a visible member),
origin links, timeline, discrepancies; the entity graph (counts over every member)
is withheld while any member is hidden.

Reads are audited as ``thread.list``, ``thread.read`` and ``thread.read.denied``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from sqlalchemy import Connection, func, or_, select

from tearline.errors import NotFoundError
from tearline.model.principal import viewed_as
from tearline.security.audit import record_now
from tearline.security.instance import known_public_ids, public_thread_ids
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
           "mentioned_actors", "public_thread_id", "public_thread_ids", "short_id",
           "show_thread", "titles_over", "unfused_count"]

OrderSpec = Literal["recent", "largest"]
_LISTED_STATE = ("fragments", "independent_origins", "first", "last")


class ThreadNotFound(NotFoundError):
    """No thread matches the reference (or none the caller may see); the message says why."""


def short_id(thread_id: str) -> str:
    """The first block of a thread id's uuid: easy to type."""
    tail = thread_id.split("--", 1)[-1]
    return tail.split("-", 1)[0]


def public_thread_id(conn: Connection, internal: str) -> str:
    """One thread's public id: what every interface shows and accepts."""
    return public_thread_ids(conn, [internal])[internal]


def _all_public(conn: Connection) -> dict[str, str]:
    """Public id → internal id of every stored thread (new threads minted on the way)."""
    public_thread_ids(conn, list(conn.execute(select(S.Thread.id)).scalars()))
    return known_public_ids(conn)


def find_thread(conn: Connection, ref: str, principal: Principal | None = None) -> str:
    """The stored (internal) thread id ``ref`` names.

    ``ref`` is a public thread id or a unique part of one (the short ids
    listings print), or a member report's id, external id, STIX id or exact
    title (analysts quote report numbers, not thread ids). With ``principal``,
    only threads and member reports that principal may see count, and an old
    internal id counts as its opening report's id: a reference to anything
    hidden fails exactly as a reference to nothing. Without it (the chain's
    own tools), the internal id is accepted too.
    """
    ref = ref.strip()
    public = _all_public(conn)  # the same work whatever ref names
    if ref in public:
        return _only([public[ref]], ref, conn, principal)
    if principal is None and conn.execute(select(S.Thread.id).where(S.Thread.id == ref)).first():
        return ref
    report_ref = ref.removeprefix("thread:")
    of_member = select(S.ThreadMember.thread_id, S.Report.id, S.Report.stix_id).join(
        S.Report, S.Report.id == S.ThreadMember.report_id)
    rows = conn.execute(of_member.where(or_(
        S.Report.id == report_ref, S.Report.external_id == report_ref,
        S.Report.stix_id == report_ref))).all()
    rows = _members_seen(conn, rows, principal)
    in_ids: list[str] = []
    if not rows:
        in_ids = sorted({t for p, t in public.items() if ref and ref in p})
    if not rows and not in_ids:  # titles are not indexed: only when no id matched
        rows = _members_seen(conn, conn.execute(of_member.where(S.Report.title == ref)).all(),
                             principal)
    if not rows and not in_ids and len(ref) >= 6:
        # A piece of a member report's id, such as an old short thread id (the first
        # block of its opening report's uuid): only reports the caller may see count.
        rows = _members_seen(conn, conn.execute(of_member.where(
            S.Report.id.contains(ref, autoescape=True)).limit(50)).all(), principal)
    by_member = sorted({r[0] for r in rows})
    if by_member:
        return _only(by_member, ref, conn, principal)
    return _only(in_ids, ref, conn, principal, short=True)


def _members_seen(conn: Connection, rows: Sequence[Any], principal: Principal | None
                  ) -> list[Any]:
    """The (thread, report) rows whose report ``principal`` may see."""
    if principal is None or not rows:
        return list(rows)
    by_thread, _ = _members(conn, sorted({r[0] for r in rows}))
    seen = {(tid, row.report_id) for tid, ms in by_thread.items() for row, m in ms
            if decide(principal, m)}
    return [r for r in rows if (r[0], r[1]) in seen]


def _only(hits: list[str], ref: str, conn: Connection, principal: Principal | None,
          short: bool = False) -> str:
    """The one hit the caller may see, or ``ThreadNotFound`` saying why in their terms."""
    if principal is not None and hits:
        by_thread, index = _members(conn, hits)
        hits = [t for t in hits if _visible_id(t, by_thread.get(t, []), principal, index)]
    if len(hits) > 1 and short:  # a short id is exact even when it occurs inside others
        pub = public_thread_ids(conn, hits)
        hits = [t for t in hits if short_id(pub[t]) == ref] or hits
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
                S.ThreadMember.reason, S.ThreadMember.added_at, S.Report.reported_at,
                S.Report.received_at, S.Report.id, S.Report.stix_id, S.Report.tlp,
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
    return _visible_id(t.id, members, principal, index)


def _visible_id(tid: str, members: list[tuple[Any, Marking]], principal: Principal,
                index: ReleaseIndex) -> bool:
    if not members:
        return principal.kind is PrincipalKind.USER
    marking = combine_markings((m for _, m in members), released_to=index.released_to(tid))
    return bool(decide(principal, marking))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _summary(conn: Connection, t: Any, members: list[tuple[Any, Marking]],
             principal: Principal, titles: dict[str, str] | None = None) -> dict[str, Any]:
    shown = [row for row, m in members if decide(principal, m)]
    pub = public_thread_id(conn, t.id)
    out: dict[str, Any] = {
        "id": pub, "short": short_id(pub), "title": t.title, "status": t.status,
        "created_at": _iso(t.created_at), "updated_at": _iso(t.updated_at),
        "members": [{"report_id": r.report_id, "score": r.score} for r in shown],
        "member_count": len(shown)}
    hidden = len(shown) < len(members)
    if hidden:
        # Nothing a hidden member changed: its entities in the title, its arrival
        # in the times, its anchor in first/last (the module docstring).
        out["title"] = (titles or {}).get(t.id) or _titles(conn, {t.id: shown})[t.id]
        joined = [r.added_at for r in shown if r.added_at is not None]
        out["created_at"] = _iso(min(joined)) if joined else None
        out["updated_at"] = _iso(max(joined)) if joined else None
        # The stored status is fusion's over every member; the visible ones say
        # only that the thread is live (a retired thread keeps no members).
        out["status"] = "open" if shown else None
    if principal.kind is PrincipalKind.USER:
        state = t.state or {}
        out["state"] = {k: state[k] for k in _LISTED_STATE if k in state}
        if hidden:
            anchors = [r.reported_at or r.received_at for r in shown]
            out["state"] = {"fragments": len(shown),
                            "independent_origins": _origin_count(conn, shown),
                            "first": _iso(min(anchors)) if anchors else None,
                            "last": _iso(max(anchors)) if anchors else None}
    return out


def _origin_count(conn: Connection, shown: list[Any]) -> int:
    from tearline.assess.corroboration import independent_origins

    origins = _origins(conn, sorted({r.report_id for r in shown}))
    clusters: dict[str, list[str]] = defaultdict(list)
    for r in shown:
        clusters[origins.get(r.report_id, (r.report_id, []))[0]].append(r.report_id)
    return independent_origins(clusters, {r.report_id: r.category for r in shown})


def _titles(conn: Connection, shown: dict[str, list[Any]]) -> dict[str, str]:
    return titles_over(conn, {t: [r.report_id for r in rows] for t, rows in shown.items()},
                       {r.report_id: r.title for rows in shown.values() for r in rows})


def titles_over(conn: Connection, shown: dict[str, list[str]],
                report_titles: dict[str, str]) -> dict[str, str]:
    """A title per thread from the given member reports only, as fusion's is from all.

    The strongest actor, place and venue among those members' mentions
    (counted once per report), else the first member's title.
    """
    ids = sorted({r for rows in shown.values() for r in rows})
    counts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    if ids:
        q = (select(S.Mention.report_id, S.Mention.kind, S.Mention.entity_id, S.Mention.text,
                    S.Entity.name)
             .outerjoin(S.Entity, S.Entity.id == S.Mention.entity_id)
             .where(S.Mention.report_id.in_(ids),
                    S.Mention.kind.in_(("actor", "place", "venue"))))
        seen: set[tuple[str, str, str]] = set()
        for rid, kind, _eid, text, name in conn.execute(q):
            label = name or text
            if (rid, kind, label) in seen:
                continue
            seen.add((rid, kind, label))
            counts[rid][(kind, label)] += 1
    out: dict[str, str] = {}
    for tid, rows in shown.items():
        total: Counter[tuple[str, str]] = Counter()
        for rid in rows:
            total.update(counts.get(rid, Counter()))
        parts = []
        for kind in ("actor", "place", "venue"):
            best = sorted(((-n, label) for (k, label), n in total.items() if k == kind))
            if best:
                parts.append(best[0][1])
        out[tid] = " · ".join(parts) or (report_titles.get(rows[0], "a thread")
                                         if rows else "a thread")
    return out


def list_threads(conn: Connection, principal: Principal, *, order: OrderSpec = "recent",
                 statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Threads ``principal`` may see, audited as one ``thread.list`` row.

    ``recent`` puts the last-changed first (the API's order); ``largest`` the
    threads with most visible members (the CLI's board).
    """
    members, index = _members(conn, None, load_index(conn))
    q = select(S.Thread).order_by(S.Thread.updated_at.desc(), S.Thread.id)
    seen = [t for t in conn.execute(q) if _visible(t, members.get(t.id, []), principal, index)]
    partial = {t.id: shown for t in seen
               if len(shown := [r for r, m in members.get(t.id, []) if decide(principal, m)])
               < len(members.get(t.id, []))}
    titles = _titles(conn, partial) if partial else {}
    items = [_summary(conn, t, members.get(t.id, []), principal, titles) for t in seen]
    if statuses is not None:  # on the status shown, so a filter tells no more than a row
        wanted = set(statuses)
        items = [d for d in items if d["status"] in wanted]
    if partial:  # the order may not tell when a hidden member last joined
        items.sort(key=lambda d: d["id"])
        items.sort(key=lambda d: d["updated_at"] or "", reverse=True)
    if order == "largest":
        items.sort(key=lambda d: (-d["member_count"], (d.get("state") or {}).get("first") or "",
                                  d["id"]))
    record_now(conn, actor_name(principal), "thread.list", "thread", None,
               ids=[d["id"] for d in items], **viewed_as(principal))
    return items


def get_thread(conn: Connection, ref: str, principal: Principal) -> dict[str, Any] | None:
    """One thread as ``principal`` may see it, audited as ``thread.read``; None if refused.

    ``ref`` is resolved by ``find_thread`` as ``principal``: an unknown,
    ambiguous or hidden reference raises ``ThreadNotFound`` (audited as
    ``thread.read.denied``, so the caller's transaction commits the audit row).
    """
    try:
        tid = find_thread(conn, ref, principal)
    except ThreadNotFound:
        record_now(conn, actor_name(principal), "thread.read.denied", "thread", ref[:200],
                   **viewed_as(principal))
        raise
    return show_thread(conn, tid, principal)


def show_thread(conn: Connection, tid: str, principal: Principal) -> dict[str, Any] | None:
    """The thread with internal id ``tid`` as ``principal`` may see it; None if refused.

    A refusal is audited as ``thread.read.denied`` and returns None; interfaces
    answer it exactly as an unknown thread, so a refusal reveals nothing.
    """
    t = conn.execute(select(S.Thread).where(S.Thread.id == tid)).one()
    by_thread, index = _members(conn, [tid])
    members = by_thread.get(tid, [])
    allowed = _visible(t, members, principal, index)
    record_now(conn, actor_name(principal), "thread.read" if allowed else "thread.read.denied",
               "thread", tid, **viewed_as(principal))
    if not allowed:
        return None
    out = _summary(conn, t, members, principal)
    if principal.kind is not PrincipalKind.USER:
        return out
    shown_rows = [row for row, m in members if decide(principal, m)]
    shown = {row.report_id for row in shown_rows}
    detail = _cut_detail(dict((t.state or {}).get("detail") or {}), shown_rows,
                         hidden=len(shown) < len(members))
    grades = {f["id"]: f["grade"] for f in detail.get("fragments", [])}
    origins = _origins(conn, sorted(shown))
    names = _cluster_names(shown_rows, origins)
    out.update(detail)
    out["members"] = [
        {"report_id": row.report_id, "score": row.score, "id": row.report_id,
         "grade": grades.get(row.report_id), "title": row.title, "originator": row.originator,
         "external_id": row.external_id,
         "origin_cluster": names[row.report_id],
         "origin_reasons": [link for link in origins.get(row.report_id, (row.report_id, []))[1]
                            if not isinstance(link, dict) or link.get("other") in shown],
         "attached": _attached(conn, row.reason)}
        for row in shown_rows]
    return out


def _cluster_names(shown: list[Any], origins: dict[str, tuple[str, list[Any]]]
                   ) -> dict[str, str]:
    """Each visible member's origin cluster, named by its first visible member.

    Fusion names a cluster by its smallest member id, which may be a report
    the caller cannot see.
    """
    cluster = {r.report_id: origins.get(r.report_id, (r.report_id, []))[0] for r in shown}
    first: dict[str, str] = {}
    for rid in sorted(cluster):
        first.setdefault(cluster[rid], rid)
    return {rid: (c if c in cluster else first[c]) for rid, c in cluster.items()}


def _cut_detail(detail: dict[str, Any], shown_rows: list[Any], hidden: bool) -> dict[str, Any]:
    """The stored analytic detail with only what the visible members support."""
    from tearline.assess.corroboration import independent_origins, is_evidence

    shown = {r.report_id for r in shown_rows}
    detail["fragments"] = [f for f in detail.get("fragments") or [] if f.get("id") in shown]
    clusters: dict[str, list[str]] = {}
    for members in (detail.get("origin_clusters") or {}).values():
        kept = sorted(f for f in members if f in shown)
        if kept:
            clusters[kept[0]] = kept
    detail["origin_clusters"] = clusters
    timeline = []
    for e in detail.get("timeline") or []:
        ids = [f for f in e.get("fragment_ids") or [] if f in shown]
        if ids:
            timeline.append({**e, "fragment_ids": ids})
    detail["timeline"] = timeline
    discrepancies = []
    for d in detail.get("discrepancies") or []:
        values = [{**v, "fragment_ids": ids} for v in d.get("values") or []
                  if (ids := [f for f in v.get("fragment_ids") or [] if f in shown])]
        if len(values) > 1:
            discrepancies.append({**d, "values": values})
    detail["discrepancies"] = discrepancies
    if hidden:
        categories = {r.report_id: r.category for r in shown_rows}
        detail["independent_origins"] = independent_origins(clusters, categories)
        detail["requests"] = sum(1 for r in shown_rows if not is_evidence(r.category))
        detail["entity_graph"] = {"nodes": {}, "edges": [], "withheld": (
            "counted over members you may not see; the members' own entities are in their "
            "reports")}
    return detail


def _origins(conn: Connection, ids: list[str]) -> dict[str, tuple[str, list[Any]]]:
    if not ids:
        return {}
    rows = conn.execute(select(S.OriginCluster.report_id, S.OriginCluster.cluster_id,
                               S.OriginCluster.reasons)
                        .where(S.OriginCluster.report_id.in_(ids)))
    return {r.report_id: (r.cluster_id, list(r.reasons or [])) for r in rows}


def _attached(conn: Connection, reason: str | None) -> dict[str, Any] | None:
    """Why a member joined its thread, as fusion recorded it.

    Fusion records the internal id of the thread the fragment joined; that id
    names a report, so it is shown as the thread's public id like everywhere else.
    """
    import orjson

    if not reason:
        return None
    try:
        value = orjson.loads(reason)
    except orjson.JSONDecodeError:
        # Rows written before migration 0006 hold a plain sentence, not JSON.
        return {"reason": reason}
    if not isinstance(value, dict):
        return {"reason": str(value)}
    if isinstance(value.get("thread"), str) and value["thread"].startswith("thread:"):
        value["thread"] = public_thread_id(conn, value["thread"])
    return value


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
