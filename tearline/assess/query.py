"""The read side of assessment: a thread's slice of the fused state, from stored rows.

``assess``, ``alarms`` and ``ach`` judge one thread (and, for the alarms that
need context, the threads sharing an actor or a place with it). Loading the
whole fused state for that — every fragment, every mention and the saved
thread index — costs seconds at 100,000 fragments and grows with the store.
Fusion already stored everything a thread's judgement reads: its picture
(``threads.state``: fragments with grades, entity graph, timeline,
discrepancies; ``pipeline.thread_record``), its member rows, the members'
mentions and their origin clusters. ``thread_state`` reads just those rows
for the threads asked for and answers the calls assessment makes
(``assess.state.FusionStateSpec``) exactly as the whole state would: a test
compares both on every demo thread.

Two things are rebuilt rather than stored. The window status of a timeline
depends on the assessment time, so it is recomputed for ``as_of`` the way
``fusion.timeline.build_timeline`` decides it. The order of threads (the
index's opening order) is the opening fragment's fuse run, then its arrival
order, which is the order fusion processed them in.

``make_replayer`` is the other way to a state: fusion replayed over only what
had been received by a past time (``asof``, ``retro``, ``alarms --at``). That
is not stored, so it replays — once per process, reusing the loaded reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from tearline.assess.state import FusionStateSpec, ReplaySpec
from tearline.fusion.boilerplate import clean_fragment
from tearline.fusion.discrepancies import Discrepancy, ReportedValue
from tearline.fusion.threads import EntityGraph, ThreadView
from tearline.fusion.timeline import EventKind, TimelineEvent, WindowStatus
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind
from tearline.store import schema as S
from tearline.store.view import to_fragment

__all__ = [
    "StoredOrigins",
    "StoredState",
    "StoredThreads",
    "fused_fragment",
    "load_fusion_state",
    "make_replayer",
    "state_for",
    "thread_state",
]

_CHUNK = 500  # ids per IN list: well under SQLite's variable limit
_LINK_PREFIXES = ("actor:", "place:")  # the keys ``assess.review.neighbourhood`` links on


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i:i + _CHUNK])


class StoredOrigins:
    """Origin clusters as stored by fusion (``origin_clusters``)."""

    __slots__ = ("_cluster",)

    def __init__(self, cluster: dict[str, str]) -> None:
        self._cluster = cluster

    def cluster_of(self, fragment_id: str) -> str:
        """The fragment's origin cluster id (itself when fusion stored none)."""
        return self._cluster.get(fragment_id, fragment_id)


def _event(d: dict[str, Any], cutoff: str | None) -> TimelineEvent:
    kind = EventKind(d["kind"])
    status = WindowStatus(d["status"]) if d.get("status") else None
    end = d.get("end")
    if cutoff is not None and kind is EventKind.WINDOW and end is not None:
        # build_timeline's rule, for the assessment time instead of the newest fragment
        status = WindowStatus.LAPSED if end < cutoff else WindowStatus.OPEN
    return TimelineEvent(kind, d["date"], list(d["fragment_ids"]), list(d["cues"]), end, status)


def _discrepancy(d: dict[str, Any]) -> Discrepancy:
    return Discrepancy(d["subject"], [ReportedValue(v["value"], list(v["fragment_ids"]))
                                      for v in d["values"]])


class StoredThreads:
    """The thread-index calls assessment makes, answered from stored thread pictures."""

    __slots__ = ("_by_fragment", "_detail", "_order", "_origins")

    def __init__(self, order: list[str], detail: dict[str, dict[str, Any]],
                 origins: StoredOrigins) -> None:
        self._order = order
        self._detail = detail
        self._origins = origins
        self._by_fragment = {f["id"]: tid for tid in order for f in detail[tid]["fragments"]}

    def __len__(self) -> int:
        return len(self._order)

    def _of(self, thread_id: str) -> dict[str, Any]:
        d = self._detail.get(thread_id)
        if d is None:
            raise KeyError(f"no thread {thread_id!r}")
        return d

    def thread_ids(self) -> list[str]:
        """The threads read, in the order fusion opened them."""
        return list(self._order)

    def fragments_of(self, thread_id: str) -> list[str]:
        """Member ids in the order they joined (fusion's arrival order)."""
        return [f["id"] for f in self._of(thread_id)["fragments"]]

    def thread_of(self, fragment_id: str) -> str:
        tid = self._by_fragment.get(fragment_id)
        if tid is None:
            raise KeyError(f"fragment {fragment_id!r} is in no thread")
        return tid

    def view(self, thread_id: str, as_of: datetime | None = None) -> ThreadView:
        """The stored picture; window status judged at ``as_of`` when given."""
        d = self._of(thread_id)
        frags = [(f["id"], f["grade"]) for f in d["fragments"]]
        clusters: dict[str, list[str]] = {}
        for fid, _grade in frags:  # OriginIndex.group: first appearance order
            clusters.setdefault(self._origins.cluster_of(fid), []).append(fid)
        graph = d.get("entity_graph") or {}
        cutoff = as_of.date().isoformat() if as_of is not None else None
        return ThreadView(
            id=thread_id, fragments=frags, origin_clusters=clusters,
            independent_origins=len(clusters),
            entity_graph=EntityGraph(dict(graph.get("nodes") or {}),
                                     [(a, b, int(n)) for a, b, n in graph.get("edges") or []]),
            timeline=[_event(e, cutoff) for e in d.get("timeline") or []],
            discrepancies=[_discrepancy(x) for x in d.get("discrepancies") or []])


