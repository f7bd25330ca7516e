"""``_surname_hits`` finds what the per-text surname pattern found."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.extract.people import _surname_hits


def _pattern_hits(text: str, surnames: list[str]) -> list[tuple[int, int, str]]:
    pattern = re.compile(r"(?<![\w'’.-])(" + "|".join(map(re.escape, surnames)) + r")(?![\w-])")
    return [(*m.span(1), m.group(1)) for m in pattern.finditer(text)]


def test_first_surname_that_fits_wins_and_hyphens_block() -> None:
    text = "Smith-Jones met Smithson; O'Smith and Smith_ left. Smith"
    hits = list(_surname_hits(text, ["Smith", "Smithson"]))
    assert hits == [(16, 24, "Smithson"), (51, 56, "Smith")]
    assert hits == _pattern_hits(text, ["Smith", "Smithson"])


_PIECES = ["Smith", "Smithson", "son", "O'", "’", ".", "-", "_", " ", "\n", "x", "É", "Putin", "s"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=20).map("".join),
    st.lists(st.sampled_from(["Smith", "Smithson", "Putin", "son", "O'Smith"]), min_size=1,
             max_size=4, unique=True),
)  # fmt: skip
def test_same_hits_as_the_pattern(text: str, surnames: list[str]) -> None:
    assert list(_surname_hits(text, surnames)) == _pattern_hits(text, surnames)
