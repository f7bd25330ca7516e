"""Per-fragment uint32 arrays stored end to end, for indexes that keep one per fragment.

The origin index keeps, for every fragment ever added, a few short arrays of
hash values (the content-word MinHash, the shingle sample, the sentence
fingerprints). As separate numpy arrays each costs a 112-byte header besides
its values, which at a million fragments is several hundred megabytes of
headers. ``Ragged`` copies the values into large preallocated chunks and keeps
(chunk, start, length) per item; reading an item returns a view of its chunk,
so values are never copied back. Chunks are never resized, so views stay valid.
"""

from __future__ import annotations

from array import array

import numpy as np

__all__ = ["CHUNK", "Ragged"]

CHUNK = 1 << 18
"""Values per chunk (1 MB of uint32)."""


class Ragged:
    """An append-only list of uint32 arrays (or None), stored in shared chunks."""

    __slots__ = ("_chunk", "_chunks", "_used", "_where")

    def __init__(self, chunk: int = CHUNK) -> None:
        self._chunk = chunk
        self._chunks: list[np.ndarray] = []
        self._used = 0
        self._where = array("q")  # chunk, start, length per item; length -1 is None

    def __len__(self) -> int:
        return len(self._where) // 3

    def append(self, values: np.ndarray | None) -> None:
        if values is None:
            self._where.extend((0, 0, -1))
            return
        n = len(values)
        if not self._chunks or self._used + n > len(self._chunks[-1]):
            self._chunks.append(np.empty(max(self._chunk, n), dtype=np.uint32))
            self._used = 0
        start = self._used
        self._chunks[-1][start : start + n] = values
        self._used += n
        self._where.extend((len(self._chunks) - 1, start, n))

    def __getitem__(self, i: int) -> np.ndarray | None:
        where = self._where
        n = where[3 * i + 2]
        if n < 0:
            if i < 0 or 3 * i >= len(where):
                raise IndexError(i)
            return None
        start = where[3 * i + 1]
        return self._chunks[where[3 * i]][start : start + n]

    def array(self, i: int) -> np.ndarray:
        """Item ``i``, which must have been stored as an array."""
        got = self[i]
        if got is None:
            raise ValueError(f"item {i} was stored as None")
        return got
