"""The word pre-check on assessment's wording cues finds exactly what searching every cue finds.

``cues_found`` skips a cue whose words are absent from the text; these tests
hold it to the plain search on real news (ECB+), on texts built to hit each
cue, and on non-ASCII text, where case folding is wider than ``str.lower``.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.assess.cues import cues_found
from tearline.assess.harm import _WORDING, _WORDING_WORDS
from tearline.assess.specificity import _HOW_CUES, _HOW_WORDS
from tearline.fusion.catalog import shared_data_dir

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"
TABLES = [(_HOW_CUES, _HOW_WORDS), (_WORDING, _WORDING_WORDS)]


def _every(text: str, cues: tuple[tuple[object, re.Pattern[str]], ...]) -> list[object]:
    return [label for label, cue in cues if cue.search(text)]


@pytest.mark.skipif(not ECB.is_file(), reason=f"ECB+ not found at {ECB}")
def test_same_labels_as_every_search_on_ecb() -> None:
    texts = [json.loads(line)["text"] for line in ECB.read_text(encoding="utf-8").splitlines()]
    hits = 0
    for text in texts:
        for cues, words in TABLES:
            found = cues_found(text, cues, words)
            assert found == _every(text, cues), text[:80]
            hits += len(found)
    assert hits > 100  # the check saw real matches, not only misses


@pytest.mark.parametrize("text", [
    "They bought two rifles and flew to Rome, paid for by a car dealer.",
    "SCOUTED THE SITE; A VEHICLE AND A DETONATOR WERE FOUND.",
    "Gunmen opened fire; three wounded, one hostage taken for ransom.",
    "He ſcouted the square",            # long s: re.I folds it to s, str.lower does not
    "A \u212aidnapping was reported",    # Kelvin sign folds to k
    "İnjured and abducted",              # dotted capital I
    "nothing to see here",
    "A skilled, unmasked crew; massacre-free. Mass casualty drill; they revisited it.",
    "flyer from Rome; fly from Rome; a cargo vehicle; a carton; a car",
])
def test_same_labels_on_hand_made_and_non_ascii_text(text: str) -> None:
    for cues, words in TABLES:
        assert cues_found(text, cues, words) == _every(text, cues)


def test_non_ascii_folding_still_matches() -> None:
    """Without the ASCII rule the long s and the Kelvin sign would be missed."""
    assert "reconnaissance" in cues_found("He ſcouted the square", _HOW_CUES, _HOW_WORDS)
    labels = cues_found("A \u212aidnapping was reported", _WORDING, _WORDING_WORDS)
    assert [str(x) for x in labels] == ["kidnapping"]


_WORDS = sorted({w.strip() for table in (_HOW_WORDS, _WORDING_WORDS) for ws in table for w in ws})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from(["ed", "s", "ing", " ", ".",
                                                                    "to", "from", "the", "Ä"]),
                          st.text(max_size=4)), max_size=12))
def test_same_labels_on_generated_text(parts: list[str]) -> None:
    text = " ".join(p.upper() if i % 3 == 0 else p for i, p in enumerate(parts))
    for cues, words in TABLES:
        assert cues_found(text, cues, words) == _every(text, cues)


def test_folds_to_ascii_holds_every_character_re_i_maps_onto_ascii() -> None:
    """The fast path's condition: outside these characters, ``re.I`` and ``str.lower`` agree."""
    from tearline.assess.cues import _FOLDS_TO_ASCII

    everything = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000)
    folding = set(re.findall("[a-z0-9_ ]", everything, re.I))
    longer = {c for c in everything if len(c.lower()) != 1}
    assert folding | longer == set(_FOLDS_TO_ASCII.pattern[1:-1])


@pytest.mark.parametrize("text", [
    "\u201cGunmen\u201d opened fire \u2014 the hostage\u2019s family paid for the release.",
    "Caf\u00e9 scouted; K\u00f6ln: a car, a DEVICE, \u00c9lite gunmen",
])
def test_same_labels_on_non_ascii_text_without_folding_characters(text: str) -> None:
    for cues, words in TABLES:
        found = cues_found(text, cues, words)
        assert found == _every(text, cues)
        assert found
