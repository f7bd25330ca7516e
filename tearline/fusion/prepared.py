"""Extraction and per-fragment fusion inputs on the worker processes, for ``fuse``.

``fuse`` has one writer: the process that holds the unit of work and attaches
fragments to threads in arrival order. Everything about a fragment that does
not depend on the indexes — boilerplate off, extraction, and then the inputs
``ThreadIndex.add`` reads (``threads.fragment_features``: signatures, shingle
sample, sentence passages, attributions, term weights, entity keys, timeline
events, casualty figures) — is a pure function of the fragment, so it runs on
``extract.batch``'s pool and comes back with the mentions, in order. The
writer then only files and compares. The result is the same for any number of
workers, and the same as ``ThreadIndex.add`` computing the features itself.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator

from tearline.fusion.catalog import Catalog
from tearline.fusion.extract import batch
from tearline.fusion.threads import FragmentFeatures, fragment_features
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention

__all__ = ["prepare_extract_features"]

Prepared = tuple[Fragment, list[Mention], FragmentFeatures]
_frozen = False


def _freeze_once() -> None:
    """On a pool worker, exempt what it holds before its first chunk from garbage collection.

    A worker starts with the gazetteers, word lists and catalog in memory —
    millions of objects that live as long as it does — and every full
    collection walked them all: about 7 % of a worker's time on ECB+
    articles. Frozen, the collector only walks what the chunks allocate.
    Never in the fusing process itself (``fuse`` pauses the collector its
    own way, for the length of the run).
    """
    global _frozen
    if not _frozen and mp.parent_process() is not None:
        gc.freeze()
    _frozen = True


def _run(
    chunk: list[Fragment],
    catalog: Catalog | None,
    prepare: Callable[[Fragment], Fragment],
    origins: bool,
) -> list[tuple[Fragment | None, list[Mention], FragmentFeatures]]:
    """Prepare, extract, derive; a fragment ``prepare`` left as it was comes back as None.

    Not sending an unchanged fragment back saves pickling its text twice.
    """
    from tearline.fusion.extract import extract_text

    _freeze_once()
    out: list[tuple[Fragment | None, list[Mention], FragmentFeatures]] = []
    for f in chunk:
        g = prepare(f)
        mentions = extract_text(g.text, g.anchor_time, catalog)
        features = fragment_features(g, mentions, origins=origins)
        out.append((None if g is f else g, mentions, features))
    return out


def prepare_extract_features(
    fragments: Iterable[Fragment],
    catalog: Catalog | None,
    prepare: Callable[[Fragment], Fragment],
    *,
    origins: bool = True,
    workers: int | None = None,
) -> Iterator[Prepared]:
    """``(g, extract(g), fragment_features(g, …))`` with ``g = prepare(f)``, for every fragment.

    In input order, on ``workers`` processes (``extract.batch``'s pool and
    its rules: a fork server, batches under its serial threshold stay in
    this process). ``prepare`` must be a module-level function (it is
    pickled by name); ``origins=False`` leaves the origin features out, for
    an index that does not track origins.
    """
    frags = fragments if isinstance(fragments, list) else list(fragments)
    work = functools.partial(_run, prepare=prepare, origins=origins)
    results = batch._pooled(frags, work, catalog, workers, batch._CHUNK, None)
    for f, (changed, mentions, features) in zip(frags, results, strict=True):
        yield (f if changed is None else changed), mentions, features
