"""Fusion benchmarks: scale on synthetic fragments, thread quality on ECB+,
and the measurements behind the origin thresholds.

    .venv/bin/python bench/fusion.py --sizes 10000,100000       # quick
    .venv/bin/python bench/fusion.py --sizes 10000,100000,1000000 --write

Each scale size runs in its own subprocess so peak memory (ru_maxrss) is the
size's own. ``--write`` stores the tables in docs/benchmarks-fusion.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scoring import bcubed  # noqa: E402

from tearline.fusion.signatures import NUM_PERM, UNIGRAM_PERM, text_signature  # noqa: E402
from tearline.fusion.threads import ThreadIndex  # noqa: E402
from tearline.model.fragment import Fragment  # noqa: E402
from tearline.model.mention import Mention, MentionKind  # noqa: E402

ECB = ROOT.parent / "shared" / "data" / "news-events" / "ecbplus_docs.jsonl"
DOC = ROOT / "docs" / "benchmarks-fusion.md"
T0 = datetime(2020, 1, 1, tzinfo=UTC)

# -- synthetic stream -------------------------------------------------------

_SYL = ["ka", "ro", "mi", "tal", "ben", "sha", "dor", "vi", "lek", "an", "zu", "mar", "qi", "os"]
VENUES = ["concert_hall", "stadium", "embassy", "market", "church", "mosque", "synagogue",
          "airport", "railway_station", "hotel", "school", "police_station", "ministry",
          "shopping_mall", "military_base"]  # fmt: skip
MODALITIES = ["firearms", "explosives", "vehicle_ramming", "knife", "arson", "drone"]
OUTLETS = ["Reuters", "AFP", "the Associated Press", "Al Jazeera", "the BBC", "Le Monde",
           "Der Spiegel", "the Interior Ministry", "the Defence Ministry", "El Pais"]  # fmt: skip
CUES = ["attacked", "raided", "warned of", "claimed responsibility for", "issued a statement on",
        "arrested suspects linked to", "threatened"]  # fmt: skip


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYL) for _ in range(parts)).capitalize()


class World:
    """Seeded vocabulary: actors, cities, common words with a Zipf-like spread."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.actors = [f"{_name(rng, 2)} {_name(rng, 3)}" for _ in range(400)]
        self.cities = [_name(rng, 3) for _ in range(600)]
        # dict.fromkeys, not a set: set order follows the hash seed, and the
        # benchmark must generate the same stream in every process.
        self.words = list(dict.fromkeys(_name(rng, rng.randint(2, 4)).lower() for _ in range(6000)))
        weights = [1 / (i + 1) ** 0.9 for i in range(len(self.words))]
        total = sum(weights)
        self.cum = list(itertools.accumulate(w / total for w in weights))


def synthetic(n: int, seed: int = 7) -> Iterator[tuple[Fragment, list[Mention], int]]:
    """Yield ``n`` (fragment, mentions, incident label) in time order."""
    rng = random.Random(seed)
    world = World(seed)
    per_day = 400  # fragments per day across all incidents
    active: list[dict] = []
    next_label = 0
    for i in range(n):
        while len(active) < 60:
            day = i / per_day
            active.append(
                {
                    "label": next_label,
                    "left": max(1, int(rng.expovariate(1 / 5))),
                    "actor": rng.randrange(len(world.actors)),
                    "city": rng.randrange(len(world.cities)),
                    "venue": rng.choice(VENUES),
                    "modality": rng.choice(MODALITIES),
                    "at": T0 + timedelta(days=day),
                    "words": rng.choices(world.words, cum_weights=world.cum, k=4)
                    + rng.sample(world.words, 12),
                    "killed": rng.randint(0, 30),
                    "texts": [],
                }
            )
            next_label += 1
        slot = rng.randrange(len(active))
        inc = active[slot]
        yield _fragment(rng, world, inc, i)
        inc["left"] -= 1
        if inc["left"] <= 0:
            active.pop(slot)


