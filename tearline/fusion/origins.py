"""Origin clusters: which fragments rest on the same upstream report.

Circular reporting makes one story look corroborated because it reached us
through several channels. Corroboration must therefore count *origins*, not
fragments (design invariant 3). Two kinds of evidence put fragments into the
same origin cluster, and each link is kept with its reason so an analyst can
see why two reports were not counted twice:

* **Near-duplicate text.** Word 4-shingles of the casefolded,
  punctuation-free body are summarised by a datasketch ``MinHash`` (64
  permutations). Candidates come from LSH banding (21 bands of 3 rows) and are
  confirmed when the Jaccard estimate reaches ``DUPLICATE_JACCARD``. The body
  is used without the headline, so a rewritten headline changes nothing.
* **Shared attribution.** Phrases such as "according to X", "X told Reuters",
  "reviewed by X", "citing X", a "(Reuters)" dateline or a ``Credit:`` line
  name the upstream source. Fragments naming the same source are linked only
  when they are also close in time (``ATTRIBUTION_WINDOW``) and share enough
  vocabulary (unigram MinHash, ``ATTRIBUTION_JACCARD``): a news agency is
  cited in thousands of unrelated stories, and linking them all would merge
  unrelated events into one origin.

Links are symmetric and found through indexes that do not depend on insertion
order, so the partition is the same whatever order fragments arrive in;
cluster ids are the smallest member id for the same reason. Adding a fragment
costs one signature plus a few bucket lookups: nothing is recomputed.

The banding index is a flat ``dict`` rather than datasketch's ``MinHashLSH``:
that class keeps a ``set`` per bucket and measured 4.7 KB per key here, which
is 4.7 GB at a million fragments; the flat index needs about a tenth of that.
Thresholds were chosen by measurement (see ``docs/benchmarks-fusion.md``).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

from tearline.fusion.attribution import Attribution, parse_attributions
from tearline.model.fragment import Fragment

__all__ = [
    "ATTRIBUTION_JACCARD",
    "ATTRIBUTION_WINDOW",
    "DUPLICATE_JACCARD",
    "Attribution",
    "LinkReason",
    "OriginIndex",
    "OriginLink",
    "make_origin_index",
    "normalize_text",
    "parse_attributions",
    "signature_arrays",
    "text_signature",
]

NUM_PERM = 64
BUCKET_CAP = 32
BANDS, ROWS = 21, 3  # P(candidate) = 0.94 at J=0.5, 0.44 at J=0.3, 0.03 at J=0.1
SHINGLE = 4
UNIGRAM_PERM = 32
ANCHORS = 8  # unigram minima used as attribution blocking keys
DUPLICATE_JACCARD = 0.5
ATTRIBUTION_JACCARD = 0.12
ATTRIBUTION_WINDOW = timedelta(days=7)

_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")
_SHINGLE_MULT = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint64)
_MASK32 = np.uint64(0xFFFFFFFF)
_STOP_WORDS = (
    "a an the and or but of to in on at for with by from as is was were be been are it its "
    "this that these those he she they his her their we our you i not have has had will would "
    "said says say after before over into about up out than who which what when where there"
)
_STOP = frozenset(_STOP_WORDS.split())

_word_cache: dict[str, int] = {}
_SEED_SHINGLE = MinHash(num_perm=NUM_PERM, seed=1)
_SEED_UNIGRAM = MinHash(num_perm=UNIGRAM_PERM, seed=2)
# The fast path reproduces datasketch's "affine32" scheme; any other scheme
# (a future default) falls back to datasketch itself.
_FAST = _SEED_SHINGLE.scheme == "affine32" == _SEED_UNIGRAM.scheme


def normalize_text(text: str) -> str:
    """Casefold, drop punctuation and collapse spaces.

    Wire copies differ in quotes, dashes, casing and spacing more than in
    words, so those differences must not count against similarity.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def _word_hashes(words: list[str]) -> np.ndarray:
    # Hashing each distinct word once and combining words arithmetically is
    # ~5x faster than hashing every shingle string with SHA-1, which matters
    # at a million fragments. crc32 is stable across processes, so saved
    # signatures stay comparable.
    cache = _word_cache
    if len(cache) > 2_000_000:
        cache.clear()
    out = []
    for w in words:
        h = cache.get(w)
        if h is None:
            h = cache[w] = zlib.crc32(w.encode())
        out.append(h)
    return np.array(out, dtype=np.uint64)


def _identity(value: int) -> int:
    return value


