"""Every thread's marking, computed by the database, memoised per process.

A thread's marking is ``releases.combine_markings`` over its members: the
highest TLP and classification, every caveat any member carries, REL TO only
the partners every member names. Building a ``Marking`` per member in Python
costs seconds at 100,000 members, so the ranks are aggregated in SQL (``max``
over a ``CASE`` rank) and Python only looks at the few members that carry
caveats or a REL TO list. A test checks the result against
``combine_markings`` on the sharing case table.

The memo is keyed by the fusion run and the releases, so it is rebuilt after
a fuse (also the one an ingest runs) or a release decision.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, String, case, cast, func, literal, select

from tearline.share.policy import CLASSIFICATION_ORDER, TLP_ORDER, Marking
from tearline.share.releases import load_index
from tearline.store import schema as S
from tearline.web.console.state_cache import state_key

_lock = threading.Lock()
_cache: dict[int, tuple[tuple[Any, ...], dict[str, Marking]]] = {}


def _rank(column: Any, order: tuple[str, ...], default: str) -> Any:
    """Position in ``order`` (None counts as ``default``, unknown values rank last)."""
    return case({v: i for i, v in enumerate(order)}, value=func.coalesce(column, literal(default)),
                else_=len(order))


def _key(conn: Connection) -> tuple[Any, ...]:
    rel = conn.execute(select(func.count(S.Release.id), func.max(S.Release.id),
                              func.max(S.Release.revoked_at))).first()
    # Membership changes only through fusion, which moves state_key.
    return (state_key(conn), tuple(str(v) for v in (rel or ())))


def compute_thread_markings(conn: Connection) -> dict[str, Marking]:
    """Each thread's combined marking, straight from the database (no memo)."""
    index = load_index(conn)
    tm, r = S.ThreadMember, S.Report
    has_rel = cast(r.releasability, String) != "[]"
    has_cav = cast(r.caveats, String) != "[]"
    agg = conn.execute(
        select(tm.thread_id,
               func.max(_rank(r.classification, CLASSIFICATION_ORDER, "UNCLASSIFIED")),
               # "amber" for an unmarked member, as combine_markings assumes
               func.max(_rank(r.tlp, TLP_ORDER, "amber")),
               func.count(), func.sum(case((has_rel, 1), else_=0)))
        .join(r, r.id == tm.report_id).group_by(tm.thread_id))
    ranks = {row[0]: (int(row[1]), int(row[2]), int(row[3]), int(row[4] or 0)) for row in agg}
    rel_sets: dict[str, list[frozenset[str]]] = defaultdict(list)
    caveats: dict[str, set[str]] = defaultdict(set)
    special = (select(tm.thread_id, r.releasability, r.caveats)
               .join(r, r.id == tm.report_id).where(has_rel | has_cav))
    for tid, rel, cav in conn.execute(special):
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
            releasability=rel, caveats=frozenset(caveats.get(tid, ())),
            released_to=index.released_to(tid))
    return out


def thread_markings(conn: Connection, engine_id: int) -> dict[str, Marking]:
    """``compute_thread_markings``, memoised until fusion or the releases change."""
    key = _key(conn)
    hit = _cache.get(engine_id)
    if hit is not None and hit[0] == key:
        return hit[1]
    with _lock:
        out = compute_thread_markings(conn)
        _cache[engine_id] = (key, out)
    return out


def drop(engine_id: int) -> None:
    """Forget one engine's markings (``state_cache.forget``)."""
    with _lock:
        _cache.pop(engine_id, None)
