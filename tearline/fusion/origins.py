"""Origin clusters: which fragments rest on the same upstream report.

Circular reporting makes one story look corroborated because it reached us
through several channels. Corroboration must therefore count *origins*, not
fragments (design invariant 3). Three kinds of evidence put fragments into
the same origin cluster, and each link keeps its kind, its score and the
passage that supports it (``origin_links.OriginLink``), so an analyst can see
why two reports were not counted twice:

* **Near-duplicate text** (``near_duplicate``). Word 4-shingles of the
  casefolded, punctuation-free body are summarised by a MinHash
  (``signatures``, 64 permutations). Candidates come from LSH banding
  (``buckets``, 21 bands of 3 rows) and are confirmed when the Jaccard
  estimate reaches ``DUPLICATE_JACCARD``. The body is used without the
  headline, so a rewritten headline changes nothing.
* **Contained copy** (``containment``). A copy cut to half its source has a
  shingle Jaccard near 0.4 but prints the source's words. Two measures find
  it. Sentence fingerprints (``passages``): at least
  ``CONTAINMENT_MIN_SHARED`` sentences, one of them not a quotation, making
  up ``CONTAINMENT`` of the shorter fragment's sentences. And, for copies
  whose sentences were re-punctuated or lightly edited, shingle containment
  over a hash-residue sample of the shingles (``signatures.shingle_sample``,
  one in two, cut to the range both samples cover by ``signatures.comparable``):
  ``SHINGLE_CONTAINMENT`` of the shorter fragment's sampled shingles are the
  other's; a text with too few sampled shingles for a ratio (down to
  ``SHORT_MIN_SAMPLE``) must be contained whole and share a plain sentence.
  Both are looked up through bottom-k keys, never by a scan; a pair the
  shingle keys miss (a short copy arriving after its long source) is still
  judged by shingles when a sentence key brings it up.
* **Attribution with a shared passage** (``attribution``). Phrases such as
  "according to X", "X told Reuters", a "(Reuters)" dateline or a
  ``Credit:`` line name a claimed source (``attribution.parse_attributions``);
  they are kept on the fragment for the analyst. Naming the same source, or
  crediting the outlet that published the other fragment, links two
  fragments only within ``ATTRIBUTION_WINDOW`` and only when they also print
  a sentence in common that is not a quotation, or attribute the same words
  to the source (``attribution.said_words``): a wire service is credited by
  thousands of unrelated stories, and officials' quotes are printed by
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

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from tearline.fusion import buckets
from tearline.fusion.attribution import Attribution, parse_attributions, said_words, source_key
from tearline.fusion.buckets import BUCKET_CAP, band_keys
from tearline.fusion.origin_links import LinkReason, OriginLink
from tearline.fusion.passages import Passages, normalize_text, passages
from tearline.fusion.ragged import Ragged
from tearline.fusion.signatures import (
    NUM_PERM,
    SHINGLE,
    all_signatures,
    comparable,
    shingle_sample,
    signature_arrays,
    text_signature,
)
from tearline.model.fragment import Fragment

__all__ = [
    "ATTRIBUTION_WINDOW",
    "BUCKET_CAP",
    "CONTAINMENT",
    "CONTAINMENT_MIN_SHARED",
    "DUPLICATE_JACCARD",
    "SHINGLE_CONTAINMENT",
    "SHINGLE_MIN_COMMON",
    "SHORT_MIN_SAMPLE",
    "Attribution",
    "LinkReason",
    "OriginFeatures",
    "OriginIndex",
    "OriginLink",
    "make_origin_index",
    "normalize_text",
    "origin_features",
    "parse_attributions",
    "signature_arrays",
    "text_signature",
]

ANCHORS = 8  # unigram minima used as attribution blocking keys
DUPLICATE_JACCARD = 0.5
CONTAINMENT = 0.3  # chosen on the syndication tuning split (docs/benchmarks-fusion.md)
CONTAINMENT_MIN_SHARED = 2
SHINGLE_CONTAINMENT = 0.4  # chosen on the syndication tuning split (docs/benchmarks-fusion.md)
SHINGLE_MIN_SAMPLE = 10
"""A text with fewer sampled shingles (about 25 words) is too short to judge by containment."""
SHORT_MIN_SAMPLE = 4
"""Below ``SHINGLE_MIN_SAMPLE`` and down to this, a text counts as contained only whole."""
SHINGLE_MIN_COMMON = 8
"""Sampled shingles two texts must share before containment counts: with a short
text's small sample, a few shared ones (one paraphrased sentence of a statement
that a news story reports) give a high ratio by chance."""
SHINGLE_KEYS = 8
"""Bottom-k of the shingle sample a fragment is filed under; it is looked up by all of it."""
ATTRIBUTION_WINDOW = timedelta(days=7)
ATTRIBUTION_SHARE = 0.2
"""With a shared claimed source: share of the shorter fragment's plain sentences both print."""
ATTRIBUTION_SHINGLES = 0.3
"""With a shared claimed source: shingle containment that suffices instead."""
PASSAGE_CHARS = 300
SAID_OVERLAP = 0.4
_EMPTY = np.zeros(0, dtype=np.uint32)
_NO_PASSAGES = Passages(_EMPTY, _EMPTY)


