"""Sentence fingerprints: the passages two reports print word for word.

A syndicated copy is often much shorter than its source (cut to half, a
paragraph dropped, the rest reordered), so its shingle Jaccard with the
source falls well below any safe near-duplicate threshold while nearly every
sentence it has is still the source's. Comparing sentences catches that:
each sentence of six or more words is casefolded, stripped of punctuation
and hashed, and two fragments' *containment* is the share of the shorter
one's sentences that the other also prints.

The same fingerprints are the textual evidence an attribution link needs:
two reports naming one source are one origin only when they share a passage
that is not a quotation (officials' quotes are printed verbatim by
independent outlets all the time, so a shared quote proves nothing).

Candidates are found without pairwise scans: each fragment is indexed under
its ``SAMPLE`` smallest sentence hashes (a bottom-k sample). If a copy holds
a fraction *c* of its source's sentences, the two samples share a key unless
none of the source's ``SAMPLE`` smallest sentences survived in the copy,
which happens with probability about (1 - c)^SAMPLE: 1.7 % at c = 0.4.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

import numpy as np

__all__ = ["MIN_WORDS", "SAMPLE", "Passages", "normalize_text", "passages", "shared"]

MIN_WORDS = 6
SAMPLE = 8
MAX_SENTENCES = 400

_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")
_SPLIT = re.compile(r"(?<=[.!?])[\"'”’]?\s+|\n+")
_CREDIT = re.compile(r"^[^()\n]{0,40}\([^()\n]{2,40}\)\s*[-\u2013\u2014:]\s*")
_QUOTE = re.compile(r"[\"“”]|``|''")


# ASCII punctuation (what ``_PUNCT`` matches) to spaces, for ``str.translate``.
_ASCII_PUNCT = {c: 32 for c in range(128) if _PUNCT.match(chr(c))}


def normalize_text(text: str) -> str:
    """Casefold, drop punctuation and collapse spaces.

    Wire copies differ in quotes, dashes, casing and spacing more than in
    words, so those differences must not count against similarity.

    This runs on every sentence of every fragment (passages) and on every
    whole text (signatures), so ASCII text, most of it, takes string methods
    instead of two regular-expression passes: NFKC leaves ASCII as it is,
    casefolding it is lower-casing, and turning each punctuation character
    into a space before collapsing the spaces gives what turning each run of
    them into one space does (``re``'s ``\\s`` and ``str.split`` agree on
    every ASCII character). ``_normalize_any`` is the general path.
    """
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_PUNCT).split())
    return _normalize_any(text)


def _normalize_any(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


class Passages:
    """One fragment's sentence hashes, sorted, with the non-quote subset."""

    __slots__ = ("all", "plain")

    def __init__(self, all_hashes: np.ndarray, plain: np.ndarray) -> None:
        self.all = all_hashes
        self.plain = plain

    def sample(self) -> list[int]:
        """The bottom-k keys this fragment is indexed under."""
        return [int(h) for h in self.all[:SAMPLE]]

    def to_lists(self) -> tuple[list[int], list[int]]:
        return self.all.tolist(), self.plain.tolist()

    @classmethod
    def from_lists(cls, all_hashes: list[int], plain: list[int]) -> Passages:
        return cls(np.array(all_hashes, dtype=np.uint32), np.array(plain, dtype=np.uint32))


_EMPTY = np.zeros(0, dtype=np.uint32)


def passages(text: str) -> tuple[Passages, dict[int, str]]:
    """Fingerprints of ``text``'s sentences, and each hash's sentence as written.

    The texts are returned separately so the index can keep only the hashes
    and still quote a shared passage at the moment it links two fragments.
    """
    sentences: dict[int, str] = {}
    plain: list[int] = []
    for raw in _SPLIT.split(text):
        sentence = raw.strip()
        if not sentence:
            continue
        norm = normalize_text(_CREDIT.sub("", sentence))
        if norm.count(" ") + 1 < MIN_WORDS:
            continue
        h = zlib.crc32(norm.encode())
        if h in sentences:
            continue
        sentences[h] = sentence
        if _QUOTE.search(sentence) is None:
            plain.append(h)
        if len(sentences) >= MAX_SENTENCES:
            break
    if not sentences:
        return Passages(_EMPTY, _EMPTY), sentences
    all_arr = np.unique(np.fromiter(sentences, dtype=np.uint32, count=len(sentences)))
    plain_arr = np.unique(np.array(plain, dtype=np.uint32)) if plain else _EMPTY
    if len(plain_arr) == len(all_arr):
        plain_arr = all_arr  # one array, not two, for the common case
    return Passages(all_arr, plain_arr), sentences


def shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hashes present in both sorted arrays."""
    if not len(a) or not len(b):
        return _EMPTY
    return np.intersect1d(a, b, assume_unique=True)
