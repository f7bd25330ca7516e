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
