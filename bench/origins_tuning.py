"""Origin-cluster tuning runs on the syndication *tuning* split only (odd ECB+ topics).

    TEARLINE_SHARED_DATA=../shared/data .venv/bin/python bench/origins_tuning.py --seeds 8

The benchmark proper (``fusion_quality.syndication``) builds the evaluation split
with generation seed 0 and is never used to choose anything. One generation seed
of the tuning split proved too lucky to tune on (0.960 at seed 0, 0.894-0.947 at
seeds 1-3 with the same code): which ECB+ articles get copies decides how many
pairs a missed wire link costs. This script scores the origin index over several
generation seeds of the odd topics (other copies, outlets and credits of the same
articles), so the evaluation split's copies stay byte-identical.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fusion_quality as fq
from fusion_sets import KEYS, Item, syndication_items

from tearline.fusion.origins import OriginIndex
from tearline.model.fragment import Fragment


def _build(
    gen_seed: int, order_seed: int, key: str
) -> tuple[list[Item], list[Fragment], OriginIndex]:
    items = syndication_items("tune", gen_seed, key=key)
    prepare = fq._prepare()
    frags = [prepare(i.fragment) for i in items]
    order = list(range(len(frags)))
    random.Random(order_seed).shuffle(order)
    index = OriginIndex()
    for k in order:
        index.add(frags[k])
    return items, frags, index


def score(
    gen_seed: int, order_seed: int, key: str = "reporting"
) -> tuple[float, float, float, int]:
    """Copy-pair P, R, F1 and origins spanning two events, one seed and one order.

    ``key`` is the answer key for ECB+'s own wire groups (``fusion_sets.KEYS``).
    """
    items, frags, index = _build(gen_seed, order_seed, key)
    pred = [index.cluster_of(f.id) for f in frags]
    p, r, f = fq.copy_pairs(items)(pred, [i.origin for i in items])
    events: dict[str, set[str]] = defaultdict(set)
    for item, cluster in zip(items, pred, strict=True):
        events[cluster].add(item.story)
    return p, r, f, sum(len(e) > 1 for e in events.values())


def explain(gen_seed: int, key: str = "reporting") -> None:
    """Where one seed's copy-pair errors come from (tuning split only).

    Prints recall split into own-article and wire-group pairs
    (``fusion_quality.recall_by_kind``); the score after also judging every
    same-event pair the index never compared, with the index's own rules (a
    pairwise scan, here only, to tell candidate losses from decision losses);
    and the links that joined two answer-key origins, by kind.
    """
    items, frags, index = _build(gen_seed, 0, key)
    gold = [i.origin for i in items]
    measure = fq.copy_pairs(items)
    pred = [index.cluster_of(f.id) for f in frags]
    kinds = fq.recall_by_kind(items, pred)
    wrong: Counter[str] = Counter()
    origin_of = {f.id: g for f, g in zip(frags, gold, strict=True)}
    for f in frags:
        for link in index.reasons(f.id):
            if f.id < link.other and origin_of[f.id] != origin_of[link.other]:
                wrong[link.kind.value] += 1
    p, r, f1 = measure(pred, gold)
    by_event: dict[str, list[int]] = defaultdict(list)
    for f, item in zip(frags, items, strict=True):
        by_event[item.story].append(index._pos[f.id])
    added = 0
    for members in by_event.values():
        for i, j in itertools.combinations(members, 2):
            if index._find(i) != index._find(j) and (
                index._shingle_link(i, j, {}) or index._containment_link(i, j, {})
            ):
                added += 1
    scan = measure([index.cluster_of(f.id) for f in frags], gold)
    print(f"seed {gen_seed}: P {p:.3f} R {r:.3f} F1 {f1:.3f}; "
          f"own-article pairs {kinds['own'][0]}/{kinds['own'][1]}, "
          f"wire-group pairs {kinds['wire'][0]}/{kinds['wire'][1]}; "
          f"with a same-event scan: {added} more links, P {scan[0]:.3f} R {scan[1]:.3f} "
          f"F1 {scan[2]:.3f}; links across answer-key origins {dict(wrong)}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8, help="generation seeds 0..N-1")
    ap.add_argument("--orders", type=int, default=1, help="arrival orders per seed")
    ap.add_argument("--explain", action="store_true",
                    help="per seed: where the errors come from (see explain())")  # fmt: skip
    ap.add_argument("--key", choices=KEYS, default="reporting",
                    help="answer key for ECB+'s own wire groups (fusion_sets.KEYS)")  # fmt: skip
    args = ap.parse_args()
    if args.explain:
        for g in range(args.seeds):
            explain(g, args.key)
        return
    rows = [(g, o, *score(g, o, args.key)) for g in range(args.seeds) for o in range(args.orders)]
    for g, o, p, r, f, span in rows:
        print(f"seed {g} order {o}: P {p:.3f} R {r:.3f} F1 {f:.3f} spanning {span}")
    n = len(rows)
    print(f"mean P {sum(x[2] for x in rows) / n:.3f} R {sum(x[3] for x in rows) / n:.3f} "
          f"F1 {sum(x[4] for x in rows) / n:.3f}; worst F1 {min(x[4] for x in rows):.3f}; "
          f"most spanning {max(x[5] for x in rows)}")  # fmt: skip


if __name__ == "__main__":
    main()
