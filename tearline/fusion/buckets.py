"""Capped candidate buckets: how the origin index finds candidates without scans.

Every kind of origin evidence (MinHash bands, sentence samples, shingle
samples, attribution keys) is looked up the same way: a fragment is filed
under a few integer keys, and the fragments already filed under any of them
are its candidates. A bucket holds a bare ``int`` until it has a second
member, because most buckets never do and an int costs far less than a list;
a bucket keeps at most ``BUCKET_CAP`` members, newest last, because a crowded
bucket (a common phrase, a busy wire service) would otherwise make every new
fragment compare with all of its history. Older members are still reached
through their cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = [
    "BANDS", "BUCKET_CAP", "ROWS", "BucketSpec", "band_keys", "file_under", "insert", "look_up",
]

BUCKET_CAP = 32
BANDS, ROWS = 21, 3  # P(candidate) = 0.94 at J=0.5, 0.44 at J=0.3, 0.03 at J=0.1

BucketSpec = dict[int, int | list[int]]


def band_keys(sig: np.ndarray) -> list[int]:
    """LSH band keys of a MinHash signature (``BANDS`` bands of ``ROWS`` rows)."""
    return [hash((b, sig[b * ROWS : (b + 1) * ROWS].tobytes())) for b in range(BANDS)]


def look_up(index: BucketSpec, keys: Iterable[int], found: set[int]) -> None:
    """Add to ``found`` every member of the buckets ``keys`` name (read only)."""
    get = index.get
    for key in keys:
        cur = get(key)
        if cur is None:
            continue
        if isinstance(cur, int):
            found.add(cur)
        else:
            found.update(cur)


def file_under(index: BucketSpec, keys: Iterable[int], i: int) -> None:
    """File member ``i`` under ``keys``, keeping each bucket within ``BUCKET_CAP``."""
    for key in keys:
        cur = index.get(key)
        if cur is None:
            index[key] = i
        elif isinstance(cur, int):
            if cur != i:
                index[key] = [cur, i]
        elif cur[-1] != i:
            cur.append(i)
            if len(cur) > BUCKET_CAP:
                del cur[: len(cur) - BUCKET_CAP]


def insert(index: BucketSpec, keys: list[int], i: int) -> set[int]:
    """Members already under ``keys`` (the candidates), then file ``i`` under them."""
    seen: set[int] = set()
    look_up(index, keys, seen)
    file_under(index, keys, i)
    seen.discard(i)
    return seen
