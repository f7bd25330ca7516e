"""Trying a pattern only at its candidate starts finds exactly what ``finditer`` finds."""

from __future__ import annotations

import gc
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tearline.fusion.extract  # noqa: F401  (imports every extractor, so every gate exists)
from tearline.fusion.catalog import shared_data_dir
from tearline.fusion.extract.gate import Gated
from tearline.fusion.extract.starts import (
    StartIndex,
    canonical,
    finditer_from,
    literal_starts,
    text_is_plain,
)

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"


def _gates() -> list[Gated]:
    return [o for o in gc.get_objects() if isinstance(o, Gated)]


def _patterns() -> list[re.Pattern[str]]:
    return [g.pattern for g in _gates() if g.prefixes is not None]


_INDEX = StartIndex()
_IDS = {p: _INDEX.register(literal_starts(p.pattern, p.flags) or frozenset()) for p in _patterns()}


def _spans(matches: object) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in matches]  # type: ignore[attr-defined]


def _gates_agree(text: str) -> None:
    """Every gate, with its prefixes or its finder, finds what ``finditer`` finds."""
    lowered = text.lower()
    for gate in _gates():
        expected = _spans(gate.pattern.finditer(text)) if gate.may_match(lowered) else []
        assert _spans(gate.finditer(text, lowered)) == expected, (gate.pattern.pattern[:60], text)


def _agree(text: str) -> None:
    starts = _INDEX.starts(text)
    for pattern, pid in _IDS.items():
        expected = _spans(pattern.finditer(text))
        if starts is None:
            assert not text_is_plain(text)
            continue
        got = _spans(finditer_from(pattern, text, starts.get(pid, [])))
        assert got == expected, (pattern.pattern[:60], text[:80])


@pytest.mark.parametrize(
    ("source", "flags", "expected"),
    [
        # A word start is a space in front of the canonical prefix; \s is one space.
        (r"\b(?:(?P<mod>last|on)\s+)?(?P<wd>Monday|Friday)\b", re.I,
         {("last ", True), ("on ", True), ("monday", True), ("friday", True)}),
        # No boundary before it: anywhere, even inside a word.
        (r"(?:police|army) said", 0, {("police said", False), ("army said", False)}),
        # Digits, then no more: the repeat may go on.
        (r"\b\d{1,2} (?:May|June)", 0, {(d, True) for d in "0123456789"}),
        # A small class is its members; a negative look-behind of \w is a word start.
        (r"(?<![\w-])[Rr]esponsibility", 0, {("responsibility", True)}),
        # A separator first: not at a word start ("\b" there means the opposite).
        (r"\b's\b", 0, {(" s", False)}),
    ],
)  # fmt: skip
def test_prefixes_of_a_pattern(source: str, flags: int, expected: set[tuple[str, bool]]) -> None:
    assert literal_starts(source, flags) == frozenset(expected)


@pytest.mark.parametrize(
    "source",
    [
        r"[A-Z][a-z]+ said",  # a capital letter: any word start
        r"\w+ killed",
        r"(?:killed)?",  # can be empty
        r"\s+killed",  # a separator alone would make every space a candidate
        r"\b(?:a|[A-Z]\w+) ",  # one branch without a prefix
    ],
)
def test_patterns_without_usable_prefixes(source: str) -> None:
    assert literal_starts(source) is None


def test_lower_case_and_folding_that_disagree_make_a_text_not_plain() -> None:
    assert text_is_plain("Plain ASCII, and “curly” quotes — fine.")
    assert text_is_plain("Zürich and São Paulo")
    for odd in ("ſince", "Istanbul İstanbul", "ı", "٣ killed", "µ"):
        assert not text_is_plain(odd), odd
    assert canonical("Last-Friday’s") == "last friday s"


@pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")
def test_candidate_starts_find_every_match_on_real_news() -> None:
    assert len(_IDS) >= 30
    texts = [json.loads(line)["text"] for line in ECB.read_text(encoding="utf-8").splitlines()]
    assert sum(g.finder is not None for g in _gates()) >= 2
    for text in texts[::4]:
        _agree(text)
        _gates_agree(text)


_PIECES = [
    "killed", "Killed", "KILLED", "at least ", "three ", "3", "12", " ", "\n", "-", ",",
    "last ", "Friday", "on ", "said ", "President ", "Mr. ", "ſ", "ı", "İ", "K", "٣", "’s",
    "early ", "March", "the day before", "bomb", "in ", "a ", "people ", "were ", "wounded",
    "John ", "Smith", "A.", "J.", " .", "Abu ", ", a ", "spokesman", "É", "ö", "\t",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(max_size=60))
def test_candidate_starts_find_every_match_on_any_text(text: str) -> None:
    _agree(text)
    _gates_agree(text)
