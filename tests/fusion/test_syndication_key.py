"""The syndication benchmark's answer key for ECB+'s own wire groups (``bench/fusion_sets``).

Two outlets printing one spokesman's statement have not copied each other's
reporting; the session 6 audit (``docs/benchmarks-fusion.md``) found the raw
8-gram key joining such pages. The key now also asks for shared text outside
quotations, and still joins a real wire copy that carries the same quotes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import fusion_sets

STATEMENT = (
    "`` We are aware of the incident and we take these issues very seriously .\n"
    "We will monitor the situation closely and have no further comment at this time . ''"
)
LEDE = (
    "Firefighters were called to the church about 9:40 p.m. and found flames"
    " and smoke coming out of the windows ."
)


def _row(name: str, text: str) -> dict[str, Any]:
    return {"doc_name": name, "event_cluster": "e", "text": text}


def _own_words(k: int) -> str:
    return " ".join(f"word{k}x{n}" for n in range(20)) + " ."


def test_pages_sharing_only_a_statement_are_two_origins() -> None:
    rows = [_row("a", f"{_own_words(1)}\n{STATEMENT}"), _row("b", f"{_own_words(2)}\n{STATEMENT}")]
    assert fusion_sets._ecb_wire_copies(rows, quotes=True) == {"a": "a", "b": "a"}
    assert fusion_sets._ecb_wire_copies(rows) == {"a": "a", "b": "b"}


def test_a_wire_copy_with_the_same_statement_stays_one_origin() -> None:
    rows = [
        _row("a", f"{LEDE}\n{_own_words(1)}\n{STATEMENT}"),
        _row("b", f"{LEDE}\n{_own_words(2)}\n{STATEMENT}"),
    ]
    assert fusion_sets._ecb_wire_copies(rows) == {"a": "a", "b": "a"}


def test_unquoted_blanks_a_quotation_but_not_an_unclosed_mark() -> None:
    assert "seriously" not in fusion_sets.unquoted(STATEMENT)
    assert "flames" in fusion_sets.unquoted('He said " ' + LEDE)


def test_an_unknown_key_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown answer key 'sentences'"):
        fusion_sets.syndication_items("tune", key="sentences")
