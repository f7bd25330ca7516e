"""The fused picture assessment reads: fragments, mentions, origins, threads.

``tearline.pipeline`` owns fusion; this module only adapts it: a thread at
time T is the prefix of the run over fragments in arrival order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine

from tearline.fusion.origins import OriginIndex
from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention

__all__ = [
    "FusionStateSpec",
    "load_fusion_state",
    "make_replayer",
    "resolve_thread",
    "thread_at",
    "thread_fragments",
]


class FusionStateSpec(Protocol):
    """What assessment needs from the pipeline's state object."""

    fragments: dict[str, Fragment]
    mentions: dict[str, list[Mention]]
    origins: OriginIndex
    threads: ThreadIndex


def load_fusion_state(engine: Engine, as_of: datetime | None = None) -> FusionStateSpec:
    """The pipeline's state now (persisted, brought up to date) or replayed at ``as_of``."""
    from tearline.pipeline import load_state

    state: FusionStateSpec = load_state(engine, as_of=as_of)
    return state


def make_replayer(engine: Engine) -> Callable[[datetime | None], FusionStateSpec]:
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


def thread_at(state: FusionStateSpec, members: list[str]) -> str | None:
    """The thread holding the earliest of ``members`` present in ``state``.

    A thread id is its opening fragment's, and fusion never revisits earlier
    decisions, so this finds the same thread in an earlier replay.
    """
    for fid in members:
        if fid in state.fragments:
            return state.threads.thread_of(fid)
    return None


def resolve_thread(state: FusionStateSpec, ref: str) -> str:
    """A thread id from a thread id, fragment id, external id or exact title.

    Analysts quote report numbers, not thread ids, so any of them works.
    """
    ids = state.threads.thread_ids()
    if ref in ids:
        return ref
    for fid, frag in state.fragments.items():
        if ref in (fid, frag.external_id, frag.title):
            return state.threads.thread_of(fid)
    hits = [t for t in ids if ref in t]  # the short ids `tearline threads` prints
    if len(hits) == 1:
        return hits[0]
    # The same words as the stored lookup, ``fusion.query.find_thread``.
    raise KeyError(f"no thread or report matches {ref!r}; list threads with `tearline threads`"
                   if not hits else f"{ref!r} matches {len(hits)} threads; give more of the "
                   "thread id")


def thread_fragments(state: FusionStateSpec, thread_id: str) -> list[Fragment]:
    """The thread's fragments in arrival order."""
    return [state.fragments[i] for i in state.threads.fragments_of(thread_id)]