def _dedup_text(fragment: Fragment) -> str:
    """Body alone, unless it is too short to carry the story by itself."""
    body = fragment.body or ""
    return body if len(body.split()) >= 3 * SHINGLE else fragment.text


@dataclass(frozen=True, slots=True)
class OriginFeatures:
    """What ``OriginIndex.add`` reads from one fragment, computed from the fragment alone.

    None of it depends on what the index holds, so ``fuse`` computes it on the
    extraction workers and the single writer only files and compares it.
    """

    at: float
    """The fragment's anchor time (POSIX seconds): the attribution window is measured on it."""
    sig: np.ndarray | None
    """Shingle MinHash values; None for a text judged by its sample (or with no words)."""
    usig: np.ndarray | None
    sample: np.ndarray
    attrs: tuple[Attribution, ...]
    """Claimed sources, the fragment's own outlet left out."""
    outlet: str | None
    passages: Passages
    sentences: dict[int, str]
    """Each sentence hash's sentence as written, to quote the passage a link rests on."""
    said: dict[str, np.ndarray]


def origin_features(fragment: Fragment) -> OriginFeatures:
    """Signatures, sample, passages and attributions of ``fragment`` (pure)."""
    text = _dedup_text(fragment)
    # A text with a long enough sample is judged by it; its MinHash would only
    # cost memory (and time: it is not even computed).
    sig, usig, sample = all_signatures(text, sample_enough=SHINGLE_MIN_SAMPLE)
    own = source_key(fragment.outlet) if fragment.outlet else None
    every = parse_attributions(fragment.text)
    attrs = tuple(a for a in every if a.key != own)
    found, sentences = passages(text)
    said = said_words(every, own, sentences)
    return OriginFeatures(
        fragment.anchor_time.timestamp(), sig, usig, sample, attrs, own, found, sentences, said
    )


