"""Small helpers shared by the extractors: tokens, sentences, numbers."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from tearline.model.mention import Mention, MentionKind

WORD = re.compile(r"\w+", re.UNICODE)
# Between two tokens of one name only spaces, hyphens, dashes, apostrophes,
# dots of initials and slashes may appear; a comma or line break ends it.
JOINER = re.compile(r"[ \t\-–—'’./]{1,3}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])|\n+")

# Lower-case words allowed inside a capitalised name ("Army of the Pure").
PARTICLES = frozenset(
    [
        "of",
        "the",
        "and",
        "in",
        "for",
        "al",
        "el",
        "ul",
        "bin",
        "bint",
        "ibn",
        "fi",
        "wa",
        "wal",
        "de",
        "la",
        "le",
        "du",
        "des",
        "da",
        "di",
        "von",
        "van",
        "y",
        "bil",
    ]
)

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "a": 1,
    "an": 1,
    "single": 1,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
NUMBER_WORDS = sorted([*_UNITS, *_TENS, *_SCALES, "dozen"], key=len, reverse=True)
# A number written in digits ("1,234") or in words ("one hundred and forty-three").
_WORD_ALT = "|".join(NUMBER_WORDS)
NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+|(?:"
    + _WORD_ALT
    + r")(?:(?:[\s-]+|\s+and\s+)(?:"
    + _WORD_ALT
    + r"))*)"
)


def parse_number(text: str) -> int | None:
    """Digits or English number words to an int ("a dozen" → 12)."""
    text = text.strip().lower().replace(",", "")
    if text.isdigit():
        return int(text)
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", text):
        if word in ("and", ""):
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "dozen":
            current = max(current, 1) * 12
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        else:
            return None
        seen = True
    return total + current if seen else None


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence, splitting on end punctuation and line breaks."""
    start = 0
    for match in SENTENCE_END.finditer(text):
        if match.start() > start:
            yield start, match.start()
        start = match.end()
    if start < len(text):
        yield start, len(text)


def sentence_at(text: str, index: int) -> tuple[int, int]:
    """The sentence containing ``index`` (the whole text when it falls between two).

    Extractors ask this of one text twenty-odd times, so the text's
    sentences are split once and kept for the last few texts; sentences are
    disjoint and in order, so only the last one starting at or before
    ``index`` can hold it.
    """
    starts, spans = _split(text)
    k = bisect_right(starts, index) - 1
    if k >= 0 and index <= spans[k][1]:
        return spans[k]
    return 0, len(text)


@lru_cache(maxsize=4)
def _split(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """``sentences(text)`` as lists (their starts, and the spans), kept for the last 4 texts."""
    spans = list(sentences(text))
    return [s for s, _ in spans], spans


# Characters that are not alphanumeric, to spaces (``str.translate``); the
# non-ASCII ones are added as texts bring them (``alnum_spaced``).
_SEPARATORS: dict[int, int] = {i: 32 for i in range(128) if not chr(i).isalnum()}
_SEEN: set[str] = set()


def alnum_spaced(text: str) -> str:
    """``text`` with every character that is not alphanumeric as a space, same length.

    An automaton over it can demand whole words by storing them with a
    space on each side, instead of asking ``isalnum`` around its every hit.
    """
    if not text.isascii():
        for ch in set(text) - _SEEN:
            if not ch.isalnum():
                _SEPARATORS[ord(ch)] = 32
            _SEEN.add(ch)
    return text.translate(_SEPARATORS)


def is_capitalised(token: str) -> bool:
    return token[:1].isupper() or token[:1].isdigit()


def shouting(text: str, start: int, end: int, window: int = 40) -> bool:
    """True when the surroundings are written in capitals (a headline in caps),
    where a capitalised word says nothing about being a name."""
    around = text[max(0, start - window) : end + window]
    letters = list(filter(str.isalpha, around))
    return len(letters) >= 12 and sum(map(str.isupper, letters)) / len(letters) > 0.7


def mention(
    kind: MentionKind,
    text: str,
    start: int,
    end: int,
    value: Any,
    confidence: float = 1.0,
    **detail: Any,
) -> Mention:
    """A Mention whose ``text`` is exactly ``text[start:end]``."""
    return Mention(kind, text[start:end], start, end, value, confidence, dict(detail))


def drop_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest of overlapping mentions of one kind (first wins ties)."""
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))
