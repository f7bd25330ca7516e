"""Extraction over many fragments on every core, results in input order.

Extraction is a pure function of a fragment's text, its date and the actor
catalog, so it parallelises across processes without coordination; the
caller keeps the single writer (thread index, store) in its own process and
consumes results in the order the fragments were given.

``fuse`` calls this inside its unit of work, which holds an open database
connection and the writer lock, so workers are never forked from the
calling process: they come from a fork server (a fresh interpreter that has
imported ``_preload``, so the gazetteers are built once) or, where there is
none, are spawned. Neither inherits the connection. The catalog is pickled
once per worker (about 0.7 MB). Small batches run in the calling process,
where a pool would cost more than it saves.

    for fragment, mentions in zip(frags, extract_many(frags, catalog)):
        index.add(fragment, mentions)

``prepare_and_extract`` also runs a preparing step (``fuse``: boilerplate off)
on the workers and yields the prepared fragment with its mentions. Texts go
out and mentions come back pickled: about 3 kB and 0.06 ms per article,
measured on ECB+, so the wire format was left alone.
"""

from __future__ import annotations

import functools
import gc
import itertools
import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from tearline import settings
from tearline.fusion.catalog import Catalog
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention

__all__ = ["default_workers", "extract_many", "prepare_and_extract", "prepare_extract_then"]

_T = TypeVar("_T")
_R = TypeVar("_R")

_SERIAL_BELOW = 256
_CHUNK = 32
_WINDOW = 64  # chunks in flight: bounds memory on endless inputs
_catalog: Catalog | None = None


