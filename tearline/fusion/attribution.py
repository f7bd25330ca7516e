"""Attribution phrases: the upstream sources a fragment says it rests on.

"According to Reuters", "told the Steppe Observer", "reviewed by the
ministry", a wire credit line: each names where a report's information came
from. They are *claimed* sources, kept on the fragment for the analyst; by
themselves they merge nothing (``origins.OriginIndex`` also needs a passage
both reports print). Only *named* sources count; "police said" or "officials
told reporters" name nobody in particular. The outlet that published a
fragment is not a source the fragment claims: counting it made any two
stories of one outlet in a week a single origin.

Split from ``origins.py`` so that the text patterns, which grow with every
new phrasing an analyst reports, live apart from the clustering machinery.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["SAID_MIN_WORDS", "Attribution", "parse_attributions", "said_words", "source_key"]

_SPACE = re.compile(r"\s+")

# A source name: capitalised words, optionally joined by short connectors
# ("Ministry of the Interior", "al-Qaeda in the Arabian Peninsula").
_WORD = r"[A-Z](?:[\w&'-]|\.(?=\w))*"  # "U.S" keeps its dots; a full stop ends the name
_NAME = rf"((?:{_WORD}|al-{_WORD})(?:\s+(?:of|for|and|the|de|al|in|{_WORD}))*)"
_DOC = (
    r"(?:(?:a|an|the)\s+)?"
    r"(?:(?:report|statement|document|memo|assessment|cable|bulletin|post)\s+(?:by|from|of)\s+"
    r"(?:the\s+)?)?"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("according_to", re.compile(r"\b[Aa]ccording to\s+" + _DOC + _NAME)),
    ("told", re.compile(r"\btold\s+" + _NAME)),
    ("reviewed_by", re.compile(r"\b(?:reviewed|seen|obtained)\s+by\s+" + _NAME)),
    ("citing", re.compile(r"\b[Cc]iting\s+" + _DOC + _NAME)),
    ("reported", re.compile(_NAME + r"\s+(?:reported|reports|first reported)\b")),
    ("dateline", re.compile(r"(?m)^[^\n(]{0,60}\(([A-Z][A-Za-z&. -]{1,40})\)\s*[-\u2013\u2014:]")),
    ("credit", re.compile(r"(?mi)^\s*(?:credit|source|via)\s*:\s*([^\n]{2,60})$")),
)
_NEEDS: dict[str, tuple[str, ...]] = {
    "according_to": ("ccording to",),
    "told": ("told",),
    "reviewed_by": ("reviewed", "seen", "obtained"),
    "citing": ("iting",),
    "reported": ("report",),
    "dateline": ("(",),
    "credit": (":",),
}
"""Literal text each pattern's every match contains (case as the pattern spells it).

A pattern is run only on a text holding one of its literals: most texts
hold none for most patterns, and "reported", which tries a name at every
capital letter, cost a third of all. ``tests/fusion/test_attribution_gate.py``
holds the gated parse to the full one."""
_ALIASES = {
    "associated press": "ap",
    "the associated press": "ap",
    "agence france-presse": "afp",
    "agence france presse": "afp",
    "reuters news agency": "reuters",
    "thomson reuters": "reuters",
}
# Names that do not identify one upstream report: linking on them would
# merge every story that mentions police or unnamed officials.
_GENERIC_WORDS = (
    "police officials sources he she they it we witnesses residents media authorities "
    "reporters journalists analysts experts officers investigators"
)
_GENERIC = frozenset(_GENERIC_WORDS.split())
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.I)
_TRAILING = re.compile(r"(?:'s|\s+(?:of|for|and|the|de|al|in))+$")


@dataclass(frozen=True, slots=True)
class Attribution:
    """An upstream source a fragment names, with the phrase that names it."""

    key: str
    """Normalised source name, the thing fragments are linked on."""
    kind: str
    """Pattern that found it: according_to, told, reviewed_by, citing, reported, dateline
    or credit."""
    phrase: str
    sentence: str = ""
    """The sentence that carries the phrase: what the fragment says the source said."""

    @property
    def is_wire_credit(self) -> bool:
        """A dateline or credit line: says who supplied the copy, not what they said."""
        return self.kind in ("dateline", "credit")

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind, "phrase": self.phrase,
                "sentence": self.sentence}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Attribution:
        return cls(data["key"], data["kind"], data["phrase"], data.get("sentence", ""))


def source_key(name: str) -> str | None:
    """The normalised key of a source or outlet name, or None for generic names."""
    key = _TRAILING.sub("", _LEADING.sub("", name.strip().strip(".,;:"))).strip()
    key = _SPACE.sub(" ", key.casefold())
    key = _ALIASES.get(key, key)
    if len(key) < 2 or key in _GENERIC:
        return None
    return key


_BOUNDARY = re.compile(r"[.!?]\s|\n")


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _BOUNDARY.finditer(text, 0, start)), default=0)
    right = _BOUNDARY.search(text, end)
    return text[left : right.start() + 1 if right else len(text)].strip()[:400]


def parse_attributions(text: str, outlet: str | None = None) -> list[Attribution]:
    """Find the named upstream sources ``text`` claims.

    ``outlet`` is the fragment's own publisher: a credit naming it (its own
    "(Outlet)" dateline) is not a claimed source and is left out.
    """
    found: dict[str, Attribution] = {}
    for kind, pattern in _PATTERNS:
        if not any(literal in text for literal in _NEEDS[kind]):
            continue
        for match in pattern.finditer(text):
            key = source_key(match.group(1))
            if key is not None and key not in found:
                sentence = _sentence_around(text, match.start(), match.end())
                found[key] = Attribution(key, kind, match.group(0).strip(), sentence)
    if outlet:
        found.pop(source_key(outlet) or "", None)
    return list(found.values())


# -- what a fragment says each source said -----------------------------------------

SAID_MIN_WORDS = 5
"""Fewer distinct content words than this say too little to compare."""
_LEAD_SENTENCES = 2
_CONTENT = re.compile(r"[^\W\d_]{3,}")
_SAID_STOP_WORDS = (
    "according the and for with from that this was were are has have had will would been "
    "said says told its his her their they them who which what when where there than into "
    "over after before about not but also reported report citing seen reviewed"
)
_SAID_STOP = frozenset(_SAID_STOP_WORDS.split())


def said_words(
    every: list[Attribution], own: str | None, sentences: Mapping[int, str]
) -> dict[str, np.ndarray]:
    """Content-word hashes of what the fragment says each named source said.

    Two reports naming one source that share no sentence are still one origin
    when what they attribute to it agrees. Wire credits say only who supplied
    the copy, so they attribute nothing; an outlet's own lead counts as what
    the outlet said, so a report crediting that outlet can be matched to it.
    """
    said = {
        a.key: _content_words(_naming(a.key, a.sentence, sentences), a.key)
        for a in every
        if not a.is_wire_credit
    }
    if own and own not in said:
        lead = " ".join(list(sentences.values())[:_LEAD_SENTENCES])
        said[own] = _content_words(_naming(own, lead, sentences), own)
    return {k: v for k, v in said.items() if len(v) >= SAID_MIN_WORDS}


def _naming(key: str, first: str, sentences: Mapping[int, str]) -> str:
    found = [s for s in sentences.values() if key in s.casefold() and s != first]
    return " ".join([first, *found])


def _content_words(text: str, key: str) -> np.ndarray:
    """Hashes of the content words of an attributed passage, the source's name left out."""
    drop = _SAID_STOP | set(key.split())
    words = {w for w in _CONTENT.findall(text.casefold()) if w not in drop}
    return np.unique(np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint32))
