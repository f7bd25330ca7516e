"""Venues and the target type they imply.

The value is a normalized target type ("concert_hall", "synagogue",
"transport_hub", ...) because assessment reasons about kinds of targets.
A venue with its own name ("Crocus City Hall", "St Mary's Church") is also
an entity of its own: a second mention over the same span whose value is
``named:<slug>`` (``venue:named:crocus-city-hall`` as an entity key) and
whose ``type`` is the target type, so two reports about the same building
link by name, not only by kind.

A capitalised "Hall" is a concert venue only when its name is not a person
("Steven Hall said"), not a room of a larger building ("the Gothic Hall of
the palace") and not a single ordinary word; "market" after a financial
word ("stock market", "bond markets") is an economy, not a place.
"""

from __future__ import annotations

import re

from tearline.fusion.extract._common import drop_overlaps, mention
from tearline.fusion.extract.context import is_ordinary_word
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
_NAME_BEFORE = re.compile(r"((?:(?:St\.?|[A-Z][\w'’\-]*)[ \t]+){1,4})$")
_FINANCE_BEFORE = re.compile(
    r"\b(?:stock|stocks|share|equity|equities|bond|bonds|financial|money|credit|housing|"
    r"property|job|jobs|labou?r|currency|currencies|oil|commodit(?:y|ies)|futures|"
    r"capital|emerging|global|world|single|free|black|bull|bear|insurance|ad|advertising|"
    r"smartphone|phone|pc|server|chip|consumer|mass|target|open|broader|wider)\s+$",
    re.IGNORECASE,
)
_FINANCE_AFTER = re.compile(r"\s+(?:share|shares|value|cap|capitali[sz]ation|prices?|rally)\b")
_ROOM_OF = re.compile(r"\s+of\s+(?:the\s+)?[A-Z]")
_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_NAME_WORDS = frozenset(
    str.split("""Monday Tuesday Wednesday Thursday Friday Saturday Sunday Western Eastern
    Northern Southern European Main Central Local New Old Former""")
)
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
            if target == "market" and (
                _FINANCE_BEFORE.search(text, max(0, start - 20), start)
                or _FINANCE_AFTER.match(text, end)
            ):
                continue  # "the stock market", "market share"
            if target == "concert_hall" and word == "hall":
                # A named hall ("Crocus City Hall", "Carnegie Hall") is
                # usually an event venue; a city's own hall is its government.
                if not named or _names_a_place(named.group(1)):
                    continue
                words = named.group(1).split()
                if _ROOM_OF.match(text, end) or (len(words) == 1 and is_ordinary_word(words[0])):
                    continue  # "the Gothic Hall of the Royal Palace"
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
                    name=text[start:end] if named and start < match.start() else None,
                )
            )
    kept = drop_overlaps(out)
    return sorted([*kept, *_named(text, kept)], key=lambda m: (m.start, m.end, str(m.value)))


def _named(text: str, venues: list[Mention]) -> list[Mention]:
    """The named-venue entity mention for every venue that has a name."""
    out = []
    for m in venues:
        name = m.detail.get("name")
        words = str(name or "").split()
        if not name or not words[-1][:1].isupper() or "'" in name or "’" in name:
            continue  # "Almaty concert hall", "Norway's embassy": described, not named
        if _names_a_place(words[0]) or words[0] in _NOT_NAME_WORDS:
            continue
        slug = _SLUG.sub("-", " ".join(str(name).split()).lower()).strip("-")
        out.append(
            mention(
                MentionKind.VENUE,
                text,
                m.start,
                m.end,
                f"named:{slug}",
                m.confidence,
                name=name,
                type=m.value,
            )
        )
    return out
