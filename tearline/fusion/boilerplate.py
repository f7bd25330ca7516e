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

from tearline.model.fragment import Fragment

__all__ = ["clean_fragment", "is_boilerplate_line", "strip_boilerplate"]

_CUE = re.compile(
    r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved|privacy (?:policy|notice)|"
    r"\bcookie (?:settings|preferences|policy)|manage cookies|"
    r"terms (?:of use|and conditions)|"
    r"\bsign(?:ing)? up (?:now|here|today|for (?:our|the|free))|^sign up\b|"
    r"\bsubscribe\b|\bnewsletter\b|receive alerts|alerts? for this story|"
    r"\bunsubscribe\b|download our app|\bdonate (?:from|now|today)\b|"
    r"your (?:email|inbox)|in your inbox|join [\d,]+ readers|follow us|skip to content|\blog in\b|"
    r"\bsign in\b|\badvertise\b|\bsitemap\b|do not sell|accessibility statement|"
    r"^\s*(?:photo(?:graph)?|picture|image|graphic)s?\s*:|^\s*source:|\bphoto$|"
    r"image credit|file (?:image|photo)|"
    r"\(photo:|photo desk|about the author|^\s*(?:reporting|writing|editing|additional reporting)"
    r" by\b|^\s*by [A-Z][\w.-]+ [A-Z][\w.-]+,|can be reached|\bwas amended\b|"
    r"\bis (?:a|the|[\w ]{1,30}'s) [\w' -]{0,40}(?:correspondent|reporter|editor|writer)\b|"
    r"\b(?:trust|editorial) (?:principles|complaints)|\bcareers\b|work for us|\bsubscription\b",
    re.I,
)
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
    if _CUE.search(line) and len(words) <= _CUE_MAX_WORDS:
        return True
    if _LIST_HEADER.match(line):
        return True
    function = sum(w.casefold() in _FUNCTION for w in words)
    if len(_SEPARATORS.findall(line)) >= 3 and function <= 1:
        return True  # "Home | World | Politics | Business"
    digits = any(c.isdigit() for c in line)
    if line.isupper() and len(words) <= 4 and not digits and not _PROSE_END.search(line):
        return True  # a masthead such as "GLOBAL DISPATCH"
    titled = sum(w[0].isupper() for w in words)
    return (
        len(words) >= 4
        and titled >= 0.8 * len(words)
        and function == 0
        and not _PROSE_END.search(line)
        and len(words) <= 14
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
    function = sum(w.casefold() in _FUNCTION for w in words)
    return len(words) >= 12 and function >= 2 and bool(_PROSE_END.search(line))


def clean_fragment(fragment: Fragment) -> Fragment:
    """The fragment with boilerplate removed from its body (the headline is kept)."""
    body = strip_boilerplate(fragment.body)
    return fragment if body == fragment.body else replace(fragment, body=body)
