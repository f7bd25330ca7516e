"""``sentence_at`` over kept sentence splits answers as a scan of the sentences does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tearline.fusion.extract._common import sentence_at, sentences


def _scanned(text: str, index: int) -> tuple[int, int]:
    for start, end in sentences(text):
        if start <= index <= end:
            return start, end
    return 0, len(text)


def test_an_index_between_sentences_gets_the_whole_text() -> None:
    text = "One two.   Three four!\n\nFive"
    assert sentence_at(text, 2) == (0, 8)
    assert sentence_at(text, 9) == (0, len(text))  # inside the spaces after "two."
    assert sentence_at(text, 12) == (11, 22)
    assert sentence_at(text, len(text)) == (24, len(text))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["Word", " ", ". ", "! ", "\n", "\n\n", "x", "“Q", "(a", "?"]),
             max_size=25).map("".join),
    st.integers(min_value=-2, max_value=80),
)  # fmt: skip
def test_same_sentence_as_a_scan(text: str, index: int) -> None:
    assert sentence_at(text, index) == _scanned(text, index)
    assert sentence_at(text, index) == _scanned(text, index)  # again, from the kept split
