"""Index inputs computed on the extraction workers decide exactly as the serial path.

``fuse`` computes every per-fragment input of ``ThreadIndex.add`` and
``OriginIndex.add`` (``threads.fragment_features``) on its extraction pool
and hands them to the single writer. These tests build one index the serial
way (``add`` computing the features itself) and one from a real pool's
features, over ECB+ articles with wire copies, cut copies and attributions
mixed in, and require the same threads, origin clusters, link reasons,
attachment scores and saved index, bit for bit.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from tearline.fusion.boilerplate import clean_fragment
from tearline.fusion.catalog import load_catalog, shared_data_dir
from tearline.fusion.extract import batch, extract
from tearline.fusion.prepared import prepare_extract_features
from tearline.fusion.threads import ThreadIndex, fragment_features
from tearline.model.fragment import Fragment

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"
T0 = datetime(2012, 5, 1, tzinfo=UTC)
OUTLETS = ("Reuters", "Associated Press", "BBC News", None)

pytestmark = pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")


def _corpus(n: int = 90) -> list[Fragment]:
    """ECB+ articles, then copies of some: whole, cut to half, and credited to an outlet."""
    texts = [json.loads(line)["text"] for line in ECB.read_text(encoding="utf-8").splitlines()]
    rows: list[tuple[str, str, str | None]] = []
    for i, text in enumerate(texts[::7][:n]):  # every 7th: many topics, some shared
        title, _, body = text.partition("\n")
        rows.append((title, body, OUTLETS[i % len(OUTLETS)]))
    for i, (title, body, _) in enumerate(list(rows[:30])):
        if i % 3 == 0:  # a wire copy under another headline
            rows.append((f"UPDATE: {title}", body, "Reuters"))
        elif i % 3 == 1:  # the first half, crediting the original outlet
            half = body[: len(body) // 2]
            rows.append((title, f"{half}\nAccording to Reuters, more later.", None))
        else:  # a short rewrite: the lead sentence only
            rows.append((title, body.split(". ")[0] + ".", "BBC News"))
    return [
        Fragment(
            id=f"report--f{k:03d}",
            title=title,
            body=body,
            reported_at=T0 + timedelta(hours=5 * k),
            received_at=T0 + timedelta(hours=5 * k),
            originator="ecb",
            source_name=f"src-{k % 7}",
            source_kind="news",
            source_agency="ecb",
            reliability="BCF"[k % 3],
            credibility=1 + k % 6,
            outlet=outlet,
        )
        for k, (title, body, outlet) in enumerate(rows)
    ]


def _plain(value: Any) -> Any:
    """Features as plain, comparable data (arrays as lists, dataclasses as dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        return ["array", str(value.dtype), value.tolist()]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_plain(v) for v in value]
        if isinstance(value, frozenset | set):
            items.sort(key=repr)
        return [type(value).__name__, items]
    if hasattr(value, "__slots__"):  # Passages
        return {k: _plain(getattr(value, k)) for k in value.__slots__}
    return value


def _decisions(index: ThreadIndex, ids: list[str], attachments: list[Any]) -> dict[str, Any]:
    origins = index.origins
    return {
        "threads": index.assignments(),
        "attachments": [(a.thread_id, a.opened, a.score, a.shared_entities) for a in attachments],
        "clusters": {fid: origins.cluster_of(fid) for fid in ids},
        "reasons": {fid: [lk.to_dict() for lk in origins.reasons(fid)] for fid in ids},
        "saved": json.dumps(index.to_dict(), sort_keys=True),
    }


def test_pooled_features_decide_as_the_serial_index(monkeypatch: pytest.MonkeyPatch,
                                                     pool_starts: list[str]) -> None:
    catalog = load_catalog()
    frags = _corpus()
    ids = [f.id for f in frags]

    serial = ThreadIndex()
    serial_atts = []
    for f in frags:
        g = clean_fragment(f)
        serial_atts.append(serial.add(g, extract(g, catalog)))

    # A real pool: the serial threshold is lowered so these fragments reach it.
    monkeypatch.setattr(batch, "_SERIAL_BELOW", 8)
    monkeypatch.setattr(batch, "_CHUNK", 5)
    pooled = ThreadIndex()
    pooled_atts = []
    unknown_terms = 0
    for g, mentions, features in prepare_extract_features(
        frags, catalog, clean_fragment, workers=2
    ):
        unknown_terms += len(features.unknown)
        pooled_atts.append(pooled.add(g, mentions, features))
    assert pool_starts, "the features must come from the pool"
    links = sum(len(pooled.origins.reasons(fid)) for fid in ids)
    # The corpus exercises what the writer still computes: terms weighed by the
    # store's document frequency, and origin links of every kind.
    assert unknown_terms > 0
    assert links >= 20
    kinds = {lk.kind for fid in ids for lk in pooled.origins.reasons(fid)}
    assert len(kinds) >= 2, kinds
    assert len(set(pooled.assignments().values())) > 10

    assert _decisions(pooled, ids, pooled_atts) == _decisions(serial, ids, serial_atts)


def test_features_survive_pickling_and_leave_the_index_unchanged() -> None:
    """What a worker sends is what the writer reads: a pickled round trip decides the same."""
    catalog = load_catalog()
    frags = _corpus(30)[:40]
    direct, shipped = ThreadIndex(), ThreadIndex()
    direct_atts, shipped_atts = [], []
    for f in frags:
        mentions = extract(f, catalog)
        features = pickle.loads(pickle.dumps(fragment_features(f, mentions)))
        sent = _plain(features)
        direct_atts.append(direct.add(f, mentions))
        shipped_atts.append(shipped.add(f, mentions, features))
        # The writer must not change the features it was handed.
        assert _plain(features) == sent
    ids = [f.id for f in frags]
    assert _decisions(shipped, ids, shipped_atts) == _decisions(direct, ids, direct_atts)


def test_an_index_without_origins_takes_features_without_them() -> None:
    catalog = load_catalog()
    frags = _corpus(20)[:20]
    plain, fed = ThreadIndex(track_origins=False), ThreadIndex(track_origins=False)
    for f in frags:
        mentions = extract(f, catalog)
        features = fragment_features(f, mentions, origins=False)
        assert features.origin is None
        a, b = plain.add(f, mentions), fed.add(f, mentions, features)
        assert (a.thread_id, a.score) == (b.thread_id, b.score)
    assert plain.to_dict() == fed.to_dict()
