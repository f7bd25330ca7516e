"""One pass over a text for the literal words of every gated pattern.

Each ``gate.Gated`` pattern runs only when one of its trigger words occurs in
the lower-cased text. Asking that pattern by pattern meant a substring search
per trigger word: about four hundred words over every article, several
times per article, costing more than some extractors. Here every trigger
word of every gated pattern goes into one Aho-Corasick automaton
(``pyahocorasick``); one pass over the text finds all that occur, and each
gate then asks a set. The answer is the same as the substring searches by
construction (the automaton reports every occurrence of every word, also
words inside other words); ``tests/fusion/test_extract_matcher.py`` checks
it on ECB+.

Extractors lower-case the same text independently, so the last few texts'
word sets are kept; a text is looked up by value.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import ahocorasick  # type: ignore[import-not-found]

__all__ = ["TRIGGERS", "TriggerWords"]

_KEEP = 4  # texts whose word sets are kept (extract runs over one text at a time)


class TriggerWords:
    """The trigger words of every registered gate, and which of them a text contains."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._automaton: ahocorasick.Automaton | None = None
        self._seen: OrderedDict[str, frozenset[str]] = OrderedDict()

    def register(self, words: Iterable[str]) -> None:
        """Add a gate's words; the automaton is rebuilt at the next lookup if any is new."""
        new = set(words) - self._words
        if new:
            self._words |= new
            self._automaton = None
            self._seen.clear()

    def _build(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        for word in sorted(self._words):
            automaton.add_word(word, word)
        automaton.make_automaton()
        self._automaton = automaton
        return automaton

    def present(self, lowered: str) -> frozenset[str]:
        """The registered words that occur in ``lowered`` (anywhere, overlaps included)."""
        if not self._words:
            return frozenset()
        found = self._seen.get(lowered)
        if found is not None:
            self._seen.move_to_end(lowered)
            return found
        automaton = self._automaton or self._build()
        found = frozenset(word for _end, word in automaton.iter(lowered))
        self._seen[lowered] = found
        if len(self._seen) > _KEEP:
            self._seen.popitem(last=False)
        return found


TRIGGERS = TriggerWords()
"""The one registry the extractors' gates share."""
