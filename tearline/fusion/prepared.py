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
from collections.abc import Callable, Iterable, Iterator

from tearline.fusion.catalog import Catalog
from tearline.fusion.extract.batch import prepare_extract_then
from tearline.fusion.threads import FragmentFeatures, fragment_features
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention

__all__ = ["prepare_extract_features"]


def prepare_extract_features(
    fragments: Iterable[Fragment],
    catalog: Catalog | None,
    prepare: Callable[[Fragment], Fragment],
    *,
    origins: bool = True,
    workers: int | None = None,
) -> Iterator[tuple[Fragment, list[Mention], FragmentFeatures]]:
    """``(g, extract(g), fragment_features(g, …))`` with ``g = prepare(f)``, for every fragment.

    In input order, on ``workers`` processes (``extract.batch``'s pool and
    its rules: a fork server, batches under its serial threshold stay in
    this process). ``prepare`` must be a module-level function (it is
    pickled by name); ``origins=False`` leaves the origin features out, for
    an index that does not track origins.
    """
    return prepare_extract_then(fragments, catalog, prepare,
                                functools.partial(fragment_features, origins=origins),
                                workers=workers)
