"""The literal gates in front of the extractors' patterns never hide a match."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.catalog import shared_data_dir
from tearline.fusion.extract import casualties, claims, modalities, people, times, venues
from tearline.fusion.extract.gate import Gated, triggers

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"
GATES = [
    *(g for g, _ in venues._PATTERNS),
    *(g for g, _ in times._GATED),
    *(g for g, _ in modalities._PATTERNS),
    modalities._NOT_GATED,
    *casualties._GATED,
    *(g for g, _ in claims._GATED),
    *(g for g, _, _ in people._PATTERNS),
]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bchurche?s?\b", {"church"}),
        (r"(?:football )?stadiums?|arena", {"stadium", "arena"}),
        (r"\d+ killed", {" killed"}),
        (r"\d+|killed", None),  # a branch without a literal: always run
        (r"(?P<mod>next|last)\s+week", {"week"}),
    ],
)
def test_triggers_are_required_literals(pattern: str, expected: set[str] | None) -> None:
    found = triggers(pattern, re.IGNORECASE)
    assert found == (frozenset(expected) if expected is not None else None)


def test_most_extractor_patterns_are_gated() -> None:
    assert sum(g.triggers is not None for g in GATES) >= 0.9 * len(GATES)


@pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")
def test_no_gate_hides_a_match_on_real_news() -> None:
    texts = [json.loads(line)["text"] for line in ECB.read_text(encoding="utf-8").splitlines()]
    for gate in GATES:
        for text in texts[::3]:
            if gate.pattern.search(text):
                assert gate.may_match(text.lower()), (gate.pattern.pattern[:60], gate.triggers)


_PIECES = ["killed", "Bomb", "church", " ", "3", "last week", "said", "President ", "X", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join) | st.text(max_size=80))
def test_no_gate_hides_a_match_on_any_text(text: str) -> None:
    for gate in GATES:
        if gate.pattern.search(text):
            assert Gated(gate.pattern).may_match(text.lower())
