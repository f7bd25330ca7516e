"""Attack modalities and venue target types."""

from __future__ import annotations

import pytest

from tearline.fusion.extract import find_modalities, find_venues


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gunmen opened fire with automatic rifles.", {"firearms"}),
        ("An improvised explosive device went off.", {"explosives"}),
        ("Attackers set fire to the building.", {"incendiary"}),
        ("A man drove a truck into the crowd.", {"vehicle_ramming"}),
        ("The gunmen took dozens hostage.", {"firearms", "hostage_taking"}),
        ("A suicide bomber blew himself up.", {"suicide_attack", "explosives"}),
        ("Two people were stabbed outside the station.", {"stabbing"}),
        ("The photo shoot went well.", set()),
        ("It was a bombshell report.", set()),
    ],
)
def test_modalities(text: str, expected: set[str]) -> None:
    assert {m.value for m in find_modalities(text)} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gunmen stormed Crocus City Hall near Moscow.", ["concert_hall"]),
        ("A bomb was found at the concert hall.", ["concert_hall"]),
        ("Worshippers fled the synagogue.", ["synagogue"]),
        ("A fire at St Mary's Church.", ["church"]),
        ("Police guarded the mosque.", ["mosque"]),
        ("Fans left the stadium.", ["stadium"]),
        ("An explosion hit the metro station.", ["metro_station"]),
        ("Threats against the airport.", ["airport"]),
        ("Protest at the embassy.", ["embassy"]),
        ("A school was evacuated.", ["school"]),
        ("A shopping centre and a Christmas market were targeted.", ["shopping_centre", "market"]),
        ("Guests at the hotel were moved.", ["hotel"]),
        ("A press conference at Moscow City Hall.", ["government_building"]),
    ],
)
def test_venues(text: str, expected: list[str]) -> None:
    types = [m.value for m in find_venues(text) if not str(m.value).startswith("named:")]
    assert types == expected


def test_named_venue_is_an_entity_with_its_type() -> None:
    hall, named = find_venues("Gunmen stormed Crocus City Hall near Moscow.")
    assert hall.text == named.text == "Crocus City Hall"
    assert hall.value == "concert_hall"
    assert named.value == "named:crocus-city-hall" and named.detail["type"] == "concert_hall"
    assert [m.value for m in find_venues("A school was evacuated.")] == ["school"]
