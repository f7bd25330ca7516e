"""Actor case rows from actors-eval2's errors (issue 10, session 3, helper "actors").

The sentences are shaped like the ones the tuning set found mis-read, written
for the test. Each "not an actor" row has a twin where the same name sits in a
sentence about an attack or intrusion and must still be found, so a rule that
simply dropped the name would fail.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tearline.fusion.catalog import Actor, Catalog
from tearline.fusion.extract import extract_text
from tearline.model.mention import MentionKind

ANCHOR = datetime(2024, 3, 24, tzinfo=UTC)
CATALOG = Catalog(
    [
        Actor("attack:G0032", "Lazarus Group", ("Lazarus",), ("attack:G0032",), "intrusion-set"),
        Actor("attack:G1024", "Akira", (), ("attack:G1024",), "intrusion-set"),
        Actor("attack:G0035", "Dragonfly", (), ("attack:G0035",), "intrusion-set"),
        Actor("attack:G1041", "Sea Turtle", (), ("attack:G1041",), "intrusion-set"),
        Actor("attack:G0107", "Whitefly", (), ("attack:G0107",), "intrusion-set"),
        Actor("attack:G0010", "Turla", ("Snake",), ("attack:G0010",), "intrusion-set"),
        Actor("misp:callisto", "Callisto", (), ("misp:callisto",), "intrusion-set"),
        Actor("un:QDe.107", "Al Furqan", (), ("un:QDe.107",)),
        Actor("ca:63", "James Mason", (), ("ca:63",)),
        Actor("ca:22", "Hizballah", ("Hezbollah",), ("ca:22",)),
        Actor("ca:20", "Hamas", (), ("ca:20",)),
        Actor("misp:play", "Play", (), ("misp:play",), "intrusion-set"),
    ]
)


def _actors(text: str) -> list[str]:
    return [m.text for m in extract_text(text, ANCHOR, CATALOG) if m.kind is MentionKind.ACTOR]


@pytest.mark.parametrize(
    "text",
    [
        "Emma Lazarus wrote the sonnet on the Statue of Liberty.",  # a first name before
        "Akira Kurosawa's films were shown at the festival in Venice.",  # a surname after
        "Worshippers gathered at the Al Furqan mosque for Friday prayers.",  # a building
        "NASA's Dragonfly mission will fly a drone on Titan.",  # a space mission
        "a sea turtle nested on the beach at dawn, volunteers said.",  # ordinary words
        "Whitefly infestations damaged the cotton crop in Punjab.",  # a pest
        "Callisto, one of Jupiter's moons, may hide an ocean under its ice.",  # a moon
        "James Mason starred opposite Cary Grant in North by Northwest.",  # a namesake
    ],
)
def test_names_that_are_not_the_group(text: str) -> None:
    assert _actors(text) == []


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Investigators said Lazarus stole $600 million from the bridge.", "Lazarus"),
        ("Akira ransomware locked the servers of the city council.", "Akira"),
        ("Analysts said Dragonfly hacked the control systems of energy firms.", "Dragonfly"),
        ("sea turtle hackers hijacked the dns records of ministries.", "sea turtle"),
        ("Whitefly used malware to steal health records in Singapore.", "Whitefly"),
        ("Callisto sent phishing emails to defence officials.", "Callisto"),
        ("Turla, which Estonian intelligence calls Snake, targeted embassies.", "Turla"),
        ("Al Furqan militants claimed the attack on the checkpoint.", "Al Furqan"),
        ("James Mason was listed as a terrorist entity by Canada.", "James Mason"),
    ],
)
def test_same_names_in_threat_sentences(text: str, actor: str) -> None:
    assert actor in _actors(text)


def test_a_line_in_capitals_is_not_a_line_of_acronyms() -> None:
    """In a headline set in capitals, "HEZBOLLAH" is the listed Hezbollah;
    a word the dictionary has ("PLAY") still needs an attack in the line."""
    found = _actors("HEZBOLLAH AND HAMAS OFFICIALS MET IN BEIRUT, THE AGENCY REPORTED.")
    assert found == ["HEZBOLLAH", "HAMAS"]
    assert _actors("PLAY RESUMED AFTER A RAIN DELAY OF TWO HOURS IN LONDON.") == []
