"""The fused picture assessment reads: fragments, mentions, origins, threads.

``tearline.pipeline`` owns fusion; when it is importable its ``load_state`` is
used. Until then (and for unit tests on hand-made fragments) ``build_state``
runs the public fusion functions over fragments in arrival order, which is
what the pipeline does too: a thread at time T is the prefix of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine

from tearline.fusion.origins import OriginIndex
from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention

__all__ = [
    "FusionState",
    "FusionStateSpec",
    "build_state",
    "load_fragments",
    "load_fusion_state",
    "make_replayer",
    "resolve_thread",
    "thread_at",
    "thread_fragments",
]

log = logging.getLogger(__name__)


class FusionStateSpec(Protocol):
    """What assessment needs from the pipeline's state object."""

    fragments: dict[str, Fragment]
    mentions: dict[str, list[Mention]]
    origins: OriginIndex
    threads: ThreadIndex


@dataclass
class FusionState:
    """A plain fused state, shaped like the pipeline's."""

    fragments: dict[str, Fragment]
    mentions: dict[str, list[Mention]]
    origins: OriginIndex
    threads: ThreadIndex


def _catalog() -> Any:
    try:
        from tearline.fusion.catalog import load_catalog

        return load_catalog()
    except Exception as exc:  # the actor lists are optional; fusion works without
        log.warning("no actor catalog (%s); actors are unresolved", exc)
        return None


def build_state(fragments: Iterable[Fragment], as_of: datetime | None = None) -> FusionState:
    """Fuse ``fragments`` received by ``as_of`` (all when None) in arrival order."""
    from tearline.fusion.extract import extract

    chosen = [f for f in fragments if as_of is None or f.received_at <= as_of]
    chosen.sort(key=lambda f: (f.received_at, f.id))
    catalog = _catalog()
    threads = ThreadIndex()
    mentions: dict[str, list[Mention]] = {}
    for f in chosen:
        mentions[f.id] = extract(f, catalog)
        threads.add(f, mentions[f.id])
    return FusionState({f.id: f for f in chosen}, mentions, threads.origins, threads)


def load_fragments(engine: Engine) -> list[Fragment]:
    """Every stored report as a plain fragment (no protected fields)."""
    from tearline.store.view import ReportFilter, list_reports, to_fragment

    with engine.connect() as conn:
        return [to_fragment(r, s) for r, s in list_reports(conn, ReportFilter())]


def load_fusion_state(engine: Engine, as_of: datetime | None = None) -> FusionStateSpec:
    """The pipeline's state when it exists, else one fused here."""
    try:
        from tearline.pipeline import load_state  # type: ignore[attr-defined]
    except ImportError:
        return build_state(load_fragments(engine), as_of)
    state: FusionStateSpec = load_state(engine, as_of=as_of)
    return state


def make_replayer(engine: Engine) -> Callable[[datetime | None], FusionStateSpec]:
    """A function giving the fused state as of any time, loading reports and catalog once.

    Look-back reports replay fusion at many times; re-reading the database
    and the actor catalog for each would dominate the cost.
    """
    fragments = load_fragments(engine)
    try:
        from tearline.pipeline import build_state as pipeline_build
        from tearline.pipeline import catalog_for
    except ImportError:
        return lambda at: build_state(fragments, at)
    with engine.connect() as conn:
        catalog, _ = catalog_for(conn)

    def replay(at: datetime | None) -> FusionStateSpec:
        chosen = sorted((f for f in fragments if at is None or f.received_at <= at),
                        key=lambda f: (f.received_at, f.id))
        state: FusionStateSpec = pipeline_build(chosen, catalog, as_of=at)
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
    if ref in state.threads.thread_ids():
        return ref
    for fid, frag in state.fragments.items():
        if ref in (fid, frag.external_id, frag.title):
            return state.threads.thread_of(fid)
    raise KeyError(f"no thread or fragment {ref!r}")


def thread_fragments(state: FusionStateSpec, thread_id: str) -> list[Fragment]:
    """The thread's fragments in arrival order."""
    return [state.fragments[i] for i in state.threads.fragments_of(thread_id)]