def _fragment(
    rng: random.Random, world: World, inc: dict, i: int
) -> tuple[Fragment, list[Mention], int]:
    actor, city = world.actors[inc["actor"]], world.cities[inc["city"]]
    at = inc["at"] + timedelta(hours=rng.uniform(0, 96))
    if inc["texts"] and rng.random() < 0.2:
        paras = list(rng.choice(inc["texts"]))  # a copy: circular reporting
        if len(paras) > 2:
            del paras[rng.randrange(len(paras))]
    else:
        paras = []
        for _ in range(rng.randint(2, 4)):
            words = rng.choices(inc["words"], k=6) + rng.choices(
                world.words, cum_weights=world.cum, k=rng.randint(15, 30)
            )
            rng.shuffle(words)
            paras.append(" ".join(words).capitalize() + ".")
        lead = f"{actor} {rng.choice(CUES)} a {inc['venue'].replace('_', ' ')} in {city}."
        paras.insert(0, lead)
        if rng.random() < 0.4:
            paras.append(f"The details were confirmed, according to {rng.choice(OUTLETS)}.")
        inc["texts"].append(paras)
    body = "\n".join(paras)
    killed = inc["killed"] + (rng.randint(-2, 2) if rng.random() < 0.2 else 0)
    mentions = [
        Mention(MentionKind.PLACE, city, 0, 0, f"city:{inc['city']}"),
        Mention(MentionKind.VENUE, inc["venue"], 0, 0, inc["venue"]),
        Mention(MentionKind.MODALITY, inc["modality"], 0, 0, inc["modality"]),
        Mention(MentionKind.DATE, "on", 0, 0, inc["at"].date().isoformat()),
        Mention(
            MentionKind.CASUALTIES, "killed", 0, 0, {"kind": "killed", "count": max(0, killed)}
        ),
    ]
    if rng.random() < 0.8:
        mentions.append(Mention(MentionKind.ACTOR, actor, 0, 0, f"actor:{inc['actor']}"))
    frag = Fragment(
        id=f"s{i:07d}", title=paras[0][:60], body=body, reported_at=at, received_at=at,
        originator="bench", source_name="bench", source_kind="news", source_agency="bench",
        reliability=rng.choice("ABCDF"), credibility=rng.randint(2, 6), category="news",
    )  # fmt: skip
    return frag, mentions, inc["label"]


# -- measures ---------------------------------------------------------------


