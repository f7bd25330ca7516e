"""What a fragment names, and how much each name says about where it belongs.

Thread scoring (``threads.ThreadIndex``) weighs shared entity keys by kind:
an actor is strong evidence that two reports concern one threat, a city less,
a country, a person, a target type or a weapon much less, because general
news mentions them in passing (the weights were tuned on ECB+ with the real
extractor, see docs/benchmarks-fusion.md). Some keys are *implied* rather
than named: a branch implies its parent group and a city its country. Those
never add evidence; they only stop kin from being taken for rivals.

Kept apart from ``threads.py`` so that what counts as evidence can be read
and tested without the index machinery.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from tearline.model.mention import Mention, MentionKind

__all__ = [
    "COUNTRY_WEIGHT",
    "EVENT_KEY_WEIGHT",
    "KIND_WEIGHT",
    "REGION_WEIGHT",
    "RIVAL_CITY_CONFIDENCE",
    "entity_keys",
    "kind_of",
    "lead_terms",
    "linked",
    "name_words",
    "related_keys",
    "rival_places",
    "term_counts",
]

COUNTRY_WEIGHT = 0.25
EVENT_KEY_WEIGHT = 1.5
REGION_WEIGHT = 0.5  # chosen on odd ECB+ topics
MIN_CASUALTY_KEY = 3
"""Casualty figures below this (one dead, two hurt) recur in unrelated reports."""
RIVAL_CITY_CONFIDENCE = 0.9

KIND_WEIGHT = {
    MentionKind.ACTOR: 3.0,
    MentionKind.PERSON: 0.75,
    MentionKind.PLACE: 1.5,
    MentionKind.VENUE: 0.5,
    MentionKind.MODALITY: 0.25,
}
_TOKEN = re.compile(r"[^\W\d_][\w'-]+|\b\d{4}\b")
_STOP_WORDS = (
    "the and for with from that this was were are has have had will would been being its "
    "his her their they them she him who which what when where there than then also into "
    "over after before about said says say not but can could may might one two new more "
    "most other some such only just out all any our you your how why very year years"
)
_STOP = frozenset(_STOP_WORDS.split())


def entity_keys(mentions: Iterable[Mention]) -> dict[str, float]:
    """Blocking and graph keys (``kind:value``) with their scoring weights.

    Besides the named entities, three *event keys* say which happening a
    report is about rather than what it mentions: a named venue
    (``venue:named:…``, the Aurora Concert Hall, not "a concert hall"), a
    calendar date the text spells out (``date:MM-DD``; weekday dates are left
    out, they depend on when the report was filed), and an exact casualty
    figure (``casualties:killed:137``). Each is specific enough to weigh like
    a city, whatever the length of the text.
    """
    keys: dict[str, float] = {}
    for m in mentions:
        event = _event_key(m)
        if event is not None:
            keys[event] = max(keys.get(event, 0.0), EVENT_KEY_WEIGHT)
            continue
        weight = KIND_WEIGHT.get(m.kind)
        if weight is None or m.value is None or isinstance(m.value, dict | list):
            continue
        value = str(m.value).casefold() if m.kind is MentionKind.PERSON else str(m.value)
        if m.kind is MentionKind.PLACE and value.startswith("country:"):
            # Many reports name a country in passing; a city is the place of the event.
            weight = COUNTRY_WEIGHT
        elif m.kind is MentionKind.PLACE and value.startswith("region:"):
            weight = REGION_WEIGHT  # a state or province: wider than the place of an event
        keys[f"{m.kind.value}:{value}"] = weight
    return keys


def _event_key(m: Mention) -> str | None:
    if m.kind is MentionKind.VENUE and str(m.value).startswith("named:"):
        return f"venue:{m.value}"
    if m.kind is MentionKind.DATE and "year_given" in m.detail and isinstance(m.value, str):
        return f"date:{m.value[5:10]}"  # a spelled-out calendar date, year or not
    if m.kind is MentionKind.CASUALTIES and isinstance(m.value, dict):
        count = m.value.get("count")
        if isinstance(count, int) and count >= MIN_CASUALTY_KEY:
            return f"casualties:{m.value.get('kind')}:{count}"
    return None


def related_keys(mentions: Iterable[Mention]) -> set[str]:
    """Keys a fragment implies without naming them: parent groups, countries.

    ``actor:<parent>`` for an actor the catalog knows as a branch, and
    ``place:country:XX`` for a city. They decide conflicts, not evidence.
    """
    out: set[str] = set()
    for m in mentions:
        if m.kind is MentionKind.ACTOR and m.detail.get("parent"):
            out.add(f"actor:{m.detail['parent']}")
        elif m.kind is MentionKind.PLACE and m.detail.get("type") == "city":
            country = m.detail.get("country")
            if country:
                out.add(f"place:country:{country}")
    return out


def term_counts(text: str) -> Counter[str]:
    # Capitalised words count double: names carry most of what tells one
    # event from another similar one.
    # Each distinct spelling is judged once (a long article repeats most of
    # its words); keys still go in at their first occurrence, as one pass
    # over the words would put them, so the terms keep the text's order.
    counts: Counter[str] = Counter()
    for word, n in Counter(_TOKEN.findall(text)).items():
        low = word.casefold()
        if len(low) > 2 and low not in _STOP:
            counts[low] += 2 * n if word[0].isupper() else n
    return counts


def name_words(mentions: Iterable[Mention]) -> frozenset[str]:
    """The terms (as ``term_counts`` spells them) of the places, actors and people named.

    Words shared with a thread corroborate a shared name only if they are
    other words than the name: "Quetta" twice is still one piece of evidence.
    """
    out: set[str] = set()
    for m in mentions:
        if m.kind in (MentionKind.PLACE, MentionKind.ACTOR, MentionKind.PERSON):
            out |= lead_terms(m.text)
    return frozenset(out)


def lead_terms(text: str) -> set[str]:
    """The distinct terms ``term_counts`` would count in ``text``, without counting."""
    out = set()
    for word in _TOKEN.findall(text):
        low = word.casefold()
        if len(low) > 2 and low not in _STOP:
            out.add(low)
    return out


def rival_places(mentions: Iterable[Mention]) -> list[str]:
    """City keys sure enough to set a fragment against a thread elsewhere.

    A city read from a lone capitalised word after a preposition (confidence
    below ``RIVAL_CITY_CONFIDENCE``) may be a surname or a street; it still
    counts as shared evidence, but not as proof of another place.
    """
    return [
        f"place:{m.value}"
        for m in mentions
        if m.kind is MentionKind.PLACE
        and str(m.value).startswith("city:")
        and m.confidence >= RIVAL_CITY_CONFIDENCE
    ]


def kind_of(key: str) -> str:
    """Entity kind of a key, with cities apart: only city against city conflicts."""
    return "city" if key.startswith("place:city:") else key.partition(":")[0]


def linked(
    named: Sequence[str], implied: Sequence[str], entities: Mapping[str, int], related: set[str]
) -> bool:
    """Whether a fragment's entities are kin to a thread's (not the same, not rivals).

    The thread names what the fragment implies (the branch's parent group,
    the city's country), or implies what the fragment names (a claim by the
    parent group on a branch's thread, a country on a thread of its cities),
    or both imply one country. Two branches of one parent imply the same
    parent but name neither, so they stay rivals.
    """
    if any(k in entities for k in implied) or any(k in related for k in named):
        return True
    return any(k.startswith("place:") and k in related for k in implied)
