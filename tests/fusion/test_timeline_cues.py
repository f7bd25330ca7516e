"""Timeline cues found through the shared automaton are those a per-sentence search finds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion import timeline as T
from tearline.fusion.catalog import shared_data_dir
from tearline.fusion.extract.starts import START_INDEX

ECB = shared_data_dir() / "news-events" / "ecbplus_docs.jsonl"


def _agree(text: str) -> bool:
    """Both paths give the same sentences and cues; True when the indexed one ran."""
    assert T._CUE_IDS is not None
    starts = START_INDEX.starts(text)
    if starts is None:
        return False
    assert T._cue_hits_indexed(text, starts, T._CUE_IDS) == T._cue_hits_scanned(text), text[:80]
    return True


def test_every_cue_has_start_words() -> None:
    assert T._CUE_IDS is not None and len(T._CUE_IDS) == len(T._CUES)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Gunmen attacked the post. Police arrested two men and raided a flat.",
        "ATTACKED at dawn!attack again?Attacks no; attack.",
        "He warned of a threat warning\nthen warned again. Officials denied it: too vague.",
        "U.S. officials asked for help.Asked partners. Requested, requests and a request",
        "Claimed responsibility; claims of responsibility: claiming responsibility.",
        "The communiqué and the communique, a press conference, a statement.",
        "plotting-planning;plot_plotted threatens threatened dismisses",
        "vague too vague  too  vague tooVague",
        "an attack\u2019s aftermath, bombings bombed bomb explosion exploded",
    ],
)
def test_hand_made_texts(text: str) -> None:
    assert _agree(text) or not text


_CUE_WORDS = [
    "attack", "attacked", "Attacks", "raid", "RAIDED", "warn", "warning", "threat warning",
    "alert", "advisory", "statement", "communiqué", "press conference", "requested",
    "asked for", "asked partners", "plot", "planning", "threatened", "denied", "too vague",
    "vague", "claimed responsibility", "claim of responsibility", "gunmen", "opened fire",
    "detained", "arrests", "rebuffed", "baseless",
]  # fmt: skip
_GLUE = [" ", ". ", "! ", "? ", "\n", ", ", "", "-", "'s ", "; ", " the ", "x", "_", "é"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CUE_WORDS), st.sampled_from(_GLUE)), max_size=12))
def test_generated_texts(parts: list[tuple[str, str]]) -> None:
    _agree("".join(word + glue for word, glue in parts))


@pytest.mark.skipif(not ECB.exists(), reason="ECB+ texts not present")
def test_ecb_texts() -> None:
    texts = [json.loads(line)["text"] for line in ECB.read_text(encoding="utf-8").splitlines()]
    indexed = sum(_agree(t) for t in texts)
    assert indexed > len(texts) // 2  # the indexed path is the one fusion takes
