"""Site boilerplate removal: keep the article, drop the page around it.

A scraped news page carries navigation bars, "related stories" lists,
newsletter blurbs, captions, author bios and copyright footers. They are the
same on every page of a site, so left in they make two unrelated stories from
one outlet look alike (shingle Jaccard, TF-IDF cosine) and they hand the
extractor stray places and names. Fusion therefore strips them before
computing any vector or signature and before extraction
(``pipeline.prepare_fragment`` calls ``clean_fragment``).

The rules are our own, line by line, in the spirit of jusText: a line is
boilerplate when it carries a site cue (copyright, cookie, sign up,
"Photo:", "Reporting by"…) and is short, when it looks like navigation
(many separators or title-case words with no sentence in them), when it is a
bare link, or when it belongs to a list under a "Related stories" style
header. Prose lines (sentences ending in punctuation, with ordinary function
words) are never dropped for being short, so a one-line alert survives.
Headlines are separate (``Fragment.title``) and never touched.
"""

from __future__ import annotations

import re
from dataclasses import replace

import ahocorasick  # type: ignore[import-not-found]

from tearline.fusion.extract.gate import Gated
from tearline.model.fragment import Fragment

__all__ = ["clean_fragment", "is_boilerplate_line", "strip_boilerplate"]

# Site cues, one pattern each: each is gated by the literal words it needs
# (``Gated``), so a line runs only the few patterns whose words it contains.
# As one alternation they cost more than all of extraction's other patterns.
_CUE_PATTERNS = [
    r"©",
    r"\(c\)\s*\d{4}",
    r"\bcopyright\b",
    r"all rights reserved",
    r"privacy (?:policy|notice)",
    r"\bcookie (?:settings|preferences|policy)",
    r"manage cookies",
    r"terms (?:of use|and conditions)",
    r"\bsign(?:ing)? up (?:now|here|today|for (?:our|the|free))",
    r"^sign up\b",
    r"\bsubscribe\b",
    r"\bnewsletter\b",
    r"receive alerts",
    r"alerts? for this story",
    r"\bunsubscribe\b",
    r"download our app",
    r"\bdonate (?:from|now|today)\b",
    r"your (?:email|inbox)",
    r"in your inbox",
    r"join [\d,]+ readers",
    r"follow us",
    r"skip to content",
    r"\blog in\b",
    r"\bsign in\b",
    r"\badvertise\b",
    r"\bsitemap\b",
    r"do not sell",
    r"accessibility statement",
    r"^\s*(?:photo(?:graph)?|picture|image|graphic)s?\s*:",
    r"^\s*source:",
    r"\bphoto$",
    r"image credit",
    r"file (?:image|photo)",
    r"\(photo:",
    r"photo desk",
    r"about the author",
    r"^\s*(?:reporting|writing|editing|additional reporting) by\b",
    r"^\s*by [A-Z][\w.-]+ [A-Z][\w.-]+,",
    r"can be reached",
    r"\bwas amended\b",
    r"\bis (?:a|the|[\w ]{1,30}'s) [\w' -]{0,40}(?:correspondent|reporter|editor|writer)\b",
    r"\b(?:trust|editorial) (?:principles|complaints)",
    r"\bcareers\b",
    r"work for us",
    r"\bsubscription\b",
]
# Read for their triggers only (``_has_cue`` searches a line): no start index.
_CUES = tuple(Gated(re.compile(p, re.I), index=False) for p in _CUE_PATTERNS)


def _cue_automaton() -> tuple[ahocorasick.Automaton, tuple[int, ...]]:
    """Every cue's literal words in one automaton (word → cue numbers), and the ungated cues."""
    automaton = ahocorasick.Automaton()
    owners: dict[str, list[int]] = {}
    for i, cue in enumerate(_CUES):
        for word in cue.triggers or ():
            owners.setdefault(word, []).append(i)
    for word, cues in owners.items():
        automaton.add_word(word, tuple(cues))
    automaton.make_automaton()
    return automaton, tuple(i for i, cue in enumerate(_CUES) if cue.triggers is None)