def child(n: int) -> dict:
    """One scale run; called in a fresh process."""
    index = ThreadIndex()
    labels: list[int] = []
    elapsed = cpu = 0.0
    for frag, mentions, label in synthetic(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        index.add(frag, mentions)
        elapsed += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        labels.append(label)
    assign = index.assignments()
    pred = [assign[f"s{i:07d}"] for i in range(n)]
    p, r, f = bcubed(pred, labels)
    return {
        "n": n,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": len(index),
        "origin_clusters_multi": len(index.origins.clusters()),
        "bcubed": [p, r, f],
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scale(sizes: list[int], timeout: float) -> list[dict]:
    """One child process per size. On a shared machine wall seconds follow the
    load, so CPU seconds are reported too: ``cpu_seconds`` is the child's CPU
    time inside ``add``, ``child_cpu`` its whole user + system time (generator,
    scoring and startup included, from ``RUSAGE_CHILDREN``)."""
    rows = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", str(n)]
        before = _children_cpu()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
        except subprocess.TimeoutExpired:
            rows.append({"n": n, "timeout": timeout})
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        rows[-1]["child_cpu"] = _children_cpu() - before
        row = rows[-1]
        print(f"  n={n}: {row['seconds']:.1f}s wall, {row['cpu_seconds']:.1f}s CPU in add, "
              f"load {os.getloadavg()[0]:.1f}", file=sys.stderr)  # fmt: skip
    return rows


def _ecb_fragments() -> tuple[list[Fragment], list[str]]:
    rows = [json.loads(line) for line in ECB.open()]
    frags = [
        Fragment(
            id=r["doc_name"],
            title="",
            body=r["text"],
            reported_at=None,
            received_at=T0,
            originator="ecb",
            source_name="ecb",
            source_kind="news",
            source_agency="ecb",
            reliability="F",
            credibility=6,
        )
        for r in rows
    ]
    return frags, [r["event_cluster"] for r in rows]


def _extractor():  # type: ignore[no-untyped-def]
    """The real extractor and catalog if both load, else None."""
    try:
        from tearline.fusion import catalog as cat
        from tearline.fusion.extract import extract  # type: ignore[attr-defined]

        loader = getattr(cat, "load_catalog", None) or getattr(cat, "make_catalog", None)
        return extract, (loader() if loader else None)
    except Exception as exc:  # any failure means: not ready, use text only
        print(f"  extractor not used: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def ecb(thresholds: list[float], seeds: int) -> tuple[list[dict], str]:
    from tearline.pipeline import prepare_fragment

    frags, gold = _ecb_fragments()
    frags = [prepare_fragment(f) for f in frags]  # as the pipeline sees them
    ext = _extractor()
    mentions: dict[str, list[Mention]] = {}
    failed = 0
    for f in frags if ext else ():
        try:
            mentions[f.id] = ext[0](f, ext[1])
        except Exception:  # one bad article must not stop the run
            failed += 1
    mode = (
        f"real extractor + text ({failed} of {len(frags)} articles failed extraction, text only)"
        if ext
        else "text similarity only (no extractor available)"
    )
    rows = []
    if ext and "--no-extract" in sys.argv:
        mentions, mode = {}, "text similarity only (extractor disabled with --no-extract)"
    for thr in thresholds:
        scores = []
        for seed in range(seeds):
            order = list(range(len(frags)))
            random.Random(seed).shuffle(order)
            index = ThreadIndex(threshold=thr, track_origins=False)
            for i in order:
                index.add(frags[i], mentions.get(frags[i].id, ()))
            assign = index.assignments()
            scores.append(bcubed([assign[f.id] for f in frags], gold))
        mean = [sum(s[k] for s in scores) / len(scores) for k in range(3)]
        rows.append({"threshold": thr, "p": mean[0], "r": mean[1], "f1": mean[2],
                     "f1_min": min(s[2] for s in scores)})  # fmt: skip
    return rows, mode


def demo() -> dict:
    """B-cubed of the demo scenario's threads against answers.json (main, other).

    Runs the real pipeline (ingest into a temporary SQLite file, extract,
    fuse) so the figure is what an analyst would see.
    """
    import tempfile

    from tearline.demo_run import SCENARIO_DIR
    from tearline.ingest.run import ingest_paths
    from tearline.pipeline import fuse
    from tearline.settings import PACKAGE_DIR
    from tearline.store.db import ensure_current, make_engine

    answers = json.loads((PACKAGE_DIR / "demo" / "answers.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(str(Path(tmp) / "demo.db"))
        ensure_current(engine)
        ingest_paths(engine, [SCENARIO_DIR])
        state, _ = fuse(engine)
        engine.dispose()
    headlines = {
        p.read_text().splitlines()[0].lstrip("#").strip(): p.name
        for p in (SCENARIO_DIR / "news").glob("*.md")
    }
    label = {k: name for name, keys in answers["threads"].items() for k in keys}
    gold, pred = [], []
    for fid, frag in state.fragments.items():
        key = frag.external_id or headlines.get(frag.title, "")
        gold.append(label[key])
        pred.append(state.threads.thread_of(fid))
    p, r, f = bcubed(pred, gold)
    main = Counter(t for t, g in zip(pred, gold, strict=True) if g == "main")
    largest = main.most_common(1)[0][1]
    return {"fragments": len(gold), "threads": len(set(pred)), "p": p, "r": r, "f1": f,
            "main_in_largest": largest, "main": len(answers["threads"]["main"])}  # fmt: skip


def calibrate(seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Jaccard of edited copies versus independent reports of one event."""
    rows = [json.loads(line) for line in ECB.open()]
    rng = random.Random(seed)
    sigs = [text_signature(r["text"]) for r in rows]

    def jac(a, b, n):  # type: ignore[no-untyped-def]
        return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / n

    edits: dict[str, list[float]] = defaultdict(list)
    for i, r in enumerate(rows):
        paras = [p for p in r["text"].split("\n") if p.strip()]
        if len(paras) < 4:
            continue
        other = [p for p in rows[rng.randrange(len(rows))]["text"].split("\n") if p.strip()]
        cut = paras[:]
        del cut[rng.randrange(1, len(cut))]
        add = paras[:]
        add.insert(rng.randrange(1, len(add)), rng.choice(other))
        variants = {"upper case": r["text"].upper(), "one paragraph cut": "\n".join(cut),
                    "one paragraph added": "\n".join(add),
                    "cut and added": "\n".join([*cut[:-1], rng.choice(other)])}  # fmt: skip
        for name, text in variants.items():
            edits[name].append(jac(sigs[i][0], text_signature(text)[0], NUM_PERM))
    by_event: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_event[r["event_cluster"]].append(i)
    pairs = [p for ids in by_event.values() for p in itertools.combinations(ids, 2)]
    edits["independent, same event"] = [jac(sigs[a][0], sigs[b][0], NUM_PERM) for a, b in pairs]
    dup = [{"set": k, "n": len(v), **{f">={t}": sum(x >= t for x in v) / len(v)
            for t in (0.3, 0.4, 0.5, 0.6)}} for k, v in edits.items()]  # fmt: skip
    uni: dict[str, list[float]] = {
        "same event": [],
        "same topic, other event": [],
        "other topic": [],
    }
    uni["same event"] = [jac(sigs[a][1], sigs[b][1], UNIGRAM_PERM) for a, b in pairs]
    for _ in range(20000):
        a, b = rng.randrange(len(rows)), rng.randrange(len(rows))
        if a == b:
            continue
        same_topic = rows[a]["topic"] == rows[b]["topic"]
        if same_topic and rows[a]["event_cluster"] == rows[b]["event_cluster"]:
            continue
        key = "same topic, other event" if same_topic else "other topic"
        uni[key].append(jac(sigs[a][1], sigs[b][1], UNIGRAM_PERM))
    att = [{"set": k, "n": len(v), **{f">={t}": sum(x >= t for x in v) / len(v)
            for t in (0.09, 0.12, 0.15, 0.2)}} for k, v in uni.items()]  # fmt: skip
    return dup, att


# -- report -----------------------------------------------------------------


def table(rows: list[dict], cols: list[str], fmt: dict[str, str] | None = None) -> str:
    fmt = fmt or {}
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        cells = []
        for c in cols:
            v = row.get(c, "")
            cells.append(format(v, fmt.get(c, ".3f")) if isinstance(v, float) else str(v))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def quality_tables() -> list[str]:
    """Issue 11's benchmarks (``bench/fusion_quality.py``), each with its baseline."""
    sys.path.insert(0, str(ROOT / "bench"))
    import fusion_quality as fq

    cols = ["system", "p", "r", "f1", "f1_min"]
    out = ["## Real-shaped reporting: syndication, long-form, short items\n",
           "Tearline in 3 arrival orders (means; `f1_min` the worst) against a TF-IDF single-link "
           "baseline whose threshold was chosen on the tuning split. Evaluation splits only: "
           "even ECB+ topics and the kazan, mogadishu and graz scenarios.\n"]  # fmt: skip
    out += ["### Syndication (origins, pairs with a generated copy)\n",
            table(fq.syndication(), [*cols, "spanning_events", "all_pairs_f1"]), ""]
    out += ["### Threads on ECB+ even topics\n", table(fq.ecb_split(), cols), ""]
    extra = ["origin_f1", "threads_per_incident_worst", "older_merged_worst", "copies_in_origin"]
    out += ["### Long-form\n", table(fq.longform(), [*cols, *extra]), ""]
    short = [*extra, "short_in_story", "distractors_merged_worst"]
    out += ["### Short items mixed with long-form\n",
            table(fq.longform(with_short=True), [*cols, *short]), ""]  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--thresholds", default="0.18,0.2,0.22,0.25,0.3")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--skip", default="",
                    help="comma list of: scale,ecb,demo,calibrate,quality")  # fmt: skip
    ap.add_argument("--write", action="store_true", help="write docs/benchmarks-fusion.md")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--no-extract", action="store_true", help="ECB+ on text similarity only")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    skip = set(args.skip.split(","))
    stamp = f"Measured {datetime.now(UTC):%Y-%m-%d} on a 2-core machine shared with other work; "
    parts = ["# Fusion benchmarks\n", stamp + "times are wall-clock, origins included.\n"]
    if "scale" not in skip:
        rows = scale([int(s) for s in args.sizes.split(",")], args.timeout)
        done = [r for r in rows if "seconds" in r]
        for a, b in itertools.pairwise(done):
            b["exponent"] = math.log(b["seconds"] / a["seconds"]) / math.log(b["n"] / a["n"])
            b["cpu_exponent"] = math.log(b["cpu_seconds"] / a["cpu_seconds"]) / math.log(
                b["n"] / a["n"]
            )
        for r in done:
            r["us_per_fragment"] = r["seconds"] / r["n"] * 1e6
            r["cpu_us_per_fragment"] = r["cpu_seconds"] / r["n"] * 1e6
            r["bcubed_f1"] = r["bcubed"][2]
        parts += ["## Scale (synthetic, seeded)\n",
                  "Threads + origins over a time-ordered synthetic stream (400 actors, 600 cities, "
                  "15 venue types, Zipf vocabulary, ~20% edited copies, ~40% with an attribution). "
                  "Peak memory is the child process's ru_maxrss. B-cubed F1 is against the "
                  "generator's incident labels.\n",
                  table(rows, ["n", "seconds", "cpu_seconds", "child_cpu", "us_per_fragment",
                               "cpu_us_per_fragment", "peak_rss_mb", "exponent", "cpu_exponent",
                               "threads", "origin_clusters_multi", "bcubed_f1", "timeout"],
                        {"seconds": ".1f", "cpu_seconds": ".1f", "child_cpu": ".1f",
                         "us_per_fragment": ".0f", "cpu_us_per_fragment": ".0f",
                         "peak_rss_mb": ".0f", "exponent": ".2f", "cpu_exponent": ".2f"}),
                  ""]  # fmt: skip
    if "ecb" not in skip:
        rows, mode = ecb([float(t) for t in args.thresholds.split(",")], args.seeds)
        parts += ["## Thread quality on ECB+\n",
                  f"982 articles, 86 event clusters (43 topics x 2 similar events). Mode: {mode}. "
                  f"Articles fed one at a time in {args.seeds} shuffled orders; means shown, "
                  "`f1_min` is the worst order.\n",
                  table(rows, ["threshold", "p", "r", "f1", "f1_min"], {"threshold": ".2f"}),
                  ""]  # fmt: skip
    if "demo" not in skip:
        row = demo()
        parts += ["## Thread quality on the demo scenario\n",
                  f"{row['fragments']} fragments, answer key `tearline/demo/answers.json` "
                  f"(`threads.main`, `threads.other`), through ingest and `fuse`. "
                  f"{row['main_in_largest']} of {row['main']} main-story fragments share one "
                  "thread.\n",
                  table([row], ["fragments", "threads", "p", "r", "f1"]), ""]  # fmt: skip
    if "calibrate" not in skip:
        dup, att = calibrate()
        parts += ["## Origin thresholds\n",
                  "Share of pairs at or above each shingle-Jaccard estimate: edited copies of ECB+ "
                  "articles (should all link) versus different articles about the same event "
                  "(independent reports: should not, though ECB+ holds some true syndicated "
                  "copies). Chosen: 0.5.\n",
                  table(dup, ["set", "n", ">=0.3", ">=0.4", ">=0.5", ">=0.6"]), "",
                  "Content-word Jaccard (32-permutation MinHash) for attribution links: a "
                  "shared named source links two fragments only at or above the chosen 0.12 "
                  "(4 of 32), and only within 7 days.\n",
                  table(att, ["set", "n", ">=0.09", ">=0.12", ">=0.15", ">=0.2"]), ""]  # fmt: skip
    if "quality" not in skip:
        parts += quality_tables()
    text = "\n".join(parts)
    print(text)
    if args.write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)


if __name__ == "__main__":
    main()