@dataclass
class StoredState:
    """A slice of the fused state: some threads, their fragments, mentions and origins."""

    fragments: dict[str, Fragment]
    mentions: dict[str, list[Mention]]
    threads: StoredThreads
    origins: StoredOrigins
    missing: list[str] = field(default_factory=list)
    """Threads asked for that have no stored picture (none, or written before 0006)."""


def _opening_order(conn: Connection, tids: Iterable[str]) -> list[str]:
    """Threads in the order fusion opened them: the opener's run, then its arrival."""
    wanted = list(tids)
    openers = {t.split(":", 1)[-1]: t for t in wanted}
    keys: dict[str, tuple[Any, ...]] = {}
    for chunk in _chunks(sorted(openers)):
        q = (select(S.ThreadMember.thread_id, S.ThreadMember.added_at, S.Report.received_at,
                    S.Report.id)
             .join(S.Report, S.Report.id == S.ThreadMember.report_id)
             .where(S.ThreadMember.report_id.in_(chunk)))
        for tid, added, received, rid in conn.execute(q):
            if openers.get(rid) == tid:
                keys[tid] = (added, received, rid)
    # A thread whose opener is gone (never, unless rows were edited) goes last.
    return sorted(wanted, key=lambda t: (0, *keys[t]) if t in keys else (1, t))


def _fragments(conn: Connection, ids: Sequence[str]) -> dict[str, Fragment]:
    """Fragments as fusion extracted from them (boilerplate off; mention offsets fit)."""
    out: dict[str, Fragment] = {}
    with Session(bind=conn) as session:
        for chunk in _chunks(ids):
            q = (select(S.Report, S.Source).join(S.Source, S.Report.source_id == S.Source.id)
                 .where(S.Report.id.in_(chunk)))
            for r, s in session.execute(q):
                out[r.id] = clean_fragment(to_fragment(r, s))
    return out


def _mentions(conn: Connection, ids: Sequence[str]) -> dict[str, list[Mention]]:
    out: dict[str, list[Mention]] = {i: [] for i in ids}
    for chunk in _chunks(ids):
        q = (select(S.Mention.report_id, S.Mention.kind, S.Mention.text, S.Mention.start,
                    S.Mention.end, S.Mention.value, S.Mention.confidence)
             .where(S.Mention.report_id.in_(chunk))
             .order_by(S.Mention.report_id, S.Mention.start, S.Mention.id))
        for m in conn.execute(q):
            value = m.value or {}
            out[m.report_id].append(Mention(MentionKind(m.kind), m.text, m.start, m.end,
                                            value.get("value"), m.confidence,
                                            value.get("detail") or {}))
    return out


