"""A digest of everything the worker path produces, to prove a speed change moved nothing.

Runs boilerplate removal, extraction and ``threads.fragment_features`` (origins
left out: they belong to ``origins.py``) over ECB+'s 982 articles, serially,
and writes one canonical JSON line per article (every mention's kind, span,
text, value, confidence and detail; the features' ``repr``). Take it on the
base tree, then after each change: the two files must be identical.

    python bench/extract_snapshot.py /tmp/base.jsonl
    python bench/extract_snapshot.py /tmp/new.jsonl && cmp /tmp/base.jsonl /tmp/new.jsonl

``--origins`` adds ``origins.origin_features`` (signatures, shingle sample,
passages with their sentences, attributions, said-words) to every line, as
plain lists: the part of the worker path ``fuse`` runs that the default
leaves out.

``--time N`` instead measures the CPU milliseconds per article of the worker
path (min over N repeats, ``time.process_time``), split into boilerplate,
extraction and features.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import fragments  # noqa: E402


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # The features hold frozensets, whose repr order follows the string hash seed.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", type=Path)
    ap.add_argument("--time", type=int, default=0, help="repeats of the timing run")
    ap.add_argument("--origins", action="store_true", help="also dump the origin features")
    args = ap.parse_args()

    from tearline.fusion.boilerplate import clean_fragment
    from tearline.fusion.catalog import load_catalog
    from tearline.fusion.extract import extract
    from tearline.fusion.origins import origin_features
    from tearline.fusion.threads import fragment_features

    catalog = load_catalog()
    frags = list(fragments())
    if args.time:
        extract(frags[0], catalog)
        best = [float("inf")] * 3
        for _ in range(args.time):
            t0 = time.process_time()
            clean = [clean_fragment(f) for f in frags]
            t1 = time.process_time()
            found = [extract(g, catalog) for g in clean]
            t2 = time.process_time()
            for g, m in zip(clean, found, strict=True):
                fragment_features(g, m, origins=False)
            t3 = time.process_time()
            for i, v in enumerate((t1 - t0, t2 - t1, t3 - t2)):
                best[i] = min(best[i], v)
        per = [1000 * b / len(frags) for b in best]
        print(
            f"CPU ms/article (min of {args.time}): boilerplate {per[0]:.3f} "
            f"extract {per[1]:.3f} features(no origins) {per[2]:.3f} total {sum(per):.3f}"
        )
        return
    digest = hashlib.sha256()
    with open(args.out or "/dev/stdout", "w", encoding="utf-8") as out:
        for f in frags:
            g = clean_fragment(f)
            mentions = extract(g, catalog)
            row: dict[str, object] = {
                "id": g.id,
                "body": g.body,
                "mentions": [m.to_dict() for m in mentions],
                "features": repr(fragment_features(g, mentions, origins=False)),
            }
            if args.origins:
                row["origin"] = _origin_row(origin_features(g))
            line = json.dumps(row, sort_keys=True, default=repr)
            digest.update(line.encode())
            out.write(line + "\n")
    print(f"snapshot digest {digest.hexdigest()[:16]}", file=sys.stderr)


def _origin_row(o: object) -> dict[str, object]:
    """Every field of one ``OriginFeatures`` as JSON-able plain data (arrays as lists)."""

    def plain(v: object) -> object:
        if v is None or isinstance(v, (str, int, float, bool)):
            return v
        if hasattr(v, "tolist"):
            return [str(v.dtype), v.tolist()]  # type: ignore[attr-defined]
        if isinstance(v, dict):
            return [[plain(k), plain(x)] for k, x in v.items()]  # insertion order kept
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        slots = getattr(type(v), "__slots__", None) or getattr(v, "__dataclass_fields__", None)
        if slots:
            return {name: plain(getattr(v, name)) for name in slots}
        return repr(v)

    return {name: plain(getattr(o, name)) for name in o.__dataclass_fields__}  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