class OriginIndex:
    """Incremental origin clustering over fragments.

    Keeps the LSH buckets, sentence-sample and shingle-sample buckets,
    attribution buckets and a union-find, so each ``add`` costs a bounded
    number of lookups rather than a pass over all fragments seen so far.
    """

    def __init__(
        self,
        *,
        duplicate_jaccard: float = DUPLICATE_JACCARD,
        containment: float = CONTAINMENT,
        attribution_window: timedelta = ATTRIBUTION_WINDOW,
        shingle_containment: float = SHINGLE_CONTAINMENT,
    ) -> None:
        self.duplicate_jaccard = duplicate_jaccard
        self.containment = containment
        self.shingle_containment = shingle_containment
        self.attribution_window = attribution_window
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        # One entry per fragment ever added, kept compact (``ragged``): at a
        # million fragments separate numpy arrays cost more in headers than in values.
        self._sigs = Ragged()
        self._usigs = Ragged()
        self._samples = Ragged()
        self._passages = _PassageStore()
        self._times = array("d")
        self._attrs: dict[int, tuple[Attribution, ...]] = {}
        self._outlets: dict[int, str] = {}
        self._said: dict[int, dict[str, np.ndarray]] = {}
        self._bands = buckets.CappedBuckets()
        self._sent_buckets = buckets.CappedBuckets()
        self._shingle_buckets = buckets.CappedBuckets()
        self._attr_buckets = buckets.CappedBuckets()
        self._parent: list[int] = []
        self._root_min: dict[int, str] = {}
        self._links: dict[int, list[OriginLink]] = {}
        self._legacy: set[int] = set()
        """Fragments restored from a version-3 index: their samples are the sparser class."""
        self._last_sentences: tuple[dict[int, str], list[np.ndarray]] | None = None
        """The sentences ``_densest`` last read, with their shingle samples."""
        self._mine: tuple[int, np.ndarray, Passages, dict[bool, set[int]]] | None = None
        """The fragment being added: its index, sample and passages as stored, and the
        passage hashes as sets once asked for (``_passage``, all or plain ones). Every
        candidate is compared with it, and a ``Ragged`` read per comparison added up."""

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, fragment_id: object) -> bool:
        return fragment_id in self._pos

    # -- adding -----------------------------------------------------------

    def add(
        self, fragment: Fragment, features: OriginFeatures | None = None
    ) -> list[OriginLink]:
        """Index one fragment and return the links it formed (empty if none).

        ``features`` are ``origin_features(fragment)`` when the caller already
        has them (computed on an extraction worker); the links are the same
        either way. Adding the same id twice is a no-op, so re-running
        ingestion is safe.
        """
        if fragment.id in self._pos:
            return []
        f = features if features is not None else origin_features(fragment)
        if f.said:
            self._said[len(self._ids)] = f.said
        return self._add(
            fragment.id, f.at, f.sig, f.usig, f.sample, f.attrs, f.outlet, f.passages,
            f.sentences, None,
        )  # fmt: skip

    def _add(
        self,
        fid: str,
        at: float,
        sig: np.ndarray | None,
        usig: np.ndarray | None,
        sample: np.ndarray,
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
        self._samples.append(sample)
        self._passages.append(found_passages)
        self._mine = (i, self._samples.array(i), self._passages[i], {})
        self._times.append(at)
        self._parent.append(i)
        self._root_min[i] = fid
        if attrs:
            self._attrs[i] = attrs
        if outlet:
            self._outlets[i] = outlet
        deciding = saved is None
        # A candidate already in this fragment's cluster is not compared: one
        # recorded link explains the membership, and the partition is the
        # same whichever member it names (each pair's test reads only the two
        # fragments). Comparing with every earlier copy made the links of a
        # story printed k times grow as k squared: 12 per article at 10,000
        # cycled ECB+ articles, the saved state 1.26 GB at 100,000.
        found: list[OriginLink] = []
        linked: set[int] = set()
        long_enough = len(sample) >= SHINGLE_MIN_SAMPLE
        by_sample = len(sample) >= SHORT_MIN_SAMPLE
        tried: set[int] = set()
        if sig is not None and not long_enough:
            # Short texts only: a long text's near-duplicates have a high
            # shingle containment too and are found through its sample,
            # which saves 21 band keys per fragment (2 KB at a million).
            for j in sorted(buckets.insert(self._bands, band_keys(sig), i)):
                if self._find(j) == self._find(i):
                    continue  # already in this fragment's cluster (see ``_add``)
                jac = float(np.count_nonzero(sig == self._sigs.array(j))) / NUM_PERM
                if jac >= self.duplicate_jaccard and deciding:
                    passage = self._passage(i, j, sentences, quotes=True)
                    link = OriginLink(self._ids[j], LinkReason.NEAR_DUPLICATE, jac, passage)
                    found.append(self._link(i, j, link))
                    linked.add(j)
        if by_sample:
            # Looked up by the whole sample, filed under its bottom-k: an
            # older source is found from any of its smallest shingles that
            # the copy kept, whichever of the two is the shorter.
            candidates: set[int] = set()
            if deciding:
                buckets.look_up(self._shingle_buckets, sample.tolist(), candidates)
            buckets.file_under(self._shingle_buckets, sample[:SHINGLE_KEYS].tolist(), i)
            tried = candidates
            for j in sorted(candidates - linked - {i}):
                if self._find(j) == self._find(i):
                    continue
                contained = self._shingle_link(i, j, sentences)
                if contained is not None:
                    found.append(contained)
                    linked.add(j)
        sent_sample = found_passages.sample()
        if sent_sample:
            for j in sorted(buckets.insert(self._sent_buckets, sent_sample, i)):
                if deciding and self._find(j) != self._find(i):
                    contained = self._containment_link(i, j, sentences)
                    if contained is None and by_sample and j not in tried:
                        # A short copy that arrives after its long source may
                        # hold none of the source's smallest shingles; the
                        # sentence both print still finds the pair.
                        contained = self._shingle_link(i, j, sentences)
                    if contained is not None:
                        found.append(contained)
                        linked.add(j)
        keys = {a.key for a in attrs} | ({outlet} if outlet else set())
        if keys and usig is not None:
            attr_keys = self._attr_keys(keys, usig)
            for j in sorted(buckets.insert(self._attr_buckets, attr_keys, i)):
                if not deciding or j in linked or self._find(j) == self._find(i):
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
    def _attr_keys(keys: Iterable[str], usig: np.ndarray) -> list[int]:
        anchors = usig[:ANCHORS].tolist()
        return [hash((k, p, v)) for k in sorted(keys) for p, v in enumerate(anchors)]

    def _passage(self, i: int, j: int, sentences: dict[int, str], *, quotes: bool) -> str | None:
        """The first sentence of fragment ``i`` that ``j`` prints too."""
        mine, theirs = self._passages_of(i), self._passages[j]
        a, b = (mine.all, theirs.all) if quotes else (mine.plain, theirs.plain)
        if not len(a) or not len(b):
            return None
        # A set, not ``shared``'s array: ``h in`` an array compares every element,
        # and this runs for every link a fragment forms (six per fragment on ECB+).
        common = self._hash_set(i, a, quotes).intersection(b.tolist())
        for h in sentences:
            if h in common:
                return sentences[h][:PASSAGE_CHARS]
        return None

    def _passages_of(self, i: int) -> Passages:
        """Fragment ``i``'s passages: those of the fragment being added without a read."""
        mine = self._mine
        return mine[2] if mine is not None and mine[0] == i else self._passages[i]

    def _hash_set(self, i: int, hashes: np.ndarray, every: bool) -> set[int]:
        """``hashes`` (fragment ``i``'s ``all`` if ``every``, else ``plain``) as a set.

        Kept for the fragment being added, which ``_passage`` asks about once per link.
        """
        mine = self._mine
        if mine is None or mine[0] != i:
            return set(hashes.tolist())
        found = mine[3].get(every)
        if found is None:
            found = mine[3][every] = set(hashes.tolist())
        return found

    def _sentence_containment(self, i: int, j: int) -> float:
        """Share of the shorter fragment's plain sentences both print (0 below the bar).

        Quotations count towards ``CONTAINMENT_MIN_SHARED`` but not towards the
        share: outlets that print the same officials' words have a source in
        common, not a copy, and a cut copy's quotes would otherwise lift an
        independent report's share of sentences (the reporting is what is copied).
        """
        mine, theirs = self._passages_of(i), self._passages[j]
        common = _common(mine.all, theirs.all)
        plain = _common(mine.plain, theirs.plain)
        if common < CONTAINMENT_MIN_SHARED or not plain:
            return 0.0
        score = plain / min(len(mine.plain), len(theirs.plain))
        return score if score >= self.containment else 0.0

    def _containment_link(self, i: int, j: int, sentences: dict[int, str]) -> OriginLink | None:
        score = self._sentence_containment(i, j)
        if not score:
            return None
        passage = self._passage(i, j, sentences, quotes=False)
        return self._link(i, j, OriginLink(self._ids[j], LinkReason.CONTAINMENT, score, passage))

    def _shingle_link(self, i: int, j: int, sentences: dict[int, str]) -> OriginLink | None:
        mine, theirs = self._comparable(i, j)
        fewest = min(len(mine), len(theirs))
        if fewest < SHORT_MIN_SAMPLE:
            return None
        if fewest < SHINGLE_MIN_SAMPLE:
            return self._short_copy_link(i, j, mine, theirs, sentences)
        common = _common(mine, theirs)
        jaccard = common / (len(mine) + len(theirs) - common)
        if jaccard >= self.duplicate_jaccard:
            passage = self._passage(i, j, sentences, quotes=True) or _densest(
                sentences, self._sentence_samples(sentences), theirs
            )
            link = OriginLink(self._ids[j], LinkReason.NEAR_DUPLICATE, jaccard, passage)
            return self._link(i, j, link)
        score = common / min(len(mine), len(theirs))
        if score < self.shingle_containment or common < SHINGLE_MIN_COMMON:
            return None
        # Whole sentences in common are the plainer evidence when they reach further.
        score = max(score, self._sentence_containment(i, j))
        passage = self._passage(i, j, sentences, quotes=False) or _densest(
            sentences, self._sentence_samples(sentences), theirs
        )
        return self._link(i, j, OriginLink(self._ids[j], LinkReason.CONTAINMENT, score, passage))

    def _short_copy_link(
        self, i: int, j: int, mine: np.ndarray, theirs: np.ndarray, sentences: dict[int, str]
    ) -> OriginLink | None:
        """A text too short for a containment ratio, printed whole inside the other.

        A ratio over a handful of sampled shingles is noise, so nothing less
        than all of them will do, and a sentence both print that is not a
        quotation: a paraphrase or a shared quote is what independent reports
        of one statement carry.
        """
        common = _common(mine, theirs)
        if common < min(len(mine), len(theirs)):
            return None
        if not _common(self._passages_of(i).plain, self._passages[j].plain):
            return None
        passage = self._passage(i, j, sentences, quotes=False)
        return self._link(i, j, OriginLink(self._ids[j], LinkReason.CONTAINMENT, 1.0, passage))

    def _sentence_samples(self, sentences: dict[int, str]) -> list[np.ndarray]:
        """The shingle sample of each of a fragment's sentences, in order.

        A fragment whose earlier copies sit in several clusters links to one
        of each in one ``_add``, and when no sentence is shared word for word
        each link quotes ``_densest``, which samples every sentence. The samples of
        the last fragment asked about are kept (a pure function of its
        sentences, so the passage quoted is the same).
        """
        last = self._last_sentences
        if last is None or last[0] is not sentences:
            last = (sentences, [shingle_sample(s) for s in sentences.values()])
            self._last_sentences = last
        return last[1]

    def _comparable(self, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        """The two shingle samples, cut so that their overlap estimates containment."""
        legacy = bool(self._legacy) and (i in self._legacy or j in self._legacy)
        mine = self._mine
        own = mine[1] if mine is not None and mine[0] == i else self._samples.array(i)
        return comparable(own, self._samples.array(j), legacy=legacy)

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
        common = _common(self._passages_of(i).plain, self._passages[j].plain)
        if self._substantial(i, j, common):  # passages both print, not quotations
            key, phrase, other_phrase = pairs[0]
            passage = self._passage(i, j, sentences, quotes=False)
            score = float(common)
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

    def _substantial(self, i: int, j: int, common: int) -> bool:
        """Whether ``common`` shared non-quote sentences are more than a stock phrase.

        A claimed source lowers the bar a copy must clear, it does not remove
        it: one shared sentence ("paramedics rushed her to hospital") among
        twenty is what two independent reports of one event print anyway.
        """
        if not common:
            return False
        fewest = min(len(self._passages_of(i).plain), len(self._passages[j].plain))
        if common / fewest >= ATTRIBUTION_SHARE:
            return True
        a, b = self._comparable(i, j)
        if min(len(a), len(b)) < SHINGLE_MIN_SAMPLE:
            return False
        return _common(a, b) / min(len(a), len(b)) >= ATTRIBUTION_SHINGLES

    def _said_overlap(self, i: int, j: int, key: str) -> float:
        """Share of the shorter attributed passage's content words the other has."""
        a, b = self._said.get(i, {}).get(key), self._said.get(j, {}).get(key)
        if a is None or b is None:
            return 0.0
        return _common(a, b) / min(len(a), len(b))

    def _link(self, i: int, j: int, link: OriginLink) -> OriginLink:
        """Record ``link`` on both fragments and merge their clusters."""
        self._links.setdefault(i, []).append(link)
        self._links.setdefault(j, []).append(link.reverse(self._ids[i]))
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
                    "sample": self._samples.array(i).tolist(),
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
            "version": 4,
            "duplicate_jaccard": self.duplicate_jaccard,
            "containment": self.containment,
            "shingle_containment": self.shingle_containment,
            "attribution_window_s": self.attribution_window.total_seconds(),
            "fragments": rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OriginIndex:
        """Restore an index saved by ``to_dict`` without re-deciding links."""
        index = cls(
            duplicate_jaccard=data["duplicate_jaccard"],
            containment=data.get("containment", CONTAINMENT),
            shingle_containment=data.get("shingle_containment", SHINGLE_CONTAINMENT),
            attribution_window=timedelta(seconds=data["attribution_window_s"]),
        )
        legacy = data.get("version", 1) < 4  # samples taken one shingle in LEGACY_MOD
        for row in data["fragments"]:
            if legacy and row.get("sample"):
                index._legacy.add(len(index._ids))
            sig = None if row["sig"] is None else np.array(row["sig"], dtype=np.uint32)
            usig = None if row["usig"] is None else np.array(row["usig"], dtype=np.uint32)
            # Version 2 had no shingle sample: such fragments are not found by it.
            sample = np.array(row.get("sample") or (), dtype=np.uint32)
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
                row["id"], row["at"], sig, usig, sample, attrs, row.get("outlet"), found, {}, links
            )
        return index


_SMALL = 64


def _common(a: np.ndarray, b: np.ndarray) -> int:
    """``len(shared(a, b))``: how many hashes two sorted, duplicate-free arrays share.

    Most fragments have a handful of sentences, and numpy's ``intersect1d``
    costs about 10 µs a call whatever the size; a set does short arrays in
    a fraction of that. Candidates are compared a dozen times per fragment.
    """
    if len(a) > _SMALL or len(b) > _SMALL:
        # Merged and sorted, each shared hash sits twice side by side: counting
        # those pairs is ``intersect1d``'s own method without its other steps
        # (2 µs of its 5 on two 200-value shingle samples).
        both = np.concatenate((a, b))
        both.sort()
        return int(np.count_nonzero(both[1:] == both[:-1]))
    if not len(a) or not len(b):
        return 0
    return len(set(a.tolist()).intersection(b.tolist()))


class _PassageStore:
    """Every fragment's ``Passages``, the hashes kept in ``Ragged`` stores."""

    __slots__ = ("_all", "_plain")

    def __init__(self) -> None:
        self._all = Ragged()
        self._plain = Ragged()  # None: the same as ``all`` (no quotations)

    def append(self, found: Passages) -> None:
        self._all.append(found.all)
        self._plain.append(None if found.plain is found.all else found.plain)

    def __getitem__(self, i: int) -> Passages:
        every = self._all.array(i)
        plain = self._plain[i]
        return Passages(every, every if plain is None else plain)


def _densest(
    sentences: dict[int, str], samples: list[np.ndarray], sample: np.ndarray
) -> str | None:
    """The sentence of this fragment whose sampled shingles the other prints most.

    ``samples`` are the sentences' own shingle samples, in order.
    """
    best, most = None, 0
    for sentence, own in zip(sentences.values(), samples, strict=True):
        n = _common(own, sample)
        if n > most:
            best, most = sentence, n
    return None if best is None else best[:PASSAGE_CHARS]


def make_origin_index(fragments: Iterable[Fragment]) -> OriginIndex:
    """Build an index from a batch of fragments (convenience for tests and tools)."""
    index = OriginIndex()
    for fragment in fragments:
        index.add(fragment)
    return index
