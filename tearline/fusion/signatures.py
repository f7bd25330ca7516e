"""Text signatures for near-duplicate detection: MinHash and shingle samples.

A wire copy differs from its source in casing, punctuation and spacing more
than in words, so every signature here is computed over ``normalize_text``
(casefolded, punctuation-free) words. Two summaries come out of one pass:

* a 64-permutation MinHash of word 4-shingles, whose agreement estimates the
  shingle *Jaccard* of two texts (a full copy, an edited copy);
* a 32-permutation MinHash of content words, used as blocking keys for
  attribution candidates;
* a *shingle sample*: the shingle hashes that fall in one residue class
  modulo ``SAMPLE_MOD``. Because the same shingle is kept or dropped in every
  text, the sample of a shortened copy is (nearly) a subset of its source's,
  and ``|A ∩ B| / min(|A|, |B|)`` over samples estimates shingle
  *containment*. A copy cut to 40 % of its source has Jaccard about 0.4 but
  containment near 1, so containment is what finds it. The estimate's noise
  is that of the shared count: one shingle in four left a 100-word article
  sharing a fifth of its text with only ~5 sampled values in common, and
  most missed copies on the tuning split sat there; one in two halves that
  noise's share (``docs/benchmarks-fusion.md``). The sample keeps at most
  ``MAX_SAMPLE`` values, the smallest, so ``comparable`` cuts two samples to
  the hash range both cover before they are compared.

Split from ``origins.py``: the hashing is a job of its own, and a test checks
the fast path bit for bit against datasketch.

datasketch itself is imported only by ``text_signature`` (the MinHash objects,
for tests and benchmarks): its package imports its LSH classes and with them
scipy, 0.5 CPU-s that every ``fuse`` paid in its writer and again in the
extraction pool's fork server. The hot path needs only datasketch's affine32
permutations and its MurmurHash3 finalizer, which are reproduced here
(``_permutations``, ``_fmix``) and checked against datasketch by a test.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

from tearline.fusion.passages import normalize_text

if TYPE_CHECKING:
    from datasketch import MinHash

__all__ = [
    "LEGACY_MOD",
    "MAX_SAMPLE",
    "NUM_PERM",
    "SAMPLE_MOD",
    "SHINGLE",
    "UNIGRAM_PERM",
    "all_signatures",
    "comparable",
    "shingle_sample",
    "signature_arrays",
    "text_signature",
]

NUM_PERM = 64
SHINGLE = 4
UNIGRAM_PERM = 32
SAMPLE_SHINGLE = 6
"""Words per shingle of the containment sample: longer than the MinHash's, because a
copy prints long verbatim runs while independent reports of one event share short
phrases ("checked into a rehab facility")."""
SAMPLE_MOD = 2
"""One shingle in ``SAMPLE_MOD`` (by hash) is kept in the containment sample."""
LEGACY_MOD = 4
"""The residue class of samples saved before index version 4 (a subset of today's)."""
MAX_SAMPLE = 200
"""Values kept per sample (the smallest): bounds a long text's memory to 800 bytes."""
_SHINGLE_MULT = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint64)
_SAMPLE_MULT = np.array(
    [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F,
     0x165667B1, 0xD3A2646C, 0xFD7046C5, 0xB55A4F09],
    dtype=np.uint64,
)
_MASK32 = np.uint64(0xFFFFFFFF)
_STOP_WORDS = (
    "a an the and or but of to in on at for with by from as is was were be been are it its "
    "this that these those he she they his her their we our you i not have has had will would "
    "said says say after before over into about up out than who which what when where there"
)
_STOP = frozenset(_STOP_WORDS.split())

_word_cache: dict[str, int] = {}
_SHINGLE_SEED = 1
_UNIGRAM_SEED = 2
_EMPTY = np.zeros(0, dtype=np.uint32)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


