"""Sentence-level wording cues the bias alarms read.

Kept apart from the alarm logic so each pattern can be tested on its own
case table. Cues work per sentence, and a negation in the sentence turns a
judgement around ("not a downgrade", "nothing suggests Kyrgyz involvement"),
which is exactly where naive keyword alarms go wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from tearline.model.mention import Mention, MentionKind

__all__ = [
    "Blame",
    "cues_found",
    "dismissal_reason",
    "find_blames",
    "find_dismissals",
    "find_downgrades",
    "find_rejections",
    "sentences",
]

_L = TypeVar("_L")


def cues_found(text: str, cues: Sequence[tuple[_L, re.Pattern[str]]],
               words: Sequence[Sequence[str]]) -> list[_L]:
    """The labels of the case-insensitive ``cues`` that match ``text``, in cue order.

    ``words[i]`` are lower-case literals one of which every match of
    ``cues[i]`` begins with. Assessment runs its cues over every fragment of
    every touched thread, and a search for a pattern that opens on ``\\b``
    and an alternation tries every position of the text (60-80 µs a cue on
    a 2,000-character article). So a cue is only tried where one of its
    words occurs in the lower-cased text (``_matches_at``): every match
    starts at such a place, so the answer is the search's. That needs
    ``re.I`` to fold no character of the text onto an ASCII letter that
    ``str.lower`` leaves alone, and ``str.lower`` to keep every offset: true
    of all text but that holding one of the four characters of
    ``_FOLDS_TO_ASCII`` (``ſ`` for ``s``, ``K`` for ``k``, dotted and
    dotless i), which gets every search.
    """
    if not text.isascii() and _FOLDS_TO_ASCII.search(text):
        return [label for label, cue in cues if cue.search(text)]
    low = text.lower()
    return [label for (label, cue), need in zip(cues, words, strict=True)
            if _matches_at(cue, text, low, need)]


_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")
"""The non-ASCII characters ``re.I`` matches to an ASCII letter (U+0130 also
lower-cases to two characters); a test finds them again over all of Unicode."""


def _matches_at(cue: re.Pattern[str], text: str, low: str, need: Sequence[str]) -> bool:
    """Whether ``cue`` matches ``text`` starting at an occurrence of a ``need`` word in ``low``.

    ``match`` at a position still reads the character before it for ``\\b``,
    so a word inside a longer one ("skill") fails as it would in a search.
    """
    match, find = cue.match, low.find
    for word in need:
        at = find(word)
        while at >= 0:
            if match(text, at):
                return True
            at = find(word, at + 1)
    return False


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_NEGATION = re.compile(
    r"\b(?:no|not|nothing|never|without|denied|denies|deny|rejected|laughed at|"
    r"finds no|found nothing|cannot|n't)\b", re.I)
_DISMISSAL = re.compile(
    r"\b(?:provocation|blackmail|fabricat\w*|baseless|groundless|fake|hoax|scaremongering|"
    r"dismiss\w*|no concrete information|what such (?:alarms|warnings) are worth)\b", re.I)
_SENDER_ONLY = re.compile(
    r"\b(?:(?:western|foreign|hostile|adversary|enemy|unfriendly) (?:special |intelligence |"
    r"security )?(?:services?|embassies|governments?|agenc\w+)|adversary service|"
    r"comes? from an? (?:adversary|hostile|foreign) (?:service|source)|because of who sent)\b",
    re.I)
_SUBSTANTIVE = re.compile(
    r"\b(?:investigat\w+ (?:found|showed|established)|(?:we|officers|police) (?:checked|"
    r"searched|verified)|no trace of|evidence shows|records show|found no sign)\b", re.I)
_DOWNGRADE = re.compile(
    r"\b(?:downgrad\w*|lower(?:ed|ing)? the (?:threat|alert)(?: level)?|threat (?:has )?"
    r"(?:passed|receded|is over|ended)|stand(?:ing)? down|false alarm|no longer (?:a threat|"
    r"current)|lift(?:ed|ing)? the (?:alert|warning)|what such (?:alarms|warnings) are worth|"
    r"passed without incident)\b", re.I)
_BLAME = re.compile(
    r"\b(?:handwriting of|(?:was|were|is|are) behind|stand behind|behind the (?:attack|crime|"
    r"operation)|blam\w+|ordered|organi[sz]ed|orchestrat\w+|on the orders of|directed by|"
    r"carried out by|responsib\w+|claim(?:s|ed)?)\b", re.I)
_PARTY = re.compile(
    r"\b([A-Z][a-z]{3,})(?:'s)? (?:special services|intelligence services|security services|"
    r"secret services|intelligence|government|authorities)\b")
_STATE_WORDS = re.compile(r"\b(?:state|states|government|special services)\b", re.I)


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) spans, so mentions can be placed in sentences."""
    return [(m.start(), m.end(), m.group(0)) for m in _SENTENCE.finditer(text)]


