"""Casualty figures: who was killed or injured, how many, and how sure.

The qualifier matters as much as the number: "at least 143 killed" and
"more than 140 dead" are consistent reports of one toll, and fusion
compares them as bounds, not as equal or different numbers. Numbers may
be written in words ("forty-one people were killed").
"""

from __future__ import annotations

import re

from tearline.fusion.extract._common import NUMBER, drop_overlaps, mention, parse_number
from tearline.fusion.extract.gate import Gated
from tearline.model.mention import Mention, MentionKind

__all__ = ["find_casualties"]

_QUALIFIERS = {
    "at least": "at_least",
    "no fewer than": "at_least",
    "a minimum of": "at_least",
    "more than": "more_than",
    "over": "more_than",
    "upwards of": "more_than",
    "in excess of": "more_than",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "roughly": "about",
    "some": "about",
    "nearly": "about",
    "almost": "about",
    "an estimated": "about",
    "close to": "about",
    "up to": "up_to",
    "as many as": "up_to",
    "no more than": "up_to",
    "at most": "up_to",
}
_QUAL = "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))
_KILLED = (
    r"killed|dead|died|deaths|death|fatalities|fatally (?:shot|wounded|injured)|murdered|slain|"
    r"lost their lives"
)
_INJURED = r"injured|wounded|hurt|injuries|hospitali[sz]ed"
_WHO = (
    r"(?:(?:other|more|further|additional)\s+)?(?:people|persons|civilians|victims|worshippers|"
    r"concertgoers|children|soldiers|police(?:men| officers)?|officers|students|passengers|"
    r"tourists|others|of them|individuals|men|women)"
)
_COUNT = rf"(?:(?P<qual>{_QUAL})\s+)?(?P<num>{NUMBER})"
_PATTERNS = [
    # "at least 143 people were killed", "145 killed and 551 injured", "137 dead"
    re.compile(
        rf"\b{_COUNT}\s+(?:{_WHO}\s+)?(?:(?:were|have been|had been|was|are|are now|reported|"
        rf"confirmed|believed|feared)\s+){{0,2}}(?P<kind>{_KILLED}|{_INJURED})\b",
        re.IGNORECASE,
    ),
    # "left 137 dead", "killing at least 12", "injuring more than 100 people"
    re.compile(
        rf"\b(?P<verb>left|leaving|killing|killed|injuring|wounding|injured|wounded)\s+{_COUNT}"
        rf"(?:\s+{_WHO})?(?:\s+(?P<kind>dead|{_INJURED}))?\b",
        re.IGNORECASE,
    ),
    # "death toll rose to 144", "the toll has climbed to at least 137"
    re.compile(
        rf"\b(?P<toll>death toll|toll|number of (?:dead|deaths|injured|wounded))\s+"
        rf"(?:(?:has|had|now)\s+)?(?:rose|risen|rises|climbed|climbs|jumped|reached|stands|stood|"
        rf"increased|grew|is|was|hit)(?:\s+(?:to|at))?\s+{_COUNT}\b",
        re.IGNORECASE,
    ),
]
_VERB_KIND = {
    "killing": "killed",
    "killed": "killed",
    "injuring": "injured",
    "wounding": "injured",
    "injured": "injured",
    "wounded": "injured",
}


def _kind(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    word = (groups.get("kind") or "").lower()
    if word:
        return "injured" if re.fullmatch(_INJURED, word) else "killed"
    if groups.get("toll"):
        toll = groups["toll"].lower()
        return "injured" if ("injured" in toll or "wounded" in toll) else "killed"
    verb = (groups.get("verb") or "").lower()
    return _VERB_KIND.get(verb)


_GATED = [Gated(p) for p in _PATTERNS]


def find_casualties(text: str) -> list[Mention]:
    """Casualty mentions; value is {kind, count, qualifier}."""
    out: list[Mention] = []
    lowered = text.lower()
    for pattern in _GATED:
        for match in pattern.finditer(text, lowered):
            kind = _kind(match)
            count = parse_number(match.group("num"))
            if kind is None or count is None:
                continue
            # A year ("in 2024 killed") or a clock time is not a toll.
            if 1900 <= count <= 2100 and not match.group("qual"):
                continue
            qual = match.group("qual")
            qualifier = _QUALIFIERS[re.sub(r"\s+", " ", qual.lower())] if qual else "exact"
            start, end = match.span()
            value = {"kind": kind, "count": count, "qualifier": qualifier}
            out.append(mention(MentionKind.CASUALTIES, text, start, end, value, 0.9))
    return drop_overlaps(out)