def _minhash(seed_hash: MinHash, values: np.ndarray) -> MinHash:
    m = seed_hash.copy()
    m.hashfunc = _identity
    if len(values):
        m.update_batch(values.tolist())
    return m


def _shingles_and_content(text: str) -> tuple[np.ndarray, np.ndarray] | None:
    words = normalize_text(text).split()
    if not words:
        return None
    hashes = _word_hashes(words)
    k = min(SHINGLE, len(words))
    n = len(words) - k + 1
    combined = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        combined += hashes[j : j + n] * _SHINGLE_MULT[j]
    shingles = np.unique(combined & _MASK32)
    keep = [len(w) > 2 and w not in _STOP for w in words]
    content = np.unique(hashes[np.array(keep, dtype=bool)])
    return shingles, content


def text_signature(text: str) -> tuple[MinHash | None, MinHash | None]:
    """Return the shingle MinHash and the content-word MinHash of ``text``.

    Either is None when the text has nothing to hash: an empty signature
    would look identical to every other empty one.
    """
    parts = _shingles_and_content(text)
    if parts is None:
        return None, None
    shingles, content = parts
    unigram = _minhash(_SEED_UNIGRAM, content) if len(content) else None
    return _minhash(_SEED_SHINGLE, shingles), unigram


def _fast_hashvalues(seed_hash: MinHash, values: np.ndarray) -> np.ndarray:
    """``_minhash(seed_hash, values).hashvalues`` without the per-value Python loop.

    datasketch hashes a batch value by value in Python before its numpy
    step; on 32-bit values that loop is most of the cost at a million
    fragments. This applies the same affine32 permutations in one numpy
    expression, and a test checks it against datasketch bit for bit, so
    signatures saved by either path stay comparable.
    """
    a, b = seed_hash.permutations
    hv = _fmix(values.astype(np.uint32), 32)[:, None]
    with np.errstate(over="ignore"):
        permuted = hv * a + b  # uint32 wraparound is the modulo, as in datasketch
    return np.minimum(seed_hash.hashvalues, permuted.min(axis=0))


def signature_arrays(text: str) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The hash values of ``text_signature(text)``, computed the fast way."""
    if not _FAST:
        sig, usig = text_signature(text)
        return (None if sig is None else sig.hashvalues), (
            None if usig is None else usig.hashvalues
        )
    parts = _shingles_and_content(text)
    if parts is None:
        return None, None
    shingles, content = parts
    unigram = _fast_hashvalues(_SEED_UNIGRAM, content) if len(content) else None
    return _fast_hashvalues(_SEED_SHINGLE, shingles), unigram


def _dedup_text(fragment: Fragment) -> str:
    """Body alone, unless it is too short to carry the story by itself."""
    body = fragment.body or ""
    return body if len(body.split()) >= 3 * SHINGLE else fragment.text


class LinkReason(StrEnum):
    """Why two fragments were put in the same origin cluster."""

    NEAR_DUPLICATE = "near_duplicate"
    ATTRIBUTION = "attribution"


@dataclass(frozen=True, slots=True)
class OriginLink:
    """One reason a fragment shares its origin with ``other``."""

    other: str
    reason: LinkReason
    jaccard: float
    """Jaccard estimate: of shingles for duplicates, of content words for attribution."""
    key: str | None = None
    """Normalised upstream source both fragments name (attribution only)."""
    phrase: str | None = None
    """This fragment's attribution phrase, as written (attribution only)."""
    other_phrase: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "other": self.other,
            "reason": self.reason.value,
            "jaccard": self.jaccard,
            "key": self.key,
            "phrase": self.phrase,
            "other_phrase": self.other_phrase,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OriginLink:
        return cls(
            other=data["other"],
            reason=LinkReason(data["reason"]),
            jaccard=data["jaccard"],
            key=data.get("key"),
            phrase=data.get("phrase"),
            other_phrase=data.get("other_phrase"),
        )


