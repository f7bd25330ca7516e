"""Literal pre-filters for the extractors' regular expressions.

Python's ``re`` cannot skip ahead to a set of literal words, so a
case-insensitive pattern with many alternatives tests every position of a
text; twenty such patterns cost more than all the real work on an article.
``Gated`` parses a pattern (with ``re``'s own parser) and derives the literal
strings of which at least one must occur in any match (``triggers``): the
most selective required literal run, group or alternation of its sequence and runs the pattern only
when one of them is a substring of the lower-cased text. When a pattern has
a branch with no required word (digits only, or words only inside optional
groups) it gets no triggers and always runs, so the gate can only skip work,
never matches; ``tests/fusion/test_extract_gate.py`` checks that on ECB+.

A gate that opens then still does not scan the whole text when the pattern's
matches can only begin at a few literal prefixes (``starts``): the pattern
is tried only where one of them begins, with the same matches as ``finditer``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["Gated", "triggers"]

from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

from tearline.fusion.extract.matcher import TRIGGERS
from tearline.fusion.extract.starts import (
    START_INDEX,
    StartFinder,
    finditer_from,
    literal_starts,
)

_MIN = 3  # shorter literals gate nothing


def _best(options: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective of several literal sets a match must hit one of."""
    good = [o for o in options if o and min(map(len, o)) >= _MIN]
    if not good:
        return None
    return max(good, key=lambda o: (min(map(len, o)), -len(o)))


def _need(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Literals one of which any match of this parsed sequence contains, or None."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= _MIN:
            options.append(frozenset({"".join(run)}))
        run.clear()

    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg).lower())
            continue
        flush()
        found: frozenset[str] | None = None
        if op is _c.SUBPATTERN:
            found = _need(list(arg[-1]))
        elif op is _c.BRANCH:
            parts = [_need(list(b)) for b in arg[1]]
            if all(p is not None for p in parts):
                found = frozenset(w for p in parts if p is not None for w in p)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and arg[0] >= 1:
            found = _need(list(arg[2]))
        if found is not None:
            options.append(found)
    flush()
    return _best(options)


def triggers(source: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case literals one of which every match contains, or None if unsure."""
    try:
        parsed = _parser.parse(source, flags)
    except Exception:
        return None
    return _need(list(parsed))


class Gated:
    """A compiled pattern plus the literal words that gate it."""

    __slots__ = ("_start_id", "finder", "pattern", "prefixes", "triggers")

    def __init__(
        self, pattern: re.Pattern[str], finder: StartFinder | None = None, *, index: bool = True
    ) -> None:
        """``finder``, for a pattern with no literal prefixes, finds every place it can begin.

        ``index=False`` keeps the prefixes out of the shared start index, for
        patterns only ever read for their triggers (the boilerplate cues):
        every pattern in the index costs each text's scan its hits.
        """
        self.pattern = pattern
        self.finder = finder
        self.triggers = triggers(pattern.pattern, pattern.flags)
        if self.triggers is not None:
            TRIGGERS.register(self.triggers)
        # Where a match can begin (``starts``), or None: then it is tried everywhere.
        self.prefixes = literal_starts(pattern.pattern, pattern.flags) if index else None
        self._start_id = START_INDEX.register(self.prefixes) if self.prefixes is not None else None

    def _starts(self, text: str) -> list[int] | None:
        """Candidate match starts in ``text``, or None to search all of it."""
        if self._start_id is None:
            return None if self.finder is None else self.finder.starts(text)
        found = START_INDEX.starts(text)
        return None if found is None else found.get(self._start_id, [])

    def may_match(self, lowered: str) -> bool:
        """False only when no match is possible in a text whose lower case is ``lowered``."""
        # One automaton pass per text for all gates' words (``matcher``), not a
        # substring search per word per gate.
        return self.triggers is None or not self.triggers.isdisjoint(TRIGGERS.present(lowered))

    def finditer(self, text: str, lowered: str) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``, skipped when the gate says no match is possible.

        A pattern with known start prefixes is tried only where one of them
        begins (``starts.START_INDEX``, one automaton pass per text), unless
        the text's case folding makes those positions unreliable.
        """
        if not self.may_match(lowered):
            return
        candidates = self._starts(text)
        if candidates is None:
            yield from self.pattern.finditer(text)
        else:
            yield from finditer_from(self.pattern, text, candidates)
