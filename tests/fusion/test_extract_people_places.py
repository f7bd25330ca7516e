"""Person names, places and nationalities."""

from __future__ import annotations

import pytest

from tearline.fusion.extract import find_people, find_places
from tearline.model.mention import MentionKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("President Vladimir Putin spoke on television.", ["Vladimir Putin"]),
        ("Dmitry Peskov, a Kremlin spokesman, declined to comment.", ["Dmitry Peskov"]),
        ("Officials said Amal Haddad was detained.", ["Amal Haddad"]),
        ("Sarah Jones said the hall was full.", ["Sarah Jones"]),
        ("Dr. Ahmed Khan treated the wounded.", ["Ahmed Khan"]),
        ("The Interior Ministry said nothing.", []),
        ("Security Council members met.", []),
    ],
)
def test_people(text: str, expected: list[str]) -> None:
    assert [m.value for m in find_people(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The attack in Krasnogorsk near Moscow shocked Russia.",
            [("place", "city"), ("place", "city"), ("place", "country:RU")],
        ),
        ("Four Tajik nationals were charged.", [("nationality", "country:TJ")]),
        (
            "U.S. officials warned Iranian diplomats.",
            [("place", "country:US"), ("nationality", "country:IR")],
        ),
        (
            "Afghans and Syrians fled.",
            [("nationality", "country:AF"), ("nationality", "country:SY")],
        ),
        ("March was a nice month to read in May.", []),
    ],
)
def test_places(text: str, expected: list[tuple[str, str]]) -> None:
    got = []
    for m in find_places(text):
        value = m.value if m.value.startswith("country:") else m.value.split(":")[0]
        got.append((m.kind.value, value))
    assert got == expected


def test_city_resolves_to_most_populous() -> None:
    (moscow,) = [m for m in find_places("Sirens in Moscow.") if m.kind is MentionKind.PLACE]
    assert moscow.value == "city:524901" and moscow.detail["country"] == "RU"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ECB+ 27_6: a byline run glued across a line break used to raise
        # "ValueError: substring not found" inside find_people.
        ("Affects All Versions\nMicrosoft said on Tuesday it would patch.", []),
        ("Cumbria\nRelative said the man was calm.", []),
        ("Minister  Anna  Berg said the border was shut.", ["Anna Berg"]),
        ("Spokeswoman Aizada Osmonova said talks went on.", ["Aizada Osmonova"]),
        ("Crown Prince Mohammed bin Salman said nothing.", ["Mohammed bin Salman"]),
        (
            "The Committee for State Protection Ruslan Temirkhanov told reporters.",
            ["Ruslan Temirkhanov"],
        ),
        ("According to Crescent Watch, the claim is real.", []),
        ("the agency told Northstar Wire on Saturday.", []),
    ],
)
def test_people_spans_are_exact_and_organisations_are_not_people(
    text: str, expected: list[str]
) -> None:
    found = find_people(text)
    assert [m.value for m in found] == expected
    assert all(text[m.start : m.end] == m.text for m in found)


@pytest.mark.parametrize(
    "text",
    [
        "The band Kara Zhel played before the attack.",  # Kara, Togo (104k)
        "Militants crossed in Central Asia.",  # Central, USA (28k)
        "Police guarded the Nordkai Transit Hub.",  # Hub, Pakistan (195k)
    ],
)
def test_small_city_inside_a_longer_name_is_not_a_place(text: str) -> None:
    assert [m for m in find_places(text) if m.kind is MentionKind.PLACE] == []


def test_large_city_used_as_a_modifier_is_kept() -> None:
    (hamburg,) = find_places("Hamburg Police made arrests.")
    assert hamburg.detail["name"] == "Hamburg" and hamburg.detail["country"] == "DE"
