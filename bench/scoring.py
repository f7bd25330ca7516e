"""Clustering measures shared by the fusion benchmarks: B-cubed and pairwise.

One module so that every fusion figure (scale, ECB+, demo, syndication,
long-form, short items) is scored by the same code.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence

ScoreSpec = tuple[float, float, float]
MeasureSpec = Callable[[Sequence[object], Sequence[object]], ScoreSpec]


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def bcubed(pred: Sequence[object], gold: Sequence[object]) -> ScoreSpec:
    """B-cubed precision, recall and F1 of a clustering against labels."""
    by_pred: dict[object, set[int]] = defaultdict(set)
    by_gold: dict[object, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        by_pred[p].add(i)
        by_gold[g].add(i)
    prec = rec = 0.0
    for p, g in zip(pred, gold, strict=True):
        inter = len(by_pred[p] & by_gold[g])
        prec += inter / len(by_pred[p])
        rec += inter / len(by_gold[g])
    prec, rec = prec / len(pred), rec / len(pred)
    return prec, rec, _f1(prec, rec)


def _pairs(
    labels: Sequence[object], keep: Callable[[int, int], bool] | None
) -> set[tuple[int, int]]:
    groups: dict[object, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        groups[label].append(i)
    return {
        (a, b)
        for g in groups.values()
        for a, b in itertools.combinations(g, 2)
        if keep is None or keep(a, b)
    }


def pairwise(
    pred: Sequence[object], gold: Sequence[object],
    keep: Callable[[int, int], bool] | None = None,
) -> ScoreSpec:
    """Pairwise precision, recall and F1: which pairs share a cluster.

    ``keep`` restricts the pairs counted (for instance to pairs with a
    generated copy, whose answer is known).
    """
    pp, gp = _pairs(pred, keep), _pairs(gold, keep)
    tp = len(pp & gp)
    prec = tp / len(pp) if pp else 1.0
    rec = tp / len(gp) if gp else 1.0
    return prec, rec, _f1(prec, rec)
