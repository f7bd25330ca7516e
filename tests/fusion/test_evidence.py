"""Entity evidence for thread scoring: weights, implied keys, kinship."""

from __future__ import annotations

import pytest

from tearline.fusion.evidence import (
    COUNTRY_WEIGHT,
    KIND_WEIGHT,
    entity_keys,
    linked,
    related_keys,
    rival_places,
)
from tearline.model.mention import Mention, MentionKind


def m(kind: MentionKind, value: str, confidence: float = 1.0, **detail: object) -> Mention:
    return Mention(kind, value, 0, len(value), value, confidence, dict(detail))


def test_countries_weigh_less_than_cities() -> None:
    keys = entity_keys([m(MentionKind.PLACE, "country:KZ"), m(MentionKind.PLACE, "city:1526384")])
    assert keys == {"place:country:KZ": COUNTRY_WEIGHT,
                    "place:city:1526384": KIND_WEIGHT[MentionKind.PLACE]}  # fmt: skip
    assert COUNTRY_WEIGHT < KIND_WEIGHT[MentionKind.PLACE] < KIND_WEIGHT[MentionKind.ACTOR]


def test_related_keys_are_parents_and_countries() -> None:
    mentions = [
        m(MentionKind.ACTOR, "un:QDe.161", parent="ca:36"),
        m(MentionKind.PLACE, "city:1526384", type="city", country="KZ"),
        m(MentionKind.ACTOR, "ca:30"),
    ]
    assert related_keys(mentions) == {"actor:ca:36", "place:country:KZ"}


def test_only_confident_cities_are_rivals() -> None:
    sure = m(MentionKind.PLACE, "city:2911298", 0.9)
    guess = m(MentionKind.PLACE, "city:2891122", 0.7)
    country = m(MentionKind.PLACE, "country:DE")
    assert rival_places([sure, guess, country]) == ["place:city:2911298"]


@pytest.mark.parametrize(
    ("named", "implied", "entities", "related", "kin"),
    [
        (["actor:ca:36"], [], {}, {"actor:ca:36"}, True),  # parent's claim on a branch thread
        (["actor:branch"], ["actor:ca:36"], {"actor:ca:36": 1}, set(), True),  # branch on parent
        (["actor:other-branch"], ["actor:ca:36"], {"actor:branch": 1}, {"actor:ca:36"}, False),
        (["place:city:1"], ["place:country:KZ"], {}, {"place:country:KZ"}, True),
        (["place:city:1"], ["place:country:KZ"], {}, {"place:country:DE"}, False),
    ],
)
def test_kinship(
    named: list[str], implied: list[str], entities: dict[str, int], related: set[str], kin: bool
) -> None:
    assert linked(named, implied, entities, related) is kin
