"""The ASCII path of ``passages.normalize_text`` gives what the general path gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.catalog import shared_data_dir
from tearline.fusion.passages import _normalize_any, normalize_text

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_any_ascii_text(text: str) -> None:
    assert normalize_text(text) == _normalize_any(text)


@pytest.mark.parametrize(
    "text",
    ["", "  ", "A.B", "U.S.-led  raid\t\n(Reuters) --", "x\x1cy\x1fz\x0b\x0c", "a_b 1,000 O'Neil"],
)
def test_hand_made(text: str) -> None:
    assert normalize_text(text) == _normalize_any(text)


@pytest.mark.skipif(not ECB.exists(), reason="ECB+ texts not present")
def test_ecb_sentences_and_texts() -> None:
    texts = [json.loads(line)["text"] for line in ECB.read_text(encoding="utf-8").splitlines()]
    pieces = [p for t in texts for p in (t, *t.split(". ")) if p.isascii()]
    assert len(pieces) > len(texts)
    assert [normalize_text(p) for p in pieces] == [_normalize_any(p) for p in pieces]