def default_workers() -> int:
    """Worker processes to use: ``TEARLINE_EXTRACT_WORKERS`` or the usable cores."""
    configured = settings.extract_workers()
    if configured is not None:
        return configured
    import os

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _context() -> mp.context.BaseContext:
    """A start method that does not copy the caller's open connections into workers."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["tearline.fusion.extract._preload"])
        return ctx
    return mp.get_context("spawn")


def _init(catalog: Catalog | None) -> None:
    global _catalog
    _catalog = catalog
    _warm()
    # A worker now holds the gazetteers, word lists and catalog for its whole life:
    # millions of objects every full collection walked (about 7 % of a worker's time
    # on ECB+ articles). Frozen, the collector only walks what the chunks allocate.
    gc.freeze()


def _warm() -> None:
    """Build the gazetteer automaton and word lists before the first real text."""
    from tearline.fusion.extract import extract_text

    extract_text("President Anna Berg said in Paris.", datetime(2020, 1, 1), _catalog)


def _run(chunk: list[tuple[str, datetime]], catalog: Catalog | None) -> list[list[Mention]]:
    from tearline.fusion.extract import extract_text

    return [extract_text(text, anchor, catalog) for text, anchor in chunk]


def _run_prepared(
    chunk: list[Fragment], catalog: Catalog | None, prepare: Callable[[Fragment], Fragment],
    then: Callable[[Fragment, list[Mention]], Any] | None = None,
) -> list[tuple[Fragment | None, list[Mention], Any]]:
    """Prepare, extract, then ``then`` (if any); a fragment ``prepare`` left as it was
    comes back as None (sending it back would pickle its text twice)."""
    from tearline.fusion.extract import extract_text

    out: list[tuple[Fragment | None, list[Mention], Any]] = []
    for f in chunk:
        g = prepare(f)
        mentions = extract_text(g.text, g.anchor_time, catalog)
        out.append((None if g is f else g, mentions, then(g, mentions) if then else None))
    return out


def _in_worker(work: Callable[[list[_T], Catalog | None], list[_R]], chunk: list[_T]) -> list[_R]:
    """``work`` on a pool worker, with the catalog its initializer received."""
    return work(chunk, _catalog)


def _chunks(items: Iterator[_T], size: int) -> Iterator[list[_T]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _pooled(
    items: Iterable[_T],
    work: Callable[[list[_T], Catalog | None], list[_R]],
    catalog: Catalog | None,
    workers: int | None,
    chunksize: int,
    serial_below: int | None,
) -> Iterator[_R]:
    """``work`` over ``items`` in chunks, in order: in process when few, else on the pool."""
    items = iter(items)
    workers = default_workers() if workers is None else workers
    serial_below = _SERIAL_BELOW if serial_below is None else serial_below
    head = list(islice(items, serial_below))
    if workers <= 1 or len(head) < serial_below:
        for chunk in _chunks(itertools.chain(head, items), chunksize):
            yield from work(chunk, catalog)
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_init,
        initargs=(catalog,),
    ) as pool:
        pending = [pool.submit(_in_worker, work, c) for c in _chunks(iter(head), chunksize)]
        for chunk in _chunks(items, chunksize):
            if len(pending) >= _WINDOW:
                yield from pending.pop(0).result()
            pending.append(pool.submit(_in_worker, work, chunk))
        for future in pending:
            yield from future.result()


def extract_many(
    fragments: Iterable[Fragment],
    catalog: Catalog | None,
    *,
    workers: int | None = None,
    chunksize: int = _CHUNK,
    serial_below: int | None = None,
) -> Iterator[list[Mention]]:
    """``extract(fragment, catalog)`` for every fragment, in order, on ``workers`` processes.

    Fewer than ``serial_below`` fragments (default ``_SERIAL_BELOW``) are
    extracted in the calling process.
    """
    items = ((f.text, f.anchor_time) for f in fragments)
    return _pooled(items, _run, catalog, workers, chunksize, serial_below)


def prepare_and_extract(
    fragments: Iterable[Fragment],
    catalog: Catalog | None,
    prepare: Callable[[Fragment], Fragment],
    *,
    workers: int | None = None,
    chunksize: int = _CHUNK,
    serial_below: int | None = None,
) -> Iterator[tuple[Fragment, list[Mention]]]:
    """``(prepare(f), extract(prepare(f), catalog))`` for every fragment, in order.

    The same as preparing first and calling ``extract_many``, but the
    preparing (``fuse`` strips boilerplate) runs on the workers too: the
    fusing process is the pipeline's bottleneck, so what can leave it should.
    ``prepare`` must be a module-level function (it is pickled by name).
    """
    for g, mentions, _ in _prepared(fragments, catalog, prepare, None, workers, chunksize,
                                    serial_below):
        yield g, mentions


def prepare_extract_then(
    fragments: Iterable[Fragment],
    catalog: Catalog | None,
    prepare: Callable[[Fragment], Fragment],
    then: Callable[[Fragment, list[Mention]], _R],
    *,
    workers: int | None = None,
    chunksize: int = _CHUNK,
    serial_below: int | None = None,
) -> Iterator[tuple[Fragment, list[Mention], _R]]:
    """``prepare_and_extract`` plus ``then(g, mentions)`` computed on the worker too.

    For what a caller derives from a fragment and its mentions alone (the
    fusion indexes' per-fragment inputs): it leaves the calling process as
    well. ``then`` must pickle (a module-level function or a partial of one).
    """
    yield from _prepared(fragments, catalog, prepare, then, workers, chunksize, serial_below)


def _prepared(
    fragments: Iterable[Fragment],
    catalog: Catalog | None,
    prepare: Callable[[Fragment], Fragment],
    then: Callable[[Fragment, list[Mention]], Any] | None,
    workers: int | None,
    chunksize: int,
    serial_below: int | None,
) -> Iterator[tuple[Fragment, list[Mention], Any]]:
    frags = list(fragments) if not isinstance(fragments, list) else fragments
    work = functools.partial(_run_prepared, prepare=prepare, then=then)
    results = _pooled(frags, work, catalog, workers, chunksize, serial_below)
    for f, (changed, mentions, extra) in zip(frags, results, strict=True):
        yield (f if changed is None else changed), mentions, extra
