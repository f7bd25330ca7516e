"""Whether a speed or memory change left fusion's decisions exactly as they were.

Runs ECB+ (982 articles, real extractor, origins on, file order and one
shuffled order) and the first N fragments of the synthetic scale stream, and
writes, per run, every fragment's thread and origin cluster, every origin
link (other fragment, kind, score) and a digest of every thread view
(members, timeline, discrepancies, entity graph). ``--save`` keeps that as
the reference; ``--compare`` runs again and lists what differs. A change
that is meant to be behavioural must show up here and be measured apart.

    .venv/bin/python bench/scale_check.py --save /tmp/before.json
    .venv/bin/python bench/scale_check.py --compare /tmp/before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fusion as bf  # noqa: E402

from tearline.fusion.threads import ThreadIndex  # noqa: E402
from tearline.model.fragment import Fragment  # noqa: E402
from tearline.model.mention import Mention  # noqa: E402


def _snapshot(index: ThreadIndex) -> dict[str, Any]:
    assign = index.assignments()
    origins = index.origins
    links = {
        fid: sorted(
            [lk.other, str(lk.reason), round(lk.score, 9), lk.passage or ""]
            for lk in origins.reasons(fid)
        )
        for fid in assign
    }
    views = {}
    for tid in index.thread_ids():
        blob = json.dumps(index.view(tid).to_dict(), sort_keys=True, default=str)
        views[tid] = hashlib.sha256(blob.encode()).hexdigest()[:16]
    return {
        "threads": assign,
        "origins": {fid: origins.cluster_of(fid) for fid in assign},
        "links": links,
        "views": views,
    }


def _run(items: list[tuple[Fragment, list[Mention]]]) -> dict[str, Any]:
    index = ThreadIndex()
    for frag, mentions in items:
        index.add(frag, mentions)
    return _snapshot(index)


def _ecb_items() -> list[tuple[Fragment, list[Mention]]]:
    from tearline.pipeline import prepare_fragment

    frags, _ = bf._ecb_fragments()
    frags = [prepare_fragment(f) for f in frags]
    ext = bf._extractor()
    if ext is None:
        raise SystemExit("the extractor did not load; the check needs it")
    return [(f, ext[0](f, ext[1])) for f in frags]


def collect(synthetic_n: int) -> dict[str, Any]:
    ecb = _ecb_items()
    shuffled = list(ecb)
    random.Random(1).shuffle(shuffled)
    synth = [(f, m) for f, m, _ in bf.synthetic(synthetic_n)]
    return {
        "ecb_file_order": _run(ecb),
        "ecb_shuffled": _run(shuffled),
        f"synthetic_{synthetic_n}": _run(synth),
    }


def compare(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Print the differences; return how many there are."""
    total = 0
    for run, old in before.items():
        new = after.get(run)
        if new is None:
            print(f"{run}: missing from this run")
            total += 1
            continue
        for part, old_map in old.items():
            new_map = new[part]
            keys = set(old_map) | set(new_map)
            diff = sorted(k for k in keys if old_map.get(k) != new_map.get(k))
            total += len(diff)
            print(f"{run} {part}: {len(old_map)} entries, {len(diff)} differ")
            for k in diff[:5]:
                print(f"    {k}: {old_map.get(k)!r} -> {new_map.get(k)!r}")
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--save", type=Path, help="write the reference snapshot here")
    ap.add_argument("--compare", type=Path, help="compare this run with a saved snapshot")
    ap.add_argument("--synthetic", type=int, default=10_000)
    args = ap.parse_args()
    now = collect(args.synthetic)
    if args.save:
        args.save.write_text(json.dumps(now))
        print(f"saved {args.save}")
    if args.compare:
        differ = compare(json.loads(args.compare.read_text()), now)
        print("IDENTICAL" if differ == 0 else f"{differ} entries differ")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
