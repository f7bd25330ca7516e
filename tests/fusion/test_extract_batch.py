"""extract_many: the same mentions as extract, in input order, on a real process pool."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tearline.fusion.catalog import Actor, Catalog, shared_data_dir
from tearline.fusion.extract import extract, extract_many
from tearline.model.fragment import Fragment

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"
CATALOG = Catalog([Actor("ca:36", "Islamic State", ("ISIS", "Daesh"), ("ca:36",))])
T0 = datetime(2012, 5, 1, tzinfo=UTC)


def _fragments(texts: list[str]) -> list[Fragment]:
    return [
        Fragment(
            id=f"report--{i}",
            title=text.split("\n", 1)[0],
            body=text.split("\n", 1)[-1],
            reported_at=T0 + timedelta(hours=i),
            received_at=T0 + timedelta(hours=i),
            originator="ecb",
            source_name="ecb",
            source_kind="news",
            source_agency="ecb",
            reliability="F",
            credibility=6,
        )
        for i, text in enumerate(texts)
    ]


@pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")
def test_pool_results_equal_serial_results_in_order() -> None:
    lines = ECB.read_text(encoding="utf-8").splitlines()[:240]
    frags = _fragments([json.loads(line)["text"] for line in lines])
    pooled = list(extract_many(frags, CATALOG, workers=2, chunksize=16))
    assert pooled == [extract(f, CATALOG) for f in frags]


def test_small_batches_and_one_worker_run_in_process() -> None:
    frags = _fragments(["Daesh claimed the attack in Paris on Monday.", "Nothing here."])
    assert list(extract_many(frags, CATALOG)) == [extract(f, CATALOG) for f in frags]
    one_worker = list(extract_many(frags * 40, CATALOG, workers=1))
    assert one_worker == [extract(f, CATALOG) for f in frags * 40]


@pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")
@pytest.mark.parametrize("workers", [1, 2])
def test_prepare_and_extract_equals_preparing_then_extracting(workers: int) -> None:
    """fuse strips boilerplate on the workers: the same fragments and mentions, in order."""
    from tearline.fusion.boilerplate import clean_fragment
    from tearline.fusion.extract.batch import prepare_and_extract

    lines = ECB.read_text(encoding="utf-8").splitlines()[:300]
    frags = _fragments([json.loads(line)["text"] for line in lines])
    # Real site furniture on a third of them, so both the changed and the unchanged paths run.
    frags = [f if i % 3 else replace(f, body=f.body + "\nFollow us on Twitter for updates.")
             for i, f in enumerate(frags)]
    expected = [(g, extract(g, CATALOG)) for g in map(clean_fragment, frags)]
    assert sum(g is not f for g, f in zip(map(clean_fragment, frags), frags, strict=True)) >= 50
    got = list(prepare_and_extract(frags, CATALOG, clean_fragment, workers=workers,
                                   chunksize=16, serial_below=64))
    assert got == expected
    # An unchanged fragment comes back as the very object given, not a copy.
    assert all(g is f for (g, _), f in zip(got, frags, strict=True) if clean_fragment(f) is f)
