"""Every thread's marking, computed by the database, memoised per process.

A thread's marking is ``releases.combine_markings`` over its members: the
highest TLP and classification, every caveat any member carries, REL TO only
the partners every member names. Building a ``Marking`` per member in Python
costs seconds at 100,000 members, so the ranks are aggregated in SQL (``max``
over a ``CASE`` rank) and Python only looks at the few members that carry
caveats or a REL TO list. A test checks the result against
``combine_markings`` on the sharing case table.

The memo is keyed by the fusion run and the releases. After a fuse only the
threads fusion changed (``threads.updated_at`` after the memo was made) are
aggregated again, so the first board after a fuse costs the new threads, not
the whole store; a release decision only re-applies the releases.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, String, case, cast, func, literal, select

from tearline.share.policy import CLASSIFICATION_ORDER, TLP_ORDER, Marking
from tearline.share.releases import load_index
from tearline.store import schema as S
from tearline.web.console.state_cache import state_key

_lock = threading.Lock()
_cache: dict[int, tuple[tuple[Any, ...], dict[str, Marking]]] = {}
_base: dict[int, tuple[Any, str, dict[str, Marking]]] = {}
"""Per engine: (threads' newest ``updated_at`` seen, database URL, markings without releases)."""


def _rank(column: Any, order: tuple[str, ...], default: str) -> Any:
    """Position in ``order`` (None counts as ``default``, unknown values rank last)."""
    return case({v: i for i, v in enumerate(order)}, value=func.coalesce(column, literal(default)),
                else_=len(order))


def _key(conn: Connection) -> tuple[Any, ...]:
    rel = conn.execute(select(func.count(S.Release.id), func.max(S.Release.id),
                              func.max(S.Release.revoked_at))).first()
    # Membership changes only through fusion, which moves state_key.
    return (state_key(conn), tuple(str(v) for v in (rel or ())))


def _aggregate(conn: Connection, thread_ids: list[str] | None) -> dict[str, Marking]:
    """Each thread's combined member marking, releases not yet applied."""
    tm, r = S.ThreadMember, S.Report
    has_rel = cast(r.releasability, String) != "[]"
    has_cav = cast(r.caveats, String) != "[]"
    agg_q = (select(tm.thread_id,
                    func.max(_rank(r.classification, CLASSIFICATION_ORDER, "UNCLASSIFIED")),
                    # "amber" for an unmarked member, as combine_markings assumes
                    func.max(_rank(r.tlp, TLP_ORDER, "amber")),
                    func.count(), func.sum(case((has_rel, 1), else_=0)))
             .join(r, r.id == tm.report_id).group_by(tm.thread_id))
    special = (select(tm.thread_id, r.releasability, r.caveats)
               .join(r, r.id == tm.report_id).where(has_rel | has_cav))
    chunks = [None] if thread_ids is None else [
        thread_ids[i:i + 500] for i in range(0, len(thread_ids), 500)]
    ranks: dict[str, tuple[int, int, int, int]] = {}
    rel_sets: dict[str, list[frozenset[str]]] = defaultdict(list)
    caveats: dict[str, set[str]] = defaultdict(set)
    for chunk in chunks:
        aq, sq = (agg_q, special) if chunk is None else (
            agg_q.where(tm.thread_id.in_(chunk)), special.where(tm.thread_id.in_(chunk)))
        for row in conn.execute(aq):
            ranks[row[0]] = (int(row[1]), int(row[2]), int(row[3]), int(row[4] or 0))
        for tid, rel, cav in conn.execute(sq):
            if rel:
                rel_sets[tid].append(frozenset(rel))
            caveats[tid].update(cav or ())
    out = {}
    for tid, (cls, tlp, n, with_rel) in ranks.items():
        rel = frozenset.intersection(*rel_sets[tid]) if with_rel == n and n else frozenset()
        out[tid] = Marking(
            tlp=TLP_ORDER[tlp] if tlp < len(TLP_ORDER) else "unknown",
            classification=(CLASSIFICATION_ORDER[cls] if cls < len(CLASSIFICATION_ORDER)
                            else "unknown"),
            releasability=rel, caveats=frozenset(caveats.get(tid, ())))
    return out


def _released(conn: Connection, base: dict[str, Marking]) -> dict[str, Marking]:
    # Releases naming threads, not every report's (the whole index past a few thousand).
    index = load_index(conn, base) if len(base) <= 2000 else load_index(conn)
    return {tid: replace(m, released_to=index.released_to(tid)) if index.released_to(tid)
            else m for tid, m in base.items()}


def compute_thread_markings(conn: Connection,
                            thread_ids: list[str] | None = None) -> dict[str, Marking]:
    """Each thread's combined marking (of ``thread_ids``, or all), from the database."""
    return _released(conn, _aggregate(conn, thread_ids))


def _newest(conn: Connection) -> Any:
    return conn.execute(select(func.max(S.Thread.updated_at))).scalar()


def thread_markings(conn: Connection, engine_id: int) -> dict[str, Marking]:
    """``compute_thread_markings``, memoised; after a fuse only changed threads are redone."""
    key = _key(conn)
    hit = _cache.get(engine_id)
    if hit is not None and hit[0] == key:
        return hit[1]
    with _lock:
        url = str(conn.engine.url)
        newest = _newest(conn)
        prior = _base.get(engine_id)
        if prior is not None and prior[1] == url and prior[0] is not None:
            changed = list(conn.execute(select(S.Thread.id)
                                        .where(S.Thread.updated_at >= prior[0])).scalars())
            base = dict(prior[2])
            for tid in changed:
                base.pop(tid, None)
            base.update(_aggregate(conn, changed))
        else:
            base = _aggregate(conn, None)
        _base[engine_id] = (newest, url, base)
        out = _released(conn, base)
        _cache[engine_id] = (key, out)
    return out


def drop(engine_id: int) -> None:
    """Forget one engine's markings (``state_cache.forget``)."""
    with _lock:
        _cache.pop(engine_id, None)
        _base.pop(engine_id, None)
