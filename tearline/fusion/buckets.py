"""Capped candidate buckets: how the origin index finds candidates without scans.

Every kind of origin evidence (MinHash bands, sentence samples, shingle
samples, attribution keys) is looked up the same way: a fragment is filed
under a few integer keys, and the fragments already filed under any of them
are its candidates. A bucket keeps at most ``BUCKET_CAP`` members, newest
last, because a crowded bucket (a common phrase, a busy wire service) would
otherwise make every new fragment compare with all of its history. Older
members are still reached through their cluster.

Most buckets never get a second member, and a Python dict entry with its int
key costs 80-100 bytes: at a million fragments and ~17 keys each that was the
largest part of the origin index. So ``CappedBuckets`` keeps recent buckets in
a dict and, every ``FREEZE_AT`` new ones, moves them into sorted numpy runs
(key and member rows, 12 bytes a row) merged like a log-structured tree. A
frozen bucket that gets a new member goes back to the dict with its members
in their old order. Which members a lookup returns, and in what order a bucket
keeps them, is exactly what the plain dict gave (``tests/fusion/test_buckets.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

__all__ = [
    "BANDS",
    "BUCKET_CAP",
    "FREEZE_AT",
    "ROWS",
    "BucketSpec",
    "CappedBuckets",
    "band_keys",
    "file_under",
    "insert",
    "look_up",
]

BUCKET_CAP = 32
BANDS, ROWS = 21, 3  # P(candidate) = 0.94 at J=0.5, 0.44 at J=0.3, 0.03 at J=0.1
FREEZE_AT = 1 << 16
"""Buckets the dict may gain before they are moved into a sorted run."""

_Run = tuple[np.ndarray, np.ndarray]  # keys (int64, sorted), members (int32, -1 = moved back)


class CappedBuckets:
    """Integer-keyed buckets of member ids, recent ones in a dict, older ones in sorted runs."""

    __slots__ = ("_freeze_at", "_hot", "_limit", "_runs")

    def __init__(self, freeze_at: int = FREEZE_AT) -> None:
        self._hot: dict[int, int | list[int]] = {}
        self._runs: list[_Run] = []
        self._freeze_at = freeze_at
        self._limit = freeze_at

    def __len__(self) -> int:
        """Number of buckets holding at least one member."""
        frozen = sum(len(np.unique(k[v >= 0])) for k, v in self._runs)
        return len(self._hot) + frozen

    def values(self) -> Iterator[int | list[int]]:
        """Every bucket's members: an int for a single member, else a list, oldest first."""
        yield from self._hot.values()
        for keys, members in self._runs:
            live = members >= 0
            keys, members = keys[live], members[live]
            if not len(keys):
                continue
            starts: list[int] = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]).tolist()
            for a, b in zip(starts, [*starts[1:], len(keys)], strict=True):
                got = members[a:b].tolist()
                yield got[0] if len(got) == 1 else got

    # -- frozen runs ----------------------------------------------------

    def _frozen(self, keys: list[int]) -> Iterator[tuple[int, np.ndarray, int, int]]:
        """(position in ``keys``, run members, start, end) of each key found in a run."""
        if not self._runs or not keys:
            return
        wanted = np.array(keys, dtype=np.int64)
        for run_keys, members in self._runs:
            size = len(run_keys)
            if not size:
                continue
            lo = np.searchsorted(run_keys, wanted)
            hit = run_keys[np.minimum(lo, size - 1)] == wanted
            for k in np.flatnonzero(hit).tolist():
                start = end = int(lo[k])
                key = keys[k]
                while end < size and run_keys[end] == key:  # most buckets have one row
                    end += 1
                yield k, members, start, end

    def _freeze(self) -> None:
        rows_k: list[int] = []
        rows_m: list[int] = []
        for key, cur in self._hot.items():
            if isinstance(cur, int):
                rows_k.append(key)
                rows_m.append(cur)
            else:
                rows_k.extend([key] * len(cur))
                rows_m.extend(cur)
        keys = np.array(rows_k, dtype=np.int64)
        order = np.argsort(keys, kind="stable")  # stable: a bucket's members keep their order
        self._runs.append((keys[order], np.array(rows_m, dtype=np.int32)[order]))
        self._hot = {}
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (k1, m1), (k2, m2) = self._runs[-2], self._runs[-1]
            # A key is live in one place at most, so concatenating older run
            # first and sorting stably keeps every bucket's order.
            keys = np.concatenate([k1[m1 >= 0], k2[m2 >= 0]])
            members = np.concatenate([m1[m1 >= 0], m2[m2 >= 0]])
            order = np.argsort(keys, kind="stable")
            self._runs[-2:] = [(keys[order], members[order])]
        self._limit = self._freeze_at

    # -- the three operations -----------------------------------------------

    def look_up(self, keys: Iterable[int], found: set[int]) -> None:
        """Add to ``found`` every member of the buckets ``keys`` name (read only)."""
        get = self._hot.get
        missing: list[int] = []
        for key in keys:
            cur = get(key)
            if cur is None:
                missing.append(key)
            elif isinstance(cur, int):
                found.add(cur)
            else:
                found.update(cur)
        for _, members, lo, hi in self._frozen(missing):
            found.update(m for m in members[lo:hi].tolist() if m >= 0)

    def file_under(self, keys: Iterable[int], i: int) -> None:
        """File member ``i`` under ``keys``, keeping each bucket within ``BUCKET_CAP``."""
        keys = list(keys)
        hot = self._hot
        cold = [key for key in keys if key not in hot]
        for k, members, lo, hi in self._frozen(cold):
            got = [m for m in members[lo:hi].tolist() if m >= 0]
            if not got or cold[k] in hot:  # moved back already (a repeated key)
                continue
            members[lo:hi] = -1
            hot[cold[k]] = got[0] if len(got) == 1 else got
        for key in keys:
            cur = hot.get(key)
            if cur is None:
                hot[key] = i
            elif isinstance(cur, int):
                if cur != i:
                    hot[key] = [cur, i]
            elif cur[-1] != i:
                cur.append(i)
                if len(cur) > BUCKET_CAP:
                    del cur[: len(cur) - BUCKET_CAP]
        if len(hot) >= self._limit:
            self._freeze()

    def insert(self, keys: list[int], i: int) -> set[int]:
        """Members already under ``keys`` (the candidates), then file ``i`` under them."""
        seen: set[int] = set()
        self.look_up(keys, seen)
        self.file_under(keys, i)
        seen.discard(i)
        return seen


BucketSpec = CappedBuckets
"""Older name of ``CappedBuckets``."""


def band_keys(sig: np.ndarray) -> list[int]:
    """LSH band keys of a MinHash signature (``BANDS`` bands of ``ROWS`` rows)."""
    return [hash((b, sig[b * ROWS : (b + 1) * ROWS].tobytes())) for b in range(BANDS)]


def look_up(index: CappedBuckets, keys: Iterable[int], found: set[int]) -> None:
    """Add to ``found`` every member of the buckets ``keys`` name (read only)."""
    index.look_up(keys, found)


def file_under(index: CappedBuckets, keys: Iterable[int], i: int) -> None:
    """File member ``i`` under ``keys``, keeping each bucket within ``BUCKET_CAP``."""
    index.file_under(keys, i)


def insert(index: CappedBuckets, keys: list[int], i: int) -> set[int]:
    """Members already under ``keys`` (the candidates), then file ``i`` under them."""
    return index.insert(keys, i)
