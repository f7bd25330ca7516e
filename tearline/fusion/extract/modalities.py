"""Attack modalities: how an attack was, or is to be, carried out.

Phrases rather than single words, because the single words mislead: "fire"
is arson in "set fire to" and firearms in "opened fire"; "blast" is also a
figure of speech. Each modality is a small pattern list; a text can carry
several (a suicide attack with explosives is both).
"""

from __future__ import annotations

import re

from tearline.fusion.extract._common import drop_overlaps, mention
from tearline.fusion.extract.gate import Gated
from tearline.model.mention import Mention, MentionKind

__all__ = ["MODALITIES", "find_modalities"]

MODALITIES: dict[str, list[str]] = {
    "firearms": [
        r"gun(?:men|man|fire|shots?)",
        r"open(?:ed|ing)? fire",
        r"shoot(?:ing|ings|er|ers)",
        r"shot (?:dead|and killed)",
        r"automatic (?:weapons?|rifles?)",
        r"assault rifles?",
        r"rifles?",
        r"firearms?",
        r"kalashnikovs?",
        r"ak-47s?",
        r"machine[- ]guns?",
        r"pistols?",
        r"handguns?",
        r"armed (?:men|assailants|attackers)",
    ],
    "explosives": [
        r"improvised explosive devices?",
        r"\bIEDs?\b",
        r"VBIEDs?",
        r"car bombs?",
        r"truck bombs?",
        r"bomb(?:s|ing|ings|ers?)?",
        r"explosives?",
        r"explosions?",
        r"blasts?",
        r"detonat(?:ed|ion|e)",
        r"grenades?",
        r"suicide (?:vests?|belts?)",
        r"\bTATP\b",
        r"pipe bombs?",
    ],
    "incendiary": [
        r"arson",
        r"set (?:fire to|ablaze|alight|on fire)",
        r"set (?:the )?\w+ (?:on fire|ablaze)",
        r"fire ?bomb(?:s|ed|ing)?",
        r"molotov cocktails?",
        r"incendiar(?:y|ies)",
        r"torched",
        r"petrol bombs?",
        r"accelerants?",
    ],
    "vehicle_ramming": [
        r"ramm(?:ed|ing)",
        r"vehicle[- ]ramming",
        r"drove (?:a |his |her |the )?"
        r"(?:car|truck|lorry|van|vehicle|bus) (?:into|through)",
        r"ploughed into",
        r"plowed into",
        r"car attack",
        r"truck attack",
    ],
    "hostage_taking": [
        r"hostages?",
        r"hostage[- ]taking",
        r"took (?:\w+ )?(?:people )?hostage",
        r"kidnap(?:ped|ping|pings)?",
        r"abduct(?:ed|ion|ions)",
        r"barricaded",
    ],
    "suicide_attack": [
        r"suicide (?:attack|attacks|bomber|bombers|bombing|bombings|vest|belt)",
        r"blew (?:himself|herself|themselves) up",
        r"martyrdom operations?",
        r"self-detonat(?:ed|ion)",
    ],
    "stabbing": [
        r"stabb(?:ed|ing|ings)",
        r"stab wounds?",
        r"knife(?:-wielding| attack| attacker)?",
        r"knifeman",
        r"knives",
        r"machetes?",
        r"knifepoint",
    ],
}
_PATTERNS = [
    (Gated(re.compile(r"(?<![\w-])(?:" + "|".join(ps) + r")(?![\w])", re.IGNORECASE)), kind)
    for kind, ps in MODALITIES.items()
]
# Figurative or unrelated uses that share a pattern.
_NOT = re.compile(
    r"\b(?:photo ?shoot|shooting star|bomb(?:shell|ed out)|blast(?:ed)? (?:off|from the past)|"
    r"kidnap(?:ped)? (?:by|of) (?:the )?(?:media|voters)|rifle(?:d)? through)\b",
    re.IGNORECASE,
)


_NOT_GATED = Gated(_NOT)


def find_modalities(text: str) -> list[Mention]:
    """Modality mentions; value is the modality name."""
    lowered = text.lower()
    bad = [m.span() for m in _NOT_GATED.finditer(text, lowered)]
    out: list[Mention] = []
    for pattern, kind in _PATTERNS:
        found = []
        for match in pattern.finditer(text, lowered):
            start, end = match.span()
            if any(s <= start < e for s, e in bad):
                continue
            word = match.group().lower()
            confidence = (
                0.6 if word in {"blast", "blasts", "explosion", "explosions", "rifle"} else 0.9
            )
            found.append(mention(MentionKind.MODALITY, text, start, end, kind, confidence))
        out.extend(drop_overlaps(found))
    return sorted(out, key=lambda m: (m.start, m.end))
