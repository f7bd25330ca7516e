"""Term weights from background word frequencies, not from the store.

Thread similarity is a TF-IDF cosine. With IDF computed over the store's own
history, a young store weighs a story's shared words least, because all of
its five articles use them: the venue, the actor and the city then drop out
of each article's top terms and only site furniture is left to compare
(issue 11, cause 3). Weights must say how informative a word is in general,
so the fifth document is weighed like the millionth.

The general figure comes from ``wordfreq`` (English word frequencies pooled
from several large public corpora, shipped inside the package, read once):
``-ln(frequency)``. A word wordfreq does not know (a rare name, a
transliteration, a synthetic token) is treated as rare unless the store has
seen it often: its weight is ``ln((n + BACKGROUND_DOCS) / (df + 0.5))``, the
IDF it would have in a corpus of ``BACKGROUND_DOCS`` documents that never
used it plus the store's ``n`` documents, ``df`` of which did. Either way a
weight never falls because the store is small.
"""

from __future__ import annotations

import math
from functools import lru_cache

__all__ = ["BACKGROUND_DOCS", "MAX_IDF", "background_frequencies", "background_idf", "idf"]

BACKGROUND_DOCS = 1_000_000
"""Pseudo-count of background documents behind a word wordfreq does not know."""
MAX_IDF = math.log(BACKGROUND_DOCS / 0.5)


@lru_cache(maxsize=1)
def background_frequencies() -> dict[str, float]:
    """wordfreq's English frequency table (about 320,000 words), loaded once."""
    from wordfreq import get_frequency_dict

    return dict(get_frequency_dict("en"))


@lru_cache(maxsize=1)
def background_idf() -> dict[str, float]:
    """``idf`` of every word wordfreq knows, computed once per process.

    Every fragment's terms are weighed on the extraction workers, and taking
    two logarithms per distinct term per article cost more than the lookup;
    the table is built where the workers' tables are (the pool's fork
    server), so they share it. The values are exactly ``idf``'s.
    """
    log = math.log
    return {w: min(MAX_IDF, -log(f)) for w, f in background_frequencies().items() if f > 0}


def idf(word: str, df: int, n: int, table: dict[str, float] | None = None) -> float:
    """Weight of a casefolded ``word``; ``df`` of the store's ``n`` documents used it."""
    freq = (table if table is not None else background_frequencies()).get(word)
    if freq is not None and freq > 0:
        return min(MAX_IDF, -math.log(freq))
    return math.log((n + BACKGROUND_DOCS) / (df + 0.5))