def _clusters(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(select(S.OriginCluster.report_id, S.OriginCluster.cluster_id)
                            .where(S.OriginCluster.report_id.in_(chunk)))
        out.update((rid, cid) for rid, cid in rows)
    return out


def _details(conn: Connection, tids: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """Stored pictures of the threads that have members (the threads fusion holds)."""
    held = select(S.ThreadMember.thread_id).distinct()
    q = select(S.Thread.id, S.Thread.state).where(S.Thread.id.in_(held))
    rows: list[Any] = []
    if tids is None:
        rows = list(conn.execute(q))
    else:
        for chunk in _chunks(tids):
            rows += conn.execute(q.where(S.Thread.id.in_(chunk))).all()
    return {tid: dict((state or {}).get("detail") or {}) for tid, state in rows}


def _neighbours(conn: Connection, details: dict[str, dict[str, Any]]) -> set[str]:
    """Threads with a member mentioning an actor or place key of the given threads.

    A superset of ``review.neighbourhood`` (which then checks the stored graphs),
    found through the mention index instead of every thread's graph.
    """
    keys = sorted({k for d in details.values()
                   for k in (d.get("entity_graph") or {}).get("nodes") or {}
                   if k.startswith(_LINK_PREFIXES)})
    out: set[str] = set()
    for chunk in _chunks(keys):
        q = (select(S.ThreadMember.thread_id).distinct()
             .join(S.Mention, S.Mention.report_id == S.ThreadMember.report_id)
             .where(S.Mention.entity_id.in_(chunk)))
        out.update(conn.execute(q).scalars())
    return out


def _answers(conn: Connection, frags: dict[str, Fragment]) -> dict[str, Fragment]:
    """Fused responses naming a request among ``frags`` (the unanswered-request alarm)."""
    names = sorted({n for f in frags.values() if f.category == "request"
                    for n in (f.id, f.external_id) if n})
    ids: list[str] = []
    fused = select(S.ThreadMember.report_id)
    for chunk in _chunks(names):
        ids += conn.execute(select(S.Report.id).where(
            S.Report.in_reply_to.in_(chunk), S.Report.category == "response",
            S.Report.id.in_(fused))).scalars().all()
    return _fragments(conn, sorted(set(ids) - set(frags)))


def thread_state(conn: Connection, thread_ids: Sequence[str] | None = None, *,
                 neighbours: bool = False, texts: bool = True) -> StoredState:
    """The stored slice for ``thread_ids`` (None: every fused thread).

    ``neighbours`` adds the threads sharing an actor or a place with them, the
    context the dismissal, fatigue and disinformation alarms read. Without
    ``texts`` only the threads' pictures and origins are read (no fragments or
    mentions: enough for ``threads.view``, not for judging). Threads
    without a stored picture are listed in ``missing`` (the caller falls back
    to the whole state; see ``state_for``).
    """
    details = _details(conn, thread_ids)
    missing = [t for t, d in details.items() if "fragments" not in d]
    if thread_ids is not None:
        missing += [t for t in thread_ids if t not in details]
    if neighbours and thread_ids is not None:
        extra = sorted(_neighbours(conn, details) - set(details))
        details.update(_details(conn, extra))
        missing += [t for t in extra if "fragments" not in details.get(t, {})]
    details = {t: d for t, d in details.items() if "fragments" in d}
    order = _opening_order(conn, details)
    ids = [f["id"] for t in order for f in details[t]["fragments"]]
    fragments: dict[str, Fragment] = {}
    mentions: dict[str, list[Mention]] = {}
    if texts:
        loaded = _fragments(conn, ids)
        fragments = {i: loaded[i] for i in ids if i in loaded}  # the threads' order
        fragments.update(_answers(conn, fragments))
        mentions = _mentions(conn, ids)
    origins = StoredOrigins(_clusters(conn, ids))
    return StoredState(fragments, mentions, StoredThreads(order, details, origins),
                       origins, sorted(set(missing)))


def load_fusion_state(engine: Engine, as_of: datetime | None = None) -> FusionStateSpec:
    """The whole state: as last fused (read only), or replayed at ``as_of``."""
    from tearline.pipeline import load_state

    state: FusionStateSpec = load_state(engine, as_of=as_of)
    return state


def state_for(engine: Engine, thread_ids: Sequence[str] | None = None, *,
              neighbours: bool = False) -> FusionStateSpec:
    """``thread_state`` on its own connection, or the whole state if a picture is missing.

    Stores fused before pictures were kept (migration 0006) have thread rows
    without one until the next ``fuse --rebuild``; they are still answered,
    only slower.
    """
    with engine.connect() as conn:
        state = thread_state(conn, thread_ids, neighbours=neighbours)
    if state.missing:
        return load_fusion_state(engine)
    return state


def fused_fragment(conn: Connection, ref: str) -> tuple[Fragment, str] | None:
    """A fused fragment by id or external id (the earliest arrival), with its origin cluster."""
    q = (select(S.Report.id).join(S.ThreadMember, S.ThreadMember.report_id == S.Report.id)
         .where((S.Report.id == ref) | (S.Report.external_id == ref))
         .order_by(S.Report.received_at, S.Report.id).limit(1))
    rid = conn.execute(q).scalar()
    if rid is None:
        return None
    frag = _fragments(conn, [rid])[rid]
    return frag, _clusters(conn, [rid]).get(rid, rid)


def make_replayer(engine: Engine) -> ReplaySpec:
    """A function giving the fused state as of any time, loading reports and catalog once.

    Look-back reports replay fusion at many times; re-reading the database
    and the actor catalog for each would dominate the cost.
    """
    from tearline.pipeline import build_state, catalog_for, load_fragments

    with engine.connect() as conn:
        fragments = load_fragments(conn)
        catalog, _ = catalog_for(conn)

    def replay(at: datetime | None) -> FusionStateSpec:
        chosen = [f for f in fragments if at is None or f.received_at <= at]
        state: FusionStateSpec = build_state(chosen, catalog, as_of=at)
        return state

    return replay

