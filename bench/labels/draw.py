"""Draw the ECB+ sentences the extraction evaluation is labelled on.

A sentence is one line of an ECB+ document (the corpus is one sentence per
line) with at least six tokens that is not a URL. Two disjoint sets are
drawn with fixed seeds: ``eval`` (100 sentences, never looked at while
changing the extractors) and ``tune`` (100 others, free to study). The
``eval`` set was looked at once when it was scored in session 1, so a third
set, ``fresh``, is drawn by a fixed rule instead of a seed: from documents
of odd-numbered topics that hold no sentence of ``eval`` or ``tune``, every
``FRESH_STEP``-th candidate sentence in name order. It was labelled before
the extractors ever ran on it and is scored only to report. Session 3
draws ``fresh2`` by the same kind of rule on the other half of the corpus:
documents of even-numbered topics that hold no sentence of ``eval``,
``tune`` or ``fresh``, every ``FRESH_STEP``-th candidate in name order
(158 sentences). Session 4 draws ``fresh3`` from the documents that hold
no sentence of any earlier set (either topic parity): every
``FRESH3_STEP``-th candidate in name order, starting at ``FRESH3_OFFSET`` so
the rule shares no phase with the 33-step draws. The
script prints the sentences so a person can label them; only (doc name,
line index) pairs and labels are stored, never the text.

    python bench/labels/draw.py eval   # or: tune, fresh, fresh2, fresh3
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tearline import settings  # noqa: E402

ECB = settings.shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"
SEEDS = {"eval": 20261201, "tune": 777}
SIZE = 100
FRESH_STEP = 33
FRESH3_STEP = 40
FRESH3_OFFSET = 20


def load_docs(path: Path = ECB) -> dict[str, str]:
    """ECB+ document name → text."""
    with path.open(encoding="utf-8") as handle:
        return {d["doc_name"]: d["text"] for d in map(json.loads, handle)}


def candidates(docs: dict[str, str]) -> list[tuple[str, int]]:
    """Every (doc, line index) that counts as a sentence, in a stable order."""
    out = []
    for name in sorted(docs):
        for index, line in enumerate(docs[name].split("\n")):
            if len(line.split()) >= 6 and not line.lstrip().startswith("http"):
                out.append((name, index))
    return out


def draw(which: str, docs: dict[str, str]) -> list[tuple[str, int]]:
    """The fixed sample for ``which``; the three sets never overlap."""
    pool = candidates(docs)
    if which == "fresh3":
        used = {
            name
            for earlier in ("eval", "tune", "fresh", "fresh2")
            for name, _ in draw(earlier, docs)
        }
        rest = [(name, index) for name, index in pool if name not in used]
        return rest[FRESH3_OFFSET::FRESH3_STEP]
    chosen = random.Random(SEEDS["eval"]).sample(pool, SIZE)
    if which == "eval":
        return chosen
    taken = set(chosen)
    rest = [p for p in pool if p not in taken]
    tune = random.Random(SEEDS["tune"]).sample(rest, SIZE)
    if which == "tune":
        return tune
    used_docs = {name for name, _ in chosen + tune}
    parity = 1 if which == "fresh" else 0
    fresh = [
        (name, index)
        for name, index in pool
        if name not in used_docs and int(name.split("_")[0]) % 2 == parity
    ][::FRESH_STEP]
    if which == "fresh":
        return fresh
    if which != "fresh2":
        raise SystemExit(f"unknown set {which!r}: choose eval, tune, fresh, fresh2 or fresh3")
    # Even topics never held a ``fresh`` sentence; the check keeps it so if
    # the rule above ever changes.
    fresh_docs = {name for name, _ in draw("fresh", docs)}
    return [(name, index) for name, index in fresh if name not in fresh_docs]


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else "eval"
    docs = load_docs()
    for n, (name, index) in enumerate(draw(which, docs)):
        print(f"{n}\t{name}\t{index}\t{docs[name].split(chr(10))[index]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
