"""Venues and the target type they imply.

The value is a normalized target type ("concert_hall", "synagogue",
"transport_hub", ...) because assessment reasons about kinds of targets;
the span keeps the venue's own name when one precedes the noun ("Crocus
City Hall", "St Mary's Church"), so two reports about the same venue can be
linked by name as well.
"""

from __future__ import annotations

import re

from tearline.fusion.extract._common import drop_overlaps, mention
from tearline.fusion.extract.places import DEMONYMS, country_index
from tearline.model.mention import Mention, MentionKind

__all__ = ["VENUE_TYPES", "find_venues"]

# (pattern for the venue noun, target type). Longer phrases first.
VENUE_TYPES: list[tuple[str, str]] = [
    (r"(?-i:Hall)", "concert_hall"),
    (r"concert hall|music hall|concert venue|music venue|opera house|philharmonic", "concert_hall"),
    (r"theat(?:re|er)s?|cinemas?|movie theat(?:re|er)", "theatre"),
    (r"synagogues?", "synagogue"),
    (r"churche?s?|cathedrals?|chapels?|basilicas?", "church"),
    (r"mosques?", "mosque"),
    (r"temples?|gurdwaras?|shrines?", "temple"),
    (r"(?:football |soccer |sports )?stadiums?|stadia|sports arena|arenas?", "stadium"),
    (r"(?:metro|subway|underground|tube) stations?|metro|subway", "metro_station"),
    (r"(?:railway|train|rail) stations?|railway terminus", "railway_station"),
    (r"bus (?:station|terminal|stop)s?", "bus_station"),
    (r"airports?|air terminals?", "airport"),
    (r"transport hubs?|transit hubs?|transportation hubs?", "transport_hub"),
    (r"embass(?:y|ies)|consulates?|diplomatic missions?", "embassy"),
    (r"schools?|kindergartens?|nurser(?:y|ies)", "school"),
    (r"universit(?:y|ies)|colleges?|campus(?:es)?", "university"),
    (
        r"shopping (?:cent(?:re|er)|mall)s?|malls?|department stores?|supermarkets?",
        "shopping_centre",
    ),
    (r"christmas markets?|markets?|bazaars?|marketplaces?", "market"),
    (r"hotels?|resorts?", "hotel"),
    (r"nightclubs?|night clubs?|bars?|pubs?", "nightclub"),
    (r"restaurants?|caf(?:e|é)s?", "restaurant"),
    (r"hospitals?|clinics?", "hospital"),
    (r"police stations?|police headquarters|police post", "police_station"),
    (r"military bases?|army bases?|air bases?|barracks|checkpoints?", "military_site"),
    (
        r"parliament|ministry|city hall|town hall|government buildings?|courthouses?",
        "government_building",
    ),
    (r"festivals?|parades?|concerts?|rall(?:y|ies)|marathons?|fan zones?", "public_event"),
    (r"ports?|harbou?rs?|ferry terminals?", "port"),
]
_PATTERNS = [(re.compile(r"\b(?:" + p + r")\b", re.IGNORECASE), t) for p, t in VENUE_TYPES]
# Capitalised words directly before the noun name the venue ("Crocus City Hall").
_NAME_BEFORE = re.compile(r"((?:(?:St\.?|[A-Z][\w'’\-]*)\s+){1,4})$")
_AMBIGUOUS = {"bars", "bar", "ports", "port", "metro", "rally", "rallies", "concerts", "concert"}


def _names_a_place(name: str) -> bool:
    words = name.split()
    index = country_index()
    return any(w in index or w in DEMONYMS for w in words) or _is_city(words[0])


def _is_city(word: str) -> bool:
    from tearline.fusion.extract.places import city_population

    return city_population(word) >= 100_000


def find_venues(text: str) -> list[Mention]:
    """Venue mentions with their target type."""
    out: list[Mention] = []
    for pattern, target in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            word = match.group().lower()
            named = _NAME_BEFORE.search(text[max(0, start - 60) : start])
            confidence = 0.9
            if target == "concert_hall" and word == "hall":
                # A named hall ("Crocus City Hall", "Carnegie Hall") is
                # usually an event venue; a city's own hall is its government.
                if not named or _names_a_place(named.group(1)):
                    continue
                confidence = 0.6
            if named:
                start -= len(named.group(1))
                confidence = min(confidence, 0.95) if word == "hall" else 0.95
            elif word in _AMBIGUOUS:
                confidence = 0.5
            if match.group()[:1].isupper() and not named and target == "metro_station":
                confidence = 0.6
            # Names end before "the", "a" or sentence-initial words swallowed by the regex.
            span = text[start:end]
            lead = re.match(r"(?:The|A|An|At|In|On|Near|Outside|Inside)\s+", span)
            if lead:
                start += lead.end()
            out.append(
                mention(
                    MentionKind.VENUE,
                    text,
                    start,
                    end,
                    target,
                    confidence,
                    name=text[start:end] if named else None,
                )
            )
    return drop_overlaps(out)