def find_dismissals(text: str) -> list[str]:
    """Sentences that dismiss or discount a warning (not negated ones)."""
    out = []
    for _, _, s in sentences(text):
        m = _DISMISSAL.search(s)
        if m and not re.search(r"\b(?:not|no) (?:a |an )?" + re.escape(m.group(0)), s, re.I):
            out.append(s.strip())
    return out


def dismissal_reason(text: str) -> str:
    """``substantive``, ``sender`` (only who sent it) or ``none``."""
    if _SUBSTANTIVE.search(text):
        return "substantive"
    if _SENDER_ONLY.search(text):
        return "sender"
    return "none"


def find_downgrades(text: str) -> list[str]:
    """Sentences that lower a threat, skipping negated ones ("not a downgrade")."""
    out = []
    for _, _, s in sentences(text):
        m = _DOWNGRADE.search(s)
        if m is None:
            continue
        before = s[: m.start()]
        if re.search(r"\b(?:not|no|never)\b[\w ,']{0,20}$", before, re.I):
            continue
        out.append(s.strip())
    return out


@dataclass(frozen=True, slots=True)
class Blame:
    """A sentence attributing (or rejecting an attribution to) a party."""

    party: str
    """``actor:<id>`` for catalogued actors, ``party:<stem>`` for states and services."""
    text: str
    negated: bool


def _parties(
    start: int, end: int, sentence: str, mentions: Sequence[Mention], negated: bool
) -> set[str]:
    # A country named in an affirmative sentence is usually a location
    # ("the Afghanistan-based affiliate"); only a service or government is a
    # party there. In a rejection, the bare country is what is rejected.
    found = {f"party:{m.group(1)[:5].casefold()}" for m in _PARTY.finditer(sentence)}
    for m in mentions:
        if not (start <= m.start < end):
            continue
        if m.kind is MentionKind.ACTOR and not m.detail.get("candidate"):
            found.add(f"actor:{m.value}")
        elif negated and m.kind in (MentionKind.PLACE, MentionKind.NATIONALITY) and str(
            m.value
        ).startswith("country:"):
            name = str(m.detail.get("name") or m.text)
            found.add(f"party:{name[:5].casefold()}")
    return found


def find_blames(text: str, mentions: Sequence[Mention]) -> list[Blame]:
    """Attributions in ``text``; a negated one is a rejection of the parties it names."""
    out = []
    for start, end, s in sentences(text):
        negated = bool(_NEGATION.search(s))
        if not negated and not _BLAME.search(s):
            continue
        for party in sorted(_parties(start, end, s, mentions, negated)):
            out.append(Blame(party, s.strip(), negated))
    return out


def find_rejections(text: str) -> list[str]:
    """Negated sentences about states or governments (e.g. "no sign of state sponsorship")."""
    return [
        s.strip() for _, _, s in sentences(text)
        if _NEGATION.search(s) and _STATE_WORDS.search(s)
    ]
