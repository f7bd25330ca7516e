"""The whole-word gazetteer automaton finds the hits a boundary test on every raw hit found."""

from __future__ import annotations

import json
from functools import lru_cache

import ahocorasick  # type: ignore[import-not-found]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.catalog import shared_data_dir
from tearline.fusion.extract import places
from tearline.fusion.extract.places import _hits

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"


@lru_cache(maxsize=1)
def _raw() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    names = {
        *places.country_index(),
        *places.DEMONYMS,
        *places._region_index(),
        *places._city_index(),
        *places._PROVINCES,
    }
    for name in names:
        automaton.add_word(name, len(name))
    automaton.make_automaton()
    return automaton


def _reference(probe: str) -> dict[int, list[int]]:
    """Every raw hit, kept when no letter or digit touches it (a stop may end it)."""
    out: dict[int, list[int]] = {}
    for last, length in _raw().iter(probe):
        start, end = last - length + 1, last + 1
        if start > 0 and probe[start - 1].isalnum():
            continue
        if end < len(probe) and probe[end].isalnum() and probe[end - 1] != ".":
            continue
        out.setdefault(start, []).append(end)
    return {k: sorted(v, reverse=True) for k, v in out.items()}


@pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")
def test_same_hits_on_real_news() -> None:
    texts = [json.loads(line)["text"] for line in ECB.read_text(encoding="utf-8").splitlines()]
    for text in texts[::5]:
        assert _hits(text) == _reference(text)


_PIECES = [
    "New York", "New-York", "New", " ", "York", "St. Louis", "St Louis", "Port-au-Prince",
    "Port au Prince", "Paris", "Parisian", "xParis", "France", ".", ",", "\n", "-", "É", "ö",
    "Côte d'Ivoire", "Washington", "Georgia", "1", "_",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
def test_same_hits_on_any_text(text: str) -> None:
    assert _hits(text) == _reference(text)
