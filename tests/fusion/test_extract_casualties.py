"""Casualty figures with kind, count and qualifier."""

from __future__ import annotations

import pytest

from tearline.fusion.extract import find_casualties


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At least 143 killed in the attack.", [("killed", 143, "at_least")]),
        ("More than 140 people dead, officials said.", [("killed", 140, "more_than")]),
        ("The attack left 137 dead.", [("killed", 137, "exact")]),
        ("145 killed and 551 injured.", [("killed", 145, "exact"), ("injured", 551, "exact")]),
        ("The death toll rose to 144 on Sunday.", [("killed", 144, "exact")]),
        ("The death toll has climbed to at least 137.", [("killed", 137, "at_least")]),
        ("Forty-one people were wounded.", [("injured", 41, "exact")]),
        ("About a dozen people were hurt.", [("injured", 12, "about")]),
        (
            "Up to 60 people may have died, killing one hundred and three.",
            [("killed", 103, "exact")],
        ),
        ("Gunmen opened fire, killing at least 12 worshippers.", [("killed", 12, "at_least")]),
        ("Nearly two hundred civilians were injured.", [("injured", 200, "about")]),
        ("In 2024 killed nobody.", []),
        ("The killing of the ambassador.", []),
    ],
)
def test_casualties(text: str, expected: list[tuple[str, int, str]]) -> None:
    found = [
        (m.value["kind"], m.value["count"], m.value["qualifier"]) for m in find_casualties(text)
    ]
    assert found == expected
