"""Claims of responsibility and attributions by others.

A group claiming an attack and a government blaming someone are different
evidence: the first is the actor's own statement (which can be false), the
second is a third party's assessment (which can be political). Both are
CLAIM mentions; ``value["type"]`` says which. When the sentence says the
blame came "without evidence" or "without providing evidence", the flag
``without_evidence`` is set so assessment can discount it.
"""

from __future__ import annotations

import re
from typing import Any

from tearline.fusion.catalog import Catalog
from tearline.fusion.extract._common import drop_overlaps, mention, sentence_at
from tearline.fusion.extract.gate import Gated
from tearline.model.mention import Mention, MentionKind

__all__ = ["find_claims"]

_NAME = r"(?:[A-Z][\w'’\-]*|al|of|the|and|in)(?:\s+(?:[A-Z][\w'’\-]*|al|of|the|and|in|al-\w+)){0,7}"
_CLAIM = re.compile(
    rf"(?P<who>(?:[Tt]he\s+)?{_NAME})(?:\s+(?:group|militants|jihadists|movement))?"
    r"(?:,[^,.]{1,80},)?\s+(?:has\s+|have\s+|had\s+|later\s+|quickly\s+|swiftly\s+)?"
    r"(?:claimed|claims|claiming|took|takes|accepted)\s+(?:full\s+)?(?:responsibility|credit)"
)
_CLAIMED_BY = re.compile(
    r"(?:[Rr]esponsibility|[Cc]redit)\s+(?:for\s+[^.]{1,80}?\s+)?(?:was|has been|had been)\s+"
    rf"claimed\s+by\s+(?P<who>(?:the\s+)?{_NAME})"
)
_OUTLET = re.compile(
    rf"(?P<who>{_NAME})(?:’s|'s)\s+(?:\w+\s+){{0,2}}(?:news agency|media arm|media outlet|"
    r"propaganda (?:arm|outlet|agency)|mouthpiece|channel|agency|Amaq(?: News Agency)?)"
    r"(?:,[^,]{1,60},)?\s+(?:said|reported|published|posted|released|claimed|announced)"
)
_ATTRIBUTORS = (
    r"officials|authorities|police|prosecutors|investigators|the government|the Kremlin|"
    r"the White House|the ministry|the army|the military|intelligence (?:officials|agencies)|"
    r"security services|(?:[A-Z][\w\-]+\s+){1,3}(?:officials|authorities|police|ministers?)|"
    r"President\s+(?:[A-Z][\w\-]+\s+){0,2}[A-Z][\w\-]+|[A-Z][a-z]+"
)
_BLAME = re.compile(
    rf"(?P<by>{_ATTRIBUTORS})\s+(?:\w+\s+)?(?:blamed|blames|accused|accuses|"
    r"attributed\s+(?:the\s+)?(?:attack|it|the\s+\w+)\s+to|pointed the finger at|held)\s+"
    rf"(?P<who>(?:the\s+)?{_NAME})"
)
_BEHIND = re.compile(
    rf"(?P<by>{_ATTRIBUTORS})\s+(?:said|says|claimed|suggested|insisted|alleged)\s+(?:that\s+)?"
    rf"(?P<who>(?:the\s+)?{_NAME})\s+(?:was|were|had been|is|are)\s+(?:behind|responsible)"
)
_NO_EVIDENCE = re.compile(
    r"without (?:providing |offering |presenting |citing |giving |producing )?(?:any )?evidence|"
    r"provided no evidence|offered no evidence|no evidence (?:was|has been) (?:provided|given)",
    re.IGNORECASE,
)
_WEAK_WHO = frozenset(
    [
        "The",
        "It",
        "He",
        "She",
        "They",
        "We",
        "Officials",
        "Police",
        "This",
        "That",
        "No",
        "One",
        "Nobody",
    ]
)


def _actor(text: str, start: int, end: int, catalog: Catalog | None) -> tuple[int, int, Any]:
    """Trim the claimant span to the longest suffix the catalog knows."""
    span = text[start:end]
    words = list(re.finditer(r"\S+", span))
    if catalog is not None:
        for i in range(len(words)):
            sub_start = start + words[i].start()
            found = catalog.resolve(text[sub_start:end])
            if found is not None and found.confidence >= 0.5:
                return sub_start, end, found
    return start, end, None


def _value(kind: str, who: str, found: Any, by: str | None, no_evidence: bool) -> dict[str, Any]:
    return {
        "type": kind,
        "claimant": who if kind == "claim" else None,
        "attributor": by,
        "actor": found.actor_id if found is not None else None,
        "actor_text": who,
        "without_evidence": no_evidence,
    }


_GATED = [
    (Gated(_CLAIM), "claim"),
    (Gated(_CLAIMED_BY), "claim"),
    (Gated(_OUTLET), "claim"),
    (Gated(_BLAME), "attribution"),
    (Gated(_BEHIND), "attribution"),
]


def find_claims(text: str, catalog: Catalog | None = None) -> list[Mention]:
    """Claims of responsibility and attributions in ``text``."""
    out: list[Mention] = []
    lowered = text.lower()
    for pattern, kind in _GATED:
        for match in pattern.finditer(text, lowered):
            who_start, who_end = match.span("who")
            who = text[who_start:who_end].strip()
            if not who or (who.split()[0] in _WEAK_WHO and len(who.split()) == 1):
                continue
            a_start, a_end, found = _actor(text, who_start, who_end, catalog)
            s_start, s_end = sentence_at(text, match.start())
            no_evidence = bool(_NO_EVIDENCE.search(text, s_start, max(s_end, match.end())))
            by = match.group("by") if "by" in match.groupdict() else None
            value = _value(kind, text[a_start:a_end], found, by, no_evidence)
            confidence = 0.85 if found is not None else 0.6
            if no_evidence:
                confidence = min(confidence, 0.5)
            out.append(
                mention(MentionKind.CLAIM, text, match.start(), match.end(), value, confidence)
            )
    return drop_overlaps(out)
