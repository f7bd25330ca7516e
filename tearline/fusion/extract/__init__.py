"""Extraction: typed, normalized spans from one fragment's text.

``extract(fragment, catalog)`` runs every extractor over ``fragment.text``
and returns the mentions sorted by position. Each extractor is a pure
function of the text (plus the fragment's date for times and the actor
catalog for actors and claims), so each can be tested and benchmarked alone.

Where two extractors claim overlapping text, the more specific reading wins:
an actor, place, nationality or venue span beats a person span (the person
patterns are the least precise), and a known actor beats a place inside its
name ("Islamic State West Africa Province" is not a mention of West Africa).
"""

from __future__ import annotations

from tearline.fusion.catalog import Catalog
from tearline.fusion.extract.actors import find_actors
from tearline.fusion.extract.batch import default_workers, extract_many
from tearline.fusion.extract.casualties import find_casualties
from tearline.fusion.extract.claims import find_claims
from tearline.fusion.extract.modalities import find_modalities
from tearline.fusion.extract.people import find_people
from tearline.fusion.extract.places import find_places
from tearline.fusion.extract.times import find_times
from tearline.fusion.extract.venues import find_venues
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

__all__ = [
    "default_workers",
    "extract",
    "extract_many",
    "extract_text",
    "find_actors",
    "find_casualties",
    "find_claims",
    "find_modalities",
    "find_people",
    "find_places",
    "find_times",
    "find_venues",
]

_BLOCKS_PEOPLE = {MentionKind.ACTOR, MentionKind.PLACE, MentionKind.NATIONALITY, MentionKind.VENUE}


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


def _inside(inner: Mention, outer: Mention) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _one_sense(places: list[Mention], people: list[Mention]) -> list[Mention]:
    """Drop places spelled like a person the same text names.

    One sense per discourse: when a report names "George W. Bush" or
    "President Bush", a bare "Bush" elsewhere in it is the man, not the
    Egyptian city; likewise "Bolton" after "John Bolton", "Jordan" after
    "Eddie Jordan". Countries are kept when written as more than one word.
    """
    names: set[str] = set()
    for person in people:
        words = str(person.value).split()
        names.update(w for w in words if w[:1].isupper() and len(w) > 2)
    return [p for p in places if p.text not in names]


def extract_text(text: str, anchor: object, catalog: Catalog | None) -> list[Mention]:
    """Run every extractor over ``text`` with ``anchor`` as the report date."""
    from datetime import datetime

    if not isinstance(anchor, datetime):
        raise TypeError(f"anchor must be a datetime, got {anchor!r}")
    people = find_people(text)
    cued_full = [
        p for p in people
        if p.detail.get("cue") in ("title", "speech", "apposition") and " " in str(p.value)
    ]  # fmt: skip
    # "Sarit Cohen, a spokeswoman": one word of a cited person's full name is
    # not the codename it is spelled like.
    actors = [
        a
        for a in find_actors(text, catalog)
        if not (" " not in a.text.strip() and any(_inside(a, p) for p in cued_full))
    ]
    known = [m for m in actors if not m.detail.get("candidate")]
    titled = [p for p in people if p.detail.get("cue") == "title"]
    places = [
        p
        for p in find_places(text)
        if not any(_overlaps(p, a) for a in known)
        # "President Vladimir Putin": a titled name beats the city of Vladimir.
        and not (p.detail.get("type") == "city" and any(_inside(p, t) for t in titled))
    ]
    places = _one_sense(places, people)
    cued = [p for p in people if p.detail.get("cue") in ("title", "speech", "apposition")]
    # "Steven Hall said": a hall named like a person the text cites is that person.
    venues = [
        v
        for v in find_venues(text)
        if not (v.text.endswith("Hall") and any(_overlaps(v, p) for p in cued))
    ]
    blockers = [*actors, *places, *venues]
    people = [p for p in people if not any(_overlaps(p, b) for b in blockers)]
    mentions = [
        *actors,
        *places,
        *venues,
        *people,
        *find_modalities(text),
        *find_times(text, anchor),
        *find_casualties(text),
        *find_claims(text, catalog),
    ]
    return sorted(mentions, key=lambda m: (m.start, m.end, m.kind.value))


def extract(fragment: Fragment, catalog: Catalog | None) -> list[Mention]:
    """All mentions in a fragment's headline and body, sorted by span.

    ``catalog`` may be None (no actor list available): actor mentions are
    then limited to candidates, and claims carry no resolved actor id.
    """
    return extract_text(fragment.text, fragment.anchor_time, catalog)