_CUE_WORDS, _UNGATED = _cue_automaton()


def _has_cue(line: str) -> bool:
    """Whether a line carries a site cue (copyright, sign up, "Photo:", a byline …).

    One pass of the automaton names the cues whose words occur; only those run.
    """
    candidates = set(_UNGATED)
    for _, cues in _CUE_WORDS.iter(line.lower()):
        candidates.update(cues)
    return any(_CUES[i].pattern.search(line) for i in candidates)


_LIST_HEADER = re.compile(
    r"^\s*(?:related(?: stories| coverage| articles)?|read more|more from\b.*|you may also like|"
    r"recommended(?: for you)?|see also|trending(?: now)?|most (?:read|popular)|"
    r"popular now|more stories|top stories|latest news)\s*:?\s*$",
    re.I,
)
_SEPARATORS = re.compile(r"\s[|·/>»—]\s|\s{2,}")
_LINK = re.compile(r"https?\s*:\s*/|www\s*\.", re.I)
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_FUNCTION_WORDS = (
    "the a an and or of to in on at for with by from as is was were be been are it its this "
    "that he she they his her their we you not have has had will would said after before "
    "but who which when where there than into about over"
)
_FUNCTION = frozenset(_FUNCTION_WORDS.split())
_CUE_MAX_WORDS = 45
_PROSE_END = re.compile(r"[.!?\"'”’)]\s*$")


def is_boilerplate_line(line: str) -> bool:
    """Whether one line, on its own, reads as site furniture rather than story."""
    words = _WORD.findall(line)
    if not words:
        # A bare "-" or "→" is furniture; a line of digits may be the date.
        return bool(line.strip()) and not any(c.isdigit() for c in line)
    if _LINK.search(line) and len(words) < 25:
        return True
    if len(words) <= _CUE_MAX_WORDS and _has_cue(line):
        return True
    if _LIST_HEADER.match(line):
        return True
    function = _function_words(words)
    if function <= 1 and len(_SEPARATORS.findall(line)) >= 3:
        return True  # "Home | World | Politics | Business"
    if len(words) <= 4 and line.isupper():
        digits = any(c.isdigit() for c in line)
        if not digits and not _PROSE_END.search(line):
            return True  # a masthead such as "GLOBAL DISPATCH"
    if function or not 4 <= len(words) <= 14:
        return False
    titled = sum(w[0].isupper() for w in words)
    return (
        titled >= 0.8 * len(words)
        and not _PROSE_END.search(line)
        and bool(_SEPARATORS.search(line))
    )


def strip_boilerplate(text: str) -> str:
    """``text`` without its boilerplate lines; blank-line layout is kept.

    Lines under a list header ("Related stories", "Read more:") are dropped
    up to the next blank line or the next line that reads as prose.
    """
    if not text:
        return text
    out: list[str] = []
    in_list = False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            in_list = False
            out.append(line)
            continue
        if _LIST_HEADER.match(stripped):
            in_list = True
            continue
        if in_list and not _is_prose(stripped):
            continue
        in_list = False
        if is_boilerplate_line(stripped):
            continue
        out.append(line)
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    # Never return nothing: a fragment that is all "boilerplate" is more
    # likely a short item the rules misread than an empty page.
    return cleaned or text


def _is_prose(line: str) -> bool:
    words = _WORD.findall(line)
    return len(words) >= 12 and _function_words(words) >= 2 and bool(_PROSE_END.search(line))


def _function_words(words: list[str]) -> int:
    """How many of ``words`` are function words, counted up to 2 (all the rules ask).

    The rules only tell none, one and more apart, and a line of prose has its
    second function word within its first few: counting every word of every
    paragraph was most of ``is_boilerplate_line``'s own time.
    """
    function = 0
    for w in words:
        if w.casefold() in _FUNCTION:
            function += 1
            if function == 2:
                break
    return function


def clean_fragment(fragment: Fragment) -> Fragment:
    """The fragment with boilerplate removed from its body (the headline is kept)."""
    body = strip_boilerplate(fragment.body)
    return fragment if body == fragment.body else replace(fragment, body=body)
