"""The single writer of ``tearline fuse`` alone: its CPU per article, by phase.

``bench/throughput.py``'s ``store-*`` rows time the writer beside the pool's
workers, so a writer change is measured through the workers' noise and costs
a full extraction per run. Here the workers' results are computed once
(``--setup``: a store of ``--n`` ECB+ articles built as ``store_child``
builds it, and every fragment's prepared result pickled in the pool's
chunks) and each run replays them: it copies the store, unpickles the
chunks in order (the writer's receiving cost) and runs ``pipeline.fuse`` in
this process, with ``time.process_time`` around each phase. The ``outcome``
digest is ``throughput.outcome``'s, so a run that decides differently says so.

    python bench/writer_cpu.py --setup --n 10000   # once (minutes: extraction)
    python bench/writer_cpu.py --n 10000           # one timed run (JSON line)
    python bench/writer_cpu.py --n 10000 --profile /tmp/w.prof

The setup must be redone when the workers' output changes (``FragmentFeatures``).
"""

from __future__ import annotations

import argparse
import functools
import json
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHUNK = 32  # extract.batch._CHUNK: what one worker result carries


def _cache(n: int) -> Path:
    return Path(tempfile.gettempdir()) / f"tearline-writer-cpu-{n}"


def setup(n: int) -> None:
    """Build the store and pickle the prepared results, as the pool returns them."""
    import os

    from throughput import store_files

    from tearline.fusion.boilerplate import clean_fragment
    from tearline.fusion.extract.batch import _run_prepared
    from tearline.fusion.threads import fragment_features
    from tearline.ingest.run import ingest_paths
    from tearline.pipeline import catalog_for, load_fragments
    from tearline.store.db import ensure_current, make_engine

    cache = _cache(n)
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{cache}/store.db")
    ensure_current(engine)
    ingest_paths(engine, store_files(n, cache))
    with engine.connect() as conn:
        catalog, _ = catalog_for(conn)
        frags = load_fragments(conn)
    engine.dispose()
    then = functools.partial(fragment_features, origins=True)
    work = functools.partial(_run_prepared, catalog=catalog, prepare=clean_fragment, then=then)
    from concurrent.futures import ProcessPoolExecutor

    chunks = [frags[i:i + CHUNK] for i in range(0, len(frags), CHUNK)]
    with ProcessPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool, \
            (cache / "prepared.pkl").open("wb") as out:
        for result in pool.map(work, chunks):
            blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(blob, out, protocol=pickle.HIGHEST_PROTOCOL)


def _replay(path: Path) -> Callable[..., Iterator[Any]]:
    """A stand-in for ``prepare_extract_features`` that unpickles the saved chunks in order."""

    def prepared(fragments: Any, catalog: Any, prepare: Any, **_: Any) -> Iterator[Any]:
        frags = list(fragments)
        with path.open("rb") as src:
            blobs = []
            while True:
                try:
                    blobs.append(pickle.load(src))
                except EOFError:
                    break
        loads = _timed("unpickle", pickle.loads)
        results = (r for blob in blobs for r in loads(blob))
        for f, (changed, mentions, extra) in zip(frags, results, strict=True):
            yield (f if changed is None else changed), mentions, extra

    return prepared


PHASES: dict[str, float] = {}


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            PHASES[name] = PHASES.get(name, 0.0) + time.process_time() - t

    return wrapper


def run(n: int, profile: str | None) -> dict[str, Any]:
    from throughput import outcome

    import tearline.assess.store as assess_store
    import tearline.pipeline as pipeline
    import tearline.warn.delivery as delivery
    from tearline.fusion.origins import OriginIndex
    from tearline.fusion.threads import ThreadIndex
    from tearline.store.db import make_engine
    from tearline.store.uow import UnitOfWork

    cache = _cache(n)
    setattr(pipeline, "prepare_extract_features", _replay(cache / "prepared.pkl"))  # noqa: B010
    ThreadIndex.add = _timed("thread_add", ThreadIndex.add)  # type: ignore[method-assign]
    OriginIndex.add = _timed("origin_add", OriginIndex.add)  # type: ignore[method-assign]
    pipeline._persist = _timed("persist", pipeline._persist)
    pipeline._save_payload = _timed("save_payload", pipeline._save_payload)
    assess_store.recompute = _timed("recompute", assess_store.recompute)
    delivery.scan = _timed("scan", delivery.scan)
    pipeline.catalog_for = _timed("catalog", pipeline.catalog_for)
    pipeline.load_fragments = _timed("load_fragments", pipeline.load_fragments)
    UnitOfWork.commit = _timed("commit", UnitOfWork.commit)  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(cache / "store.db", f"{tmp}/store.db")
        engine = make_engine(f"sqlite:///{tmp}/store.db")
        prof = None
        if profile:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        cpu = time.process_time()
        _, stats = pipeline.fuse(engine)
        cpu = time.process_time() - cpu
        if prof and profile:
            prof.disable()
            prof.dump_stats(profile)
        decided = outcome(engine)
        engine.dispose()
    per = 1000 / max(stats.added, 1)
    return {"articles": stats.added, "writer_ms_per_article": round(cpu * per, 3),
            **{k: round(v * per, 3) for k, v in sorted(PHASES.items())}, "outcome": decided}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--profile")
    args = parser.parse_args()
    if args.setup:
        setup(args.n)
        return 0
    print(json.dumps(run(args.n, args.profile)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
