"""The shared trigger automaton answers every gate exactly as substring searches did."""

from __future__ import annotations

import gc
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tearline.fusion.extract  # noqa: F401  (imports every extractor, so every gate registers)
from tearline.fusion.catalog import shared_data_dir
from tearline.fusion.extract.gate import Gated
from tearline.fusion.extract.matcher import TRIGGERS, TriggerWords

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"


def _gates() -> list[Gated]:
    return [o for o in gc.get_objects() if isinstance(o, Gated) and o.triggers is not None]


def _substring(gate: Gated, lowered: str) -> bool:
    assert gate.triggers is not None
    return any(t in lowered for t in gate.triggers)


def test_every_gate_registered_its_words() -> None:
    gates = _gates()
    assert len(gates) >= 50
    words = {w for g in gates for w in g.triggers or ()}
    assert words <= TRIGGERS._words


@pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")
def test_gates_agree_with_substring_search_on_ecb() -> None:
    gates = _gates()
    texts = [json.loads(line)["text"].lower() for line in ECB.read_text().splitlines()[:400]]
    opened = 0
    for lowered in texts:
        for gate in gates:
            assert gate.may_match(lowered) == _substring(gate, lowered), (gate.pattern.pattern[:60])
            opened += _substring(gate, lowered)
    assert 0 < opened < len(texts) * len(gates)  # both answers occur


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["kill", "killed", "ed", "ill", "k", " ", "bomb", "omb",
                                 "bombing", "-", "x"]), max_size=12))
def test_words_inside_words_and_overlaps_are_found(parts: list[str]) -> None:
    """Aho-Corasick reports a word inside another and overlapping words, as `in` does."""
    words = ["kill", "killed", "ill", "bomb", "bombing", "led", "gki"]
    registry = TriggerWords()
    registry.register(words)
    text = "".join(parts)
    assert registry.present(text) == frozenset(w for w in words if w in text)


def test_a_word_registered_later_is_found() -> None:
    registry = TriggerWords()
    registry.register(["alpha"])
    assert registry.present("alpha beta") == {"alpha"}
    registry.register(["beta"])  # rebuilt, and the remembered answer dropped
    assert registry.present("alpha beta") == {"alpha", "beta"}
    assert TriggerWords().present("anything") == frozenset()
