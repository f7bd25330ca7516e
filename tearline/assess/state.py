"""The fused picture assessment reads: fragments, mentions, origins, threads.

Assessment is pure over this picture and never loads it itself: the whole
state comes from ``pipeline`` (a fuse run, or a replay as of a time), a
thread's slice of it from stored rows (``assess.query.thread_state``). Both
give the few calls spelled out below, so the judgement code cannot tell
them apart — and must not (a test compares the two on the demo).
A thread at time T is the prefix of the run over fragments in arrival order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from tearline.fusion.threads import ThreadView
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention

__all__ = [
    "FusionStateSpec",
    "OriginsSpec",
    "ReplaySpec",
    "ThreadsSpec",
    "resolve_thread",
    "thread_at",
    "thread_fragments",
]


class OriginsSpec(Protocol):
    """The origin clustering as assessment asks it: which cluster holds a fragment."""

    def cluster_of(self, fragment_id: str) -> str: ...


class ThreadsSpec(Protocol):
    """The thread index as assessment asks it (``fusion.threads.ThreadIndex`` answers)."""

    def view(self, thread_id: str, as_of: datetime | None = None) -> ThreadView: ...

    def thread_ids(self) -> list[str]: ...

    def fragments_of(self, thread_id: str) -> list[str]: ...

    def thread_of(self, fragment_id: str) -> str: ...


class FusionStateSpec(Protocol):
    """What assessment needs from a fused state, whole or one thread's slice."""

    @property
    def fragments(self) -> dict[str, Fragment]: ...

    @property
    def mentions(self) -> dict[str, list[Mention]]: ...

    @property
    def threads(self) -> ThreadsSpec: ...

    @property
    def origins(self) -> OriginsSpec: ...


ReplaySpec = Callable[[datetime | None], FusionStateSpec]
"""The fused state as of a time (None: as last fused); ``assess.query.make_replayer``."""


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