def _fmix(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's ``minhash._fmix(hv, 32)``.

    datasketch mixes every input hash with it once before its affine32
    permutations; the containment sample mixes shingle values with it too.
    Multiplication wraps around in uint32, which is the intended modulo.
    """
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    out: np.ndarray = hv ^ (hv >> s3)
    return out


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's affine32 ``MinHash(num_perm, seed)``, drawn the same way.

    The same generator and the same draws in the same order as datasketch's
    ``MinHash._init_permutations`` for the affine32 scheme (its default since
    2.0.0): ``a`` odd, ``b`` any 32-bit value, h -> a * h + b modulo 2^32.
    Saved signatures were made with these, so they must never change.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


_SHINGLE_PERM = _permutations(NUM_PERM, _SHINGLE_SEED)
_UNIGRAM_PERM = _permutations(UNIGRAM_PERM, _UNIGRAM_SEED)
_MAX_HASH = np.uint32(0xFFFFFFFF)


def _word_hashes(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """crc32 of every word, and whether each is a content word (for the unigram MinHash).

    Hashing each distinct word once and combining words arithmetically is
    ~5x faster than hashing every shingle string with SHA-1, which matters
    at a million fragments. crc32 is stable across processes, so saved
    signatures stay comparable. The cache holds both answers in one int
    (the content flag above the 32 hash bits), read for all words at once.
    """
    cache = _word_cache
    if len(cache) > 2_000_000:
        cache.clear()
    got = list(map(cache.get, words))
    if None in got:
        for k, w in enumerate(words):
            if got[k] is None:
                content = len(w) > 2 and w not in _STOP
                got[k] = cache[w] = zlib.crc32(w.encode()) | (int(content) << 32)
    both = np.array(got, dtype=np.uint64)
    return both & _MASK32, (both >> np.uint64(32)).astype(bool)


def _identity(value: int) -> int:
    return value


def _minhash(num_perm: int, seed: int, values: np.ndarray) -> MinHash:
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity, scheme="affine32")
    if len(values):
        m.update_batch(values.tolist())
    return m


def _shingles_and_content(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    words = normalize_text(text).split()
    if not words:
        return None
    hashes, keep = _word_hashes(words)
    shingles = _shingles(hashes, SHINGLE, _SHINGLE_MULT)
    content = np.unique(hashes[keep])
    return shingles, content, _shingles(hashes, SAMPLE_SHINGLE, _SAMPLE_MULT)


def _shingles(hashes: np.ndarray, size: int, mult: np.ndarray) -> np.ndarray:
    k = min(size, len(hashes))
    n = len(hashes) - k + 1
    combined = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        combined += hashes[j : j + n] * mult[j]
    out: np.ndarray = np.unique(combined & _MASK32)
    return out


def text_signature(text: str) -> tuple[MinHash | None, MinHash | None]:
    """Return the shingle MinHash and the content-word MinHash of ``text``.

    Either is None when the text has nothing to hash: an empty signature
    would look identical to every other empty one.
    """
    parts = _shingles_and_content(text)
    if parts is None:
        return None, None
    shingles, content, _ = parts
    unigram = _minhash(UNIGRAM_PERM, _UNIGRAM_SEED, content) if len(content) else None
    return _minhash(NUM_PERM, _SHINGLE_SEED, shingles), unigram


def _fast_hashvalues(perm: tuple[np.ndarray, np.ndarray], values: np.ndarray) -> np.ndarray:
    """``_minhash(…, values).hashvalues`` for permutations ``perm``, without its Python loop.

    datasketch hashes a batch value by value in Python before its numpy
    step; on 32-bit values that loop is most of the cost at a million
    fragments. This applies the same affine32 permutations in one numpy
    expression, and a test checks it against datasketch bit for bit, so
    signatures saved by either path stay comparable.
    """
    a, b = perm
    hv = _fmix(values.astype(np.uint32))[:, None]
    with np.errstate(over="ignore"):
        permuted = hv * a + b  # uint32 wraparound is the modulo, as in datasketch
    out: np.ndarray = np.minimum(_MAX_HASH, permuted.min(axis=0))
    return out


def _sample(shingles: np.ndarray) -> np.ndarray:
    # Mix before taking the residue: the combined shingle values are
    # arithmetic in the word hashes, and their low bits are not uniform.
    mixed = _fmix(shingles.astype(np.uint32))
    out: np.ndarray = np.unique(mixed[mixed % SAMPLE_MOD == 0].astype(np.uint32))
    return out[:MAX_SAMPLE]


def comparable(
    a: np.ndarray, b: np.ndarray, *, legacy: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Two samples cut to the hash range both cover, so their overlap estimates containment.

    A sample holds at most ``MAX_SAMPLE`` values, the smallest ones, so a long
    text's sample stops at some hash value while a short copy's runs on past
    it. Counting the copy's larger values as missing from the source would
    make every copy of a long text look less contained than it is; below
    the smaller of the two cut-offs both samples are complete. ``legacy``:
    one of them was saved with ``LEGACY_MOD``, so both are thinned to it.
    """
    if legacy:
        a, b = a[a % LEGACY_MOD == 0], b[b % LEGACY_MOD == 0]
    full_a, full_b = len(a) >= MAX_SAMPLE, len(b) >= MAX_SAMPLE
    if not (full_a or full_b):
        return a, b
    top = min(int(a[-1]) if full_a else 0xFFFFFFFF, int(b[-1]) if full_b else 0xFFFFFFFF)
    return a[: np.searchsorted(a, top, side="right")], b[: np.searchsorted(b, top, side="right")]


def shingle_sample(text: str) -> np.ndarray:
    """The sorted containment sample of ``text``'s shingles (see the module docstring)."""
    parts = _shingles_and_content(text)
    return _EMPTY if parts is None else _sample(parts[2])


def signature_arrays(text: str) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The hash values of ``text_signature(text)``, computed the fast way."""
    sig, usig, _ = all_signatures(text)
    return sig, usig


def all_signatures(
    text: str, *, sample_enough: int | None = None
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
    """Shingle MinHash values, content-word MinHash values and the containment sample.

    One pass over the words for all three: this runs for every fragment.
    ``sample_enough``: a text whose sample holds at least this many values
    gets None for the shingle MinHash, which is then neither computed nor
    hashed (``origins`` judges such a text by its sample and drops the
    MinHash anyway: most articles, and a third of ``all_signatures``' time).
    """
    words = normalize_text(text).split()
    if not words:
        return None, None, _EMPTY
    hashes, keep = _word_hashes(words)
    sample = _sample(_shingles(hashes, SAMPLE_SHINGLE, _SAMPLE_MULT))
    content = np.unique(hashes[keep])
    unigram = _fast_hashvalues(_UNIGRAM_PERM, content) if len(content) else None
    if sample_enough is not None and len(sample) >= sample_enough:
        return None, unigram, sample
    shingles = _shingles(hashes, SHINGLE, _SHINGLE_MULT)
    return _fast_hashvalues(_SHINGLE_PERM, shingles), unigram, sample
