"""Origin clusters: which fragments rest on the same upstream report.

Circular reporting makes one story look corroborated because it reached us
through several channels. Corroboration must therefore count *origins*, not
fragments (design invariant 3). Three kinds of evidence put fragments into
the same origin cluster, and each link keeps its kind, its score and the
passage that supports it, so an analyst can see why two reports were not
counted twice:

* **Near-duplicate text** (``near_duplicate``). Word 4-shingles of the
  casefolded, punctuation-free body are summarised by a datasketch
  ``MinHash`` (64 permutations). Candidates come from LSH banding (21 bands
  of 3 rows) and are confirmed when the Jaccard estimate reaches
  ``DUPLICATE_JACCARD``. The body is used without the headline, so a
  rewritten headline changes nothing.
* **Contained copy** (``containment``). A copy cut to half its source has a
  shingle Jaccard near 0.4 but prints the source's sentences. Sentence
  fingerprints (``passages``) are indexed by a bottom-k sample; a candidate
  is confirmed when at least ``CONTAINMENT_MIN_SHARED`` sentences, one of
  them not a quotation, are shared and they make up ``CONTAINMENT`` of the
  shorter fragment's sentences.
* **Attribution with a shared passage** (``attribution``). Phrases such as
  "according to X", "X told Reuters", a "(Reuters)" dateline or a
  ``Credit:`` line name a claimed source (``attribution.parse_attributions``);
  they are kept on the fragment for the analyst. Naming the same source, or
  crediting the outlet that published the other fragment, links two
  fragments only within ``ATTRIBUTION_WINDOW`` and only when they also print
  a sentence in common that is not a quotation: a wire service is credited
  by thousands of unrelated stories, and officials' quotes are printed by
  independent outlets. A fragment's own outlet is never its claimed source.

Links are symmetric and found through indexes that do not depend on insertion
order, so the partition is the same whatever order fragments arrive in;
cluster ids are the smallest member id for the same reason. Adding a fragment
costs one signature plus a few bucket lookups: nothing is recomputed.

The banding index is a flat ``dict`` rather than datasketch's ``MinHashLSH``:
that class keeps a ``set`` per bucket and measured 4.7 KB per key here, which
is 4.7 GB at a million fragments; the flat index needs about a tenth of that.
Thresholds were chosen by measurement on the tuning split of the syndication
benchmark (see ``docs/benchmarks-fusion.md``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

from tearline.fusion.attribution import Attribution, parse_attributions, source_key
from tearline.fusion.passages import Passages, normalize_text, passages, shared
from tearline.model.fragment import Fragment

__all__ = [
    "ATTRIBUTION_WINDOW",
    "CONTAINMENT",
    "CONTAINMENT_MIN_SHARED",
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
CONTAINMENT = 0.3  # chosen on the syndication tuning split (docs/benchmarks-fusion.md)
CONTAINMENT_MIN_SHARED = 2
ATTRIBUTION_WINDOW = timedelta(days=7)
PASSAGE_CHARS = 300
SAID_OVERLAP = 0.4
SAID_MIN_WORDS = 5
_LEAD_SENTENCES = 2
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
    """Why two fragments were put in the same origin cluster (the link's kind)."""

    NEAR_DUPLICATE = "near_duplicate"
    CONTAINMENT = "containment"
    ATTRIBUTION = "attribution"


@dataclass(frozen=True, slots=True)
class OriginLink:
    """One reason a fragment shares its origin with ``other``."""

    other: str
    kind: LinkReason
    score: float
    """Shingle Jaccard (near_duplicate), share of the shorter fragment's sentences
    printed by both (containment), or shared non-quote sentences (attribution)."""
    passage: str | None = None
    """A sentence both fragments print, as this fragment has it: the evidence."""
    key: str | None = None
    """Normalised claimed source behind an attribution link."""
    phrase: str | None = None
    """This fragment's attribution phrase, as written (attribution only)."""
    other_phrase: str | None = None

    @property
    def reason(self) -> LinkReason:
        """Older name of ``kind``."""
        return self.kind

    @property
    def jaccard(self) -> float:
        """Older name of ``score``."""
        return self.score

    def to_dict(self) -> dict[str, Any]:
        return {
            "other": self.other,
            "kind": self.kind.value,
            "score": self.score,
            "passage": self.passage,
            "key": self.key,
            "phrase": self.phrase,
            "other_phrase": self.other_phrase,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OriginLink:
        return cls(
            other=data["other"],
            kind=LinkReason(data.get("kind") or data["reason"]),
            score=data["score"] if "score" in data else data["jaccard"],
            passage=data.get("passage"),
            key=data.get("key"),
            phrase=data.get("phrase"),
            other_phrase=data.get("other_phrase"),
        )


_NO_PASSAGES = Passages(np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32))


class OriginIndex:
    """Incremental origin clustering over fragments.

    Keeps the LSH buckets, sentence-sample buckets, attribution buckets and a
    union-find, so each ``add`` costs a bounded number of lookups rather than
    a pass over all fragments seen so far.
    """

    def __init__(
        self,
        *,
        duplicate_jaccard: float = DUPLICATE_JACCARD,
        containment: float = CONTAINMENT,
        attribution_window: timedelta = ATTRIBUTION_WINDOW,
    ) -> None:
        self.duplicate_jaccard = duplicate_jaccard
        self.containment = containment
        self.attribution_window = attribution_window
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._sigs: list[np.ndarray | None] = []
        self._usigs: list[np.ndarray | None] = []
        self._passages: list[Passages] = []
        self._times: list[float] = []
        self._attrs: dict[int, tuple[Attribution, ...]] = {}
        self._outlets: dict[int, str] = {}
        self._said: dict[int, dict[str, np.ndarray]] = {}
        self._bands: dict[int, int | list[int]] = {}
        self._sent_buckets: dict[int, int | list[int]] = {}
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
        text = _dedup_text(fragment)
        sig, usig = signature_arrays(text)
        own = source_key(fragment.outlet) if fragment.outlet else None
        every = parse_attributions(fragment.text)
        attrs = tuple(a for a in every if a.key != own)
        found, sentences = passages(text)
        # What the fragment says each source said: every sentence naming it.
        said = {
            a.key: _content_words(_naming(a.key, a.sentence, sentences), a.key)
            for a in every
            if not a.is_wire_credit
        }
        if own and own not in said:
            lead = " ".join(list(sentences.values())[:_LEAD_SENTENCES])
            said[own] = _content_words(_naming(own, lead, sentences), own)
        said = {k: v for k, v in said.items() if len(v) >= SAID_MIN_WORDS}
        if said:
            self._said[len(self._ids)] = said
        return self._add(
            fragment.id, fragment.anchor_time.timestamp(), sig, usig, attrs, own, found,
            sentences, None,
        )  # fmt: skip

    def _add(
        self,
        fid: str,
        at: float,
        sig: np.ndarray | None,
        usig: np.ndarray | None,
        attrs: tuple[Attribution, ...],
        outlet: str | None,
        found_passages: Passages,
        sentences: dict[int, str],
        saved: list[OriginLink] | None,
    ) -> list[OriginLink]:
        i = len(self._ids)
        self._ids.append(fid)
        self._pos[fid] = i
        self._sigs.append(sig)
        self._usigs.append(usig)
        self._passages.append(found_passages)
        self._times.append(at)
        self._parent.append(i)
        self._root_min[i] = fid
        if attrs:
            self._attrs[i] = attrs
        if outlet:
            self._outlets[i] = outlet
        found: list[OriginLink] = []
        linked: set[int] = set()
        if sig is not None:
            for j in sorted(self._bucket_insert(self._bands, self._band_keys(sig), i)):
                jac = float(np.count_nonzero(sig == self._sigs[j])) / NUM_PERM
                if jac >= self.duplicate_jaccard and saved is None:
                    passage = self._passage(i, j, sentences, quotes=True)
                    link = OriginLink(self._ids[j], LinkReason.NEAR_DUPLICATE, jac, passage)
                    found.append(self._link(i, j, link))
                    linked.add(j)
        sample = found_passages.sample()
        if sample:
            for j in sorted(self._bucket_insert(self._sent_buckets, sample, i)):
                if saved is None and j not in linked:
                    contained = self._containment_link(i, j, sentences)
                    if contained is not None:
                        found.append(contained)
                        linked.add(j)
        keys = {a.key for a in attrs} | ({outlet} if outlet else set())
        if keys and usig is not None:
            attr_keys = self._attr_keys(keys, usig)
            for j in sorted(self._bucket_insert(self._attr_buckets, attr_keys, i)):
                if saved is not None or j in linked or self._find(j) == self._find(i):
                    # Already in this fragment's cluster: one recorded link
                    # explains the membership; checking more costs time
                    # and adds nothing a reader needs.
                    continue
                credited = self._attribution_link(i, j, sentences)
                if credited is not None:
                    found.append(credited)
        for old in saved or ():
            # Restoring: links were decided when first added; replay them.
            k = self._pos.get(old.other)
            if k is not None:
                self._link(i, k, old)
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

    def _passage(self, i: int, j: int, sentences: dict[int, str], *, quotes: bool) -> str | None:
        """The first sentence of fragment ``i`` that ``j`` prints too."""
        mine, theirs = self._passages[i], self._passages[j]
        common = shared(mine.all, theirs.all) if quotes else shared(mine.plain, theirs.plain)
        for h in sentences:
            if h in common:
                return sentences[h][:PASSAGE_CHARS]
        return None

    def _containment_link(self, i: int, j: int, sentences: dict[int, str]) -> OriginLink | None:
        mine, theirs = self._passages[i], self._passages[j]
        common = shared(mine.all, theirs.all)
        if len(common) < CONTAINMENT_MIN_SHARED or not len(shared(mine.plain, theirs.plain)):
            return None
        score = len(common) / min(len(mine.all), len(theirs.all))
        if score < self.containment:
            return None
        passage = self._passage(i, j, sentences, quotes=False)
        return self._link(i, j, OriginLink(self._ids[j], LinkReason.CONTAINMENT, score, passage))

    def _attribution_link(self, i: int, j: int, sentences: dict[int, str]) -> OriginLink | None:
        if abs(self._times[i] - self._times[j]) > self.attribution_window.total_seconds():
            return None
        mine = {a.key: a for a in self._attrs.get(i, ())}
        theirs = {a.key: a for a in self._attrs.get(j, ())}
        # A shared claimed source, or one fragment crediting the other's outlet.
        pairs = [(k, mine[k].phrase, theirs[k].phrase) for k in sorted(set(mine) & set(theirs))]
        if (out_j := self._outlets.get(j)) in mine:
            pairs.append((out_j, mine[out_j].phrase, f"published by {out_j}"))
        if (out_i := self._outlets.get(i)) in theirs:
            pairs.append((out_i, f"published by {out_i}", theirs[out_i].phrase))
        if not pairs:
            return None
        common = shared(self._passages[i].plain, self._passages[j].plain)
        if len(common):  # a sentence both print, not a quotation
            key, phrase, other_phrase = pairs[0]
            passage = self._passage(i, j, sentences, quotes=False)
            score = float(len(common))
        else:
            # No sentence in common: what each says the source said must agree.
            # Wire credits say only who supplied the copy, so they never get here.
            best = max(pairs, key=lambda p: self._said_overlap(i, j, p[0]))
            score = self._said_overlap(i, j, best[0])
            if score < SAID_OVERLAP:
                return None
            key, phrase, other_phrase = best
            passage = next(
                (a.sentence for a in self._attrs.get(i, ()) if a.key == key), None
            ) or None
        link = OriginLink(
            self._ids[j], LinkReason.ATTRIBUTION, score, passage, key, phrase, other_phrase,
        )  # fmt: skip
        return self._link(i, j, link)

    def _said_overlap(self, i: int, j: int, key: str) -> float:
        """Share of the shorter attributed passage's content words the other has."""
        a, b = self._said.get(i, {}).get(key), self._said.get(j, {}).get(key)
        if a is None or b is None:
            return 0.0
        return len(shared(a, b)) / min(len(a), len(b))

    def _link(self, i: int, j: int, link: OriginLink) -> OriginLink:
        """Record ``link`` on both fragments and merge their clusters."""
        self._links.setdefault(i, []).append(link)
        back = OriginLink(
            self._ids[i], link.kind, link.score, link.passage, link.key, link.other_phrase,
            link.phrase,
        )  # fmt: skip
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
                    "outlet": self._outlets.get(i),
                    "said": {k: v.tolist() for k, v in self._said.get(i, {}).items()},
                    "passages": self._passages[i].to_lists(),
                    "links": [
                        lk.to_dict() for lk in self._links.get(i, ()) if self._pos[lk.other] < i
                    ],
                }
            )
        return {
            "version": 2,
            "duplicate_jaccard": self.duplicate_jaccard,
            "containment": self.containment,
            "attribution_window_s": self.attribution_window.total_seconds(),
            "fragments": rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OriginIndex:
        """Restore an index saved by ``to_dict`` without re-deciding links."""
        index = cls(
            duplicate_jaccard=data["duplicate_jaccard"],
            containment=data.get("containment", CONTAINMENT),
            attribution_window=timedelta(seconds=data["attribution_window_s"]),
        )
        for row in data["fragments"]:
            sig = None if row["sig"] is None else np.array(row["sig"], dtype=np.uint32)
            usig = None if row["usig"] is None else np.array(row["usig"], dtype=np.uint32)
            # Version 1 counted the fragment's own outlet as a claimed source.
            attrs = tuple(
                a for a in map(Attribution.from_dict, row["attributions"]) if a.kind != "outlet"
            )
            links = [OriginLink.from_dict(lk) for lk in row["links"]]
            found = Passages.from_lists(*row["passages"]) if row.get("passages") else _NO_PASSAGES
            if row.get("said"):
                index._said[len(index._ids)] = {
                    k: np.array(v, dtype=np.uint32) for k, v in row["said"].items()
                }
            index._add(
                row["id"], row["at"], sig, usig, attrs, row.get("outlet"), found, {}, links
            )
        return index


_CONTENT = re.compile(r"[^\W\d_]{3,}")
_SAID_STOP_WORDS = (
    "according the and for with from that this was were are has have had will would been "
    "said says told its his her their they them who which what when where there than into "
    "over after before about not but also reported report citing seen reviewed"
)
_SAID_STOP = frozenset(_SAID_STOP_WORDS.split())


def _naming(key: str, first: str, sentences: dict[int, str]) -> str:
    found = [s for s in sentences.values() if key in s.casefold() and s != first]
    return " ".join([first, *found])


def _content_words(text: str, key: str) -> np.ndarray:
    """Hashes of the content words of an attributed passage, the source's name left out."""
    drop = _SAID_STOP | set(key.split())
    words = {w for w in _CONTENT.findall(text.casefold()) if w not in drop}
    return np.unique(np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint32))


def make_origin_index(fragments: Iterable[Fragment]) -> OriginIndex:
    """Build an index from a batch of fragments (convenience for tests and tools)."""
    index = OriginIndex()
    for fragment in fragments:
        index.add(fragment)
    return index
