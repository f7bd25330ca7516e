"""Where a pattern's matches can begin, so ``re`` is asked only there.

``re`` has no skip-ahead for a pattern that opens with ``\\b`` and an
alternation of words, or with any case-insensitive literal: ``finditer``
tries the pattern at every position of the text, and on a 2 kB article that
costs more than the work done on its few real matches. Yet such a pattern
can only begin where one of a few literal prefixes begins ("last", "next",
"monday", …), and when it opens with ``\\b`` or ``(?<!\\w)`` only where a
word begins.

``literal_starts`` reads those prefixes off the parsed pattern (``re``'s own
parser), in a canonical form: lower case, every non-word character a space.
A prefix runs through literals, small character classes (a digit is ten
prefixes) and separators (``\\s+`` is one space, then the prefix ends), up
to 16 characters; "in the past" and "a" followed by a space are far rarer
than "in" and "a". ``StartIndex`` puts the prefixes of every pattern in use
in one Aho-Corasick automaton and runs it once per text over the canonical
copy of the text with a space in front, so a prefix at a word start is the
prefix with a space before it. That gives, for each pattern, a superset of
the positions where it can match; trying ``pattern.match`` at those
positions in order, each search resuming after the last match, gives
exactly what ``finditer`` gives (the leftmost match at or after the resume
point is the match at the first candidate that matches, and
``match(text, pos)`` sees the text before ``pos`` for ``\\b`` and
look-behinds just as a search does).

The superset holds only when lower-casing a character agrees with how
``re`` folds case, and when ``\\d`` means an ASCII digit: ``text_is_plain``
checks that per text (it is false for "ſ", "ı", a non-ASCII digit, or a
character whose lower case is longer), and such a text takes ``finditer``.
``tests/fusion/test_extract_starts.py`` checks the equality on ECB+ and on
generated texts.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
from collections import OrderedDict
from collections.abc import Iterator
from re import _casefix, _parser  # type: ignore[attr-defined]
from re import _constants as _c  # type: ignore[attr-defined]
from typing import Any

import ahocorasick  # type: ignore[import-not-found]

__all__ = [
    "START_INDEX",
    "StartFinder",
    "StartIndex",
    "canonical",
    "finditer_from",
    "literal_starts",
    "text_is_plain",
]

_NON_WORD = re.compile(r"\W")
_WORD_CLASSES = {_c.CATEGORY_WORD, _c.CATEGORY_UNI_WORD}
_DIGITS = frozenset("0123456789")
_CLASS_CHARS = {
    _c.CATEGORY_DIGIT: _DIGITS,
    _c.CATEGORY_UNI_DIGIT: _DIGITS,  # non-ASCII digits: ``text_is_plain`` is false
    _c.CATEGORY_SPACE: frozenset(" "),
    _c.CATEGORY_UNI_SPACE: frozenset(" "),
    _c.CATEGORY_NOT_WORD: frozenset(" "),
    _c.CATEGORY_UNI_NOT_WORD: frozenset(" "),
}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT}
_LONGEST = 16  # prefix characters worth knowing
_MOST = 400  # prefixes per pattern before longer ones stop being worth it
_MOST_CHARS = 12  # a character class with more members ends a prefix

# A prefix of a match in canonical form (``canonical``), whether the parsed
# piece it came from is complete (what follows the piece may extend it), and
# whether a word-start assertion (``\b``, ``(?<![\w…])``) holds before it.
# ``("", False, _)`` is a path that begins with something no prefix covers.
Prefix = tuple[str, bool, bool]
_EMPTY: frozenset[Prefix] = frozenset({("", True, False)})
_UNKNOWN: frozenset[Prefix] = frozenset({("", False, False)})


_PLAIN: dict[str, bool] = {}
# Non-word characters to spaces, for ``str.translate``; non-ASCII ones join as texts bring them.
_SPACES: dict[int, int] = {i: 32 for i in range(128) if _NON_WORD.match(chr(i))}


def _plain_char(ch: str) -> bool:
    """Whether ``re`` folds ``ch`` as ``str.lower`` does, and reads it as ``canonical`` does.

    True when its lower case is one character, the one ``re`` folds it to,
    with no extra case partners ("ſ", "ı"), not a non-ASCII digit, and a word
    character exactly when ``ch`` is one. Learning a character also teaches
    ``canonical`` whether it (and its lower case) is a separator.
    """
    ok = _PLAIN.get(ch)
    if ok is None:
        low = ch.lower()
        folded = _sre.unicode_tolower(ord(ch))
        word = _NON_WORD.match(ch) is None
        ok = (
            low == chr(folded)
            and folded not in _casefix._EXTRA_CASES
            and not ch.isdecimal()
            and word == (_NON_WORD.match(low) is None)
        )
        for c in {ch, *low}:
            if _NON_WORD.match(c):
                _SPACES[ord(c)] = 32
        _PLAIN[ch] = ok
    return ok


def text_is_plain(text: str) -> bool:
    """True when the candidate starts of ``StartIndex`` are a superset for this text."""
    return text.isascii() or all(_plain_char(ch) for ch in set(text) if not ch.isascii())


def canonical(text: str) -> str:
    """Lower case, every non-word character a space: how ``StartIndex`` reads texts and prefixes.

    Only for a text ``text_is_plain`` has seen (or an ASCII one): the
    separators it has not met are not in the table.
    """
    return text.lower().translate(_SPACES)


def _literal(code: int) -> frozenset[Prefix]:
    ch = chr(code)
    if not (ch.isascii() or _plain_char(ch)):
        return _UNKNOWN
    return frozenset({(canonical(ch), True, False)})


def _charset(items: list[tuple[Any, Any]]) -> frozenset[Prefix]:
    """One character of a class, when the class is small or all non-word (then a space)."""
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL and (chr(av).isascii() or _plain_char(chr(av))):
            chars.add(canonical(chr(av)))
        elif op is _c.RANGE and av[1] - av[0] < _MOST_CHARS:
            members = [chr(x) for x in range(av[0], av[1] + 1)]
            if not all(ch.isascii() or _plain_char(ch) for ch in members):
                return _UNKNOWN
            chars.update(map(canonical, members))
        elif op is _c.CATEGORY and av in _CLASS_CHARS:
            chars |= _CLASS_CHARS[av]
        else:
            return _UNKNOWN
    if not chars or len(chars) > _MOST_CHARS:
        return _UNKNOWN
    return frozenset((ch, True, False) for ch in chars)


def _word_start(op: Any, av: Any) -> bool:
    """``\\b``, or a negative look-behind that excludes word characters (``(?<![\\w-])``)."""
    if op is _c.AT:
        return bool(av is _c.AT_BOUNDARY)
    if op is _c.ASSERT_NOT and av[0] == -1:
        items = list(av[1])
        return (
            len(items) == 1
            and items[0][0] is _c.IN
            and any(o is _c.CATEGORY and a in _WORD_CLASSES for o, a in items[0][1])
        )
    return False


def _concat(left: frozenset[Prefix], right: frozenset[Prefix]) -> frozenset[Prefix]:
    """Prefixes of one piece followed by another (a word start counts only before the first)."""
    out: set[Prefix] = set()
    for s, complete, anchored in left:
        if not complete:
            out.add((s, complete, anchored))
            continue
        for t, t_complete, t_anchored in right:
            joined = s + t
            at_start = anchored or (t_anchored and not s)
            if len(joined) >= _LONGEST:
                out.add((joined[:_LONGEST], False, at_start))
            else:
                out.add((joined, t_complete, at_start))
    if len(out) > _MOST and any(s and c for s, c, _ in left):
        # Too many ways on: stop the non-empty prefixes here, extend only the empty ones.
        empty = frozenset(p for p in left if not p[0] and p[1])
        stopped = frozenset((s, False, a) for s, c, a in left if s or not c)
        return stopped | (_concat(empty, right) if empty else frozenset())
    return frozenset(out)


def _repeat(lo: int, hi: int, body: frozenset[Prefix]) -> frozenset[Prefix]:
    # After one repetition more may follow, so a non-empty prefix is complete only for ``?``.
    once = body if hi == 1 else frozenset((s, c and not s, a) for s, c, a in body)
    return once | _EMPTY if lo == 0 else once


def _sequence(items: list[tuple[Any, Any]]) -> frozenset[Prefix]:
    found = _EMPTY
    for op, av in items:
        if not any(complete for _, complete, _ in found):
            break
        found = _concat(found, _item(op, av))
    return found


def _item(op: Any, av: Any) -> frozenset[Prefix]:
    if op is _c.LITERAL:
        return _literal(av)
    if op is _c.IN:
        return _charset(list(av))
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return frozenset({("", True, _word_start(op, av))})
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is _c.BRANCH:
        return frozenset().union(*(_sequence(list(b)) for b in av[1]))
    if op in _REPEATS:
        return _repeat(av[0], av[1], _sequence(list(av[2])))
    return _UNKNOWN


def literal_starts(source: str, flags: int = 0) -> frozenset[tuple[str, bool]] | None:
    """Canonical prefixes one of which begins every match, each with whether it is at a word start.

    None when some match could begin with something no short literal
    covers (a capital letter, any word character), with a separator
    alone (every space in a text would be a candidate), or be empty. Under
    ``re.ASCII`` no prefix is taken to be at a word start (its ``\\b``
    disagrees with ``\\W``), nor one whose first character is not a word
    character.
    """
    try:
        parsed = _parser.parse(source, flags)
    except Exception:
        return None
    found = _sequence(list(parsed))
    if any(not s.strip() for s, _, _ in found):
        return None  # a start no prefix covers, or one made of separators alone
    ascii_words = bool(parsed.state.flags & re.ASCII)
    return frozenset((s, anchored and s[0] != " " and not ascii_words) for s, _, anchored in found)


class StartIndex:
    """The start prefixes of every registered pattern, and where they occur in a text."""

    def __init__(self) -> None:
        self._words: dict[str, set[tuple[int, int]]] = {}
        self._count = 0
        self._automaton: ahocorasick.Automaton | None = None
        self._seen: OrderedDict[str, dict[int, list[int]] | None] = OrderedDict()

    def register(self, prefixes: frozenset[tuple[str, bool]]) -> int:
        """Add one pattern's prefixes (``literal_starts``); its id keys ``starts``."""
        pid = self._count
        self._count += 1
        for body, anchored in prefixes:
            word = (" " if anchored else "") + body
            # The text is scanned with one space in front, so a word that ends
            # at index e of it begins at e - len(word) + 1 there, and the
            # pattern at text index e - len(word) + int(anchored).
            self._words.setdefault(word, set()).add((pid, len(word) - int(anchored)))
        self._automaton = None
        self._seen.clear()
        return pid

    def _build(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        for word in sorted(self._words):
            automaton.add_word(word, tuple(sorted(self._words[word])))
        automaton.make_automaton()
        self._automaton = automaton
        return automaton

    def starts(self, text: str) -> dict[int, list[int]] | None:
        """Pattern id -> ascending candidate start positions in ``text``; None when not plain."""
        found = self._seen.get(text, False)
        if found is not False:
            self._seen.move_to_end(text)
            return found  # type: ignore[return-value]
        found = self._scan(text) if text_is_plain(text) else None
        self._seen[text] = found
        if len(self._seen) > 4:
            self._seen.popitem(last=False)
        return found

    def _scan(self, text: str) -> dict[int, list[int]]:
        automaton = self._automaton or self._build()
        out: dict[int, list[int]] = {}
        for end, hits in automaton.iter(" " + canonical(text)):
            for pid, back in hits:
                got = out.get(pid)
                if got is None:
                    out[pid] = [end - back]
                else:
                    got.append(end - back)
        for pid, got in out.items():
            if len(got) > 1:
                out[pid] = sorted(set(got))
        return out


START_INDEX = StartIndex()
"""The one index the extractors' gated patterns share."""


def finditer_from(
    pattern: re.Pattern[str], text: str, candidates: list[int]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, trying the pattern only at ``candidates`` (ascending)."""
    resume = 0
    match = pattern.match
    for pos in candidates:
        if pos < resume:
            continue
        found = match(text, pos)
        if found is not None:
            yield found
            resume = found.end()


class StartFinder:
    """Candidate starts from a cheap pattern that begins wherever the real one can.

    For patterns no literal prefix covers, such as a name that opens with any
    capital letter not preceded by a word character or a stop: the caller
    writes a pattern whose match starts are a superset of the real
    pattern's and that ``re`` can scan fast (one that opens with a character
    class, the look-behind after it). Several patterns may share one finder;
    the last text's starts are kept.
    """

    __slots__ = ("_found", "_text", "finder")

    def __init__(self, finder: re.Pattern[str]) -> None:
        self.finder = finder
        self._text: str | None = None
        self._found: list[int] = []

    def starts(self, text: str) -> list[int]:
        if text is not self._text:
            self._found = [m.start() for m in self.finder.finditer(text)]
            self._text = text
        return self._found