class OriginIndex:
    """Incremental origin clustering over fragments.

    Keeps the LSH buckets, attribution buckets and a union-find, so each
    ``add`` costs a bounded number of lookups rather than a pass over all
    fragments seen so far.
    """

    def __init__(
        self,
        *,
        duplicate_jaccard: float = DUPLICATE_JACCARD,
        attribution_jaccard: float = ATTRIBUTION_JACCARD,
        attribution_window: timedelta = ATTRIBUTION_WINDOW,
    ) -> None:
        self.duplicate_jaccard = duplicate_jaccard
        self.attribution_jaccard = attribution_jaccard
        self.attribution_window = attribution_window
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._sigs: list[np.ndarray | None] = []
        self._usigs: list[np.ndarray | None] = []
        self._times: list[float] = []
        self._attrs: dict[int, tuple[Attribution, ...]] = {}
        self._bands: dict[int, int | list[int]] = {}
        self._attr_buckets: dict[int, int | list[int]] = {}
        self._parent: list[int] = []
        self._root_min: dict[int, str] = {}
        self._links: dict[int, list[OriginLink]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, fragment_id: object) -> bool:
        return fragment_id in self._pos

    # -- adding -----------------------------------------------------------

    def add(self, fragment: Fragment) -> list[OriginLink]:
        """Index one fragment and return the links it formed (empty if none).

        Adding the same id twice is a no-op, so re-running ingestion is safe.
        """
        if fragment.id in self._pos:
            return []
        sig, usig = signature_arrays(_dedup_text(fragment))
        attrs = tuple(parse_attributions(fragment.text, outlet=fragment.outlet))
        return self._add(
            fragment.id,
            fragment.anchor_time.timestamp(),
            sig,
            usig,
            attrs,
            None,
        )

    def _add(
        self,
        fid: str,
        at: float,
        sig: np.ndarray | None,
        usig: np.ndarray | None,
        attrs: tuple[Attribution, ...],
        saved: list[OriginLink] | None,
    ) -> list[OriginLink]:
        i = len(self._ids)
        self._ids.append(fid)
        self._pos[fid] = i
        self._sigs.append(sig)
        self._usigs.append(usig)
        self._times.append(at)
        self._parent.append(i)
        self._root_min[i] = fid
        if attrs:
            self._attrs[i] = attrs
        found: list[OriginLink] = []
        if sig is not None:
            for j in self._bucket_insert(self._bands, self._band_keys(sig), i):
                jac = float(np.count_nonzero(sig == self._sigs[j])) / NUM_PERM
                if jac >= self.duplicate_jaccard and saved is None:
                    link = OriginLink(self._ids[j], LinkReason.NEAR_DUPLICATE, jac)
                    found.append(self._link(i, j, link))
        if attrs and usig is not None:
            keys = {a.key for a in attrs}
            for j in self._bucket_insert(self._attr_buckets, self._attr_keys(keys, usig), i):
                if saved is not None or (found and self._find(j) == self._find(i)):
                    # Already in this fragment's cluster: one recorded link
                    # explains the membership; checking more costs time
                    # and adds nothing a reader needs.
                    continue
                link = self._attribution_link(i, j)
                if link is not None:
                    found.append(link)
        for link in saved or ():
            # Restoring: links were decided when first added; replay them.
            j = self._pos.get(link.other)
            if j is not None:
                self._link(i, j, link)
        return found

    @staticmethod
    def _band_keys(sig: np.ndarray) -> list[int]:
        return [hash((b, sig[b * ROWS : (b + 1) * ROWS].tobytes())) for b in range(BANDS)]

    @staticmethod
    def _attr_keys(keys: Iterable[str], usig: np.ndarray) -> list[int]:
        anchors = usig[:ANCHORS].tolist()
        return [hash((k, p, v)) for k in sorted(keys) for p, v in enumerate(anchors)]

    @staticmethod
    def _bucket_insert(index: dict[int, int | list[int]], keys: list[int], i: int) -> set[int]:
        # Buckets keep at most BUCKET_CAP members, newest last. A bucket
        # holds a bare int until it has a second member: most buckets never
        # do, and an int costs far less than a list.
        seen: set[int] = set()
        for key in keys:
            cur = index.get(key)
            if cur is None:
                index[key] = i
            elif isinstance(cur, int):
                seen.add(cur)
                index[key] = [cur, i]
            else:
                seen.update(cur)
                cur.append(i)
                if len(cur) > BUCKET_CAP:
                    # A crowded bucket (a common word, a busy wire service)
                    # would make every new fragment compare with all of its
                    # history. Keeping the newest members bounds the cost;
                    # older copies are still reached through their cluster.
                    del cur[: len(cur) - BUCKET_CAP]
        seen.discard(i)
        return seen

    def _attribution_link(self, i: int, j: int) -> OriginLink | None:
        if abs(self._times[i] - self._times[j]) > self.attribution_window.total_seconds():
            return None
        ui, uj = self._usigs[i], self._usigs[j]
        if ui is None or uj is None:
            return None
        jac = float(np.count_nonzero(ui == uj)) / UNIGRAM_PERM
        if jac < self.attribution_jaccard:
            return None
        mine = {a.key: a for a in self._attrs.get(i, ())}
        theirs = {a.key: a for a in self._attrs.get(j, ())}
        shared = sorted(set(mine) & set(theirs))
        if not shared:
            return None
        key = shared[0]
        phrases = mine[key].phrase, theirs[key].phrase
        link = OriginLink(self._ids[j], LinkReason.ATTRIBUTION, jac, key, *phrases)
        return self._link(i, j, link)

    def _link(self, i: int, j: int, link: OriginLink) -> OriginLink:
        """Record ``link`` on both fragments and merge their clusters."""
        self._links.setdefault(i, []).append(link)
        phrases = link.other_phrase, link.phrase
        back = OriginLink(self._ids[i], link.reason, link.jaccard, link.key, *phrases)
        self._links.setdefault(j, []).append(back)
        ri, rj = self._find(i), self._find(j)
        if ri != rj:
            if ri > rj:
                ri, rj = rj, ri
            self._parent[rj] = ri
            self._root_min[ri] = min(self._root_min[ri], self._root_min.pop(rj))
        return link

    def _find(self, i: int) -> int:
        parent = self._parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    # -- reading ----------------------------------------------------------

    def cluster_of(self, fragment_id: str) -> str:
        """The origin cluster id: the smallest fragment id in the cluster."""
        return self._root_min[self._find(self._index(fragment_id))]

    def reasons(self, fragment_id: str) -> list[OriginLink]:
        """Every link that ties this fragment to another, with its evidence."""
        return list(self._links.get(self._index(fragment_id), ()))

    def attributions(self, fragment_id: str) -> tuple[Attribution, ...]:
        """The upstream sources this fragment names."""
        return self._attrs.get(self._index(fragment_id), ())

    def clusters(self) -> dict[str, list[str]]:
        """All clusters with more than one member, by cluster id."""
        groups: dict[str, list[str]] = {}
        for i, fid in enumerate(self._ids):
            groups.setdefault(self._root_min[self._find(i)], []).append(fid)
        return {cid: sorted(m) for cid, m in groups.items() if len(m) > 1}

    def group(self, fragment_ids: Iterable[str]) -> dict[str, list[str]]:
        """Partition the given fragments by origin cluster."""
        out: dict[str, list[str]] = {}
        for fid in fragment_ids:
            out.setdefault(self.cluster_of(fid), []).append(fid)
        return out

    def independent_origins(self, fragment_ids: Iterable[str]) -> int:
        """How many independent origins back these fragments.

        This, never the number of fragments, is what corroboration counts.
        """
        return len({self.cluster_of(fid) for fid in fragment_ids})

    def _index(self, fragment_id: str) -> int:
        try:
            return self._pos[fragment_id]
        except KeyError:
            raise KeyError(f"fragment {fragment_id!r} is not in the origin index") from None

    # -- persistence ------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain-data state; ``from_dict`` rebuilds the indexes from it."""
        rows = []
        for i, fid in enumerate(self._ids):
            sig, usig = self._sigs[i], self._usigs[i]
            rows.append(
                {
                    "id": fid,
                    "at": self._times[i],
                    "sig": None if sig is None else sig.tolist(),
                    "usig": None if usig is None else usig.tolist(),
                    "attributions": [a.to_dict() for a in self._attrs.get(i, ())],
                    "links": [
                        lk.to_dict() for lk in self._links.get(i, ()) if self._pos[lk.other] < i
                    ],
                }
            )
        return {
            "version": 1,
            "duplicate_jaccard": self.duplicate_jaccard,
            "attribution_jaccard": self.attribution_jaccard,
            "attribution_window_s": self.attribution_window.total_seconds(),
            "fragments": rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OriginIndex:
        """Restore an index saved by ``to_dict`` without re-deciding links."""
        index = cls(
            duplicate_jaccard=data["duplicate_jaccard"],
            attribution_jaccard=data["attribution_jaccard"],
            attribution_window=timedelta(seconds=data["attribution_window_s"]),
        )
        for row in data["fragments"]:
            sig = None if row["sig"] is None else np.array(row["sig"], dtype=np.uint32)
            usig = None if row["usig"] is None else np.array(row["usig"], dtype=np.uint32)
            attrs = tuple(Attribution.from_dict(a) for a in row["attributions"])
            links = [OriginLink.from_dict(lk) for lk in row["links"]]
            index._add(row["id"], row["at"], sig, usig, attrs, links)
        return index


def make_origin_index(fragments: Iterable[Fragment]) -> OriginIndex:
    """Build an index from a batch of fragments (convenience for tests and tools)."""
    index = OriginIndex()
    for fragment in fragments:
        index.add(fragment)
    return index
