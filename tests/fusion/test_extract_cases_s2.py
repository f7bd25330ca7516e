"""Case rows from session 2's tuning errors (tune and old eval sets only).

Each sentence is written for the test in the shape of an error the tuning
sets showed; none comes from the fresh evaluation set, which is only scored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tearline.fusion.extract import extract_text
from tearline.model.mention import Mention, MentionKind

ANCHOR = datetime(2024, 3, 24, tzinfo=UTC)


def _of(kind: MentionKind, text: str) -> list[Mention]:
    return [m for m in extract_text(text, ANCHOR, None) if m.kind is kind]


@pytest.mark.parametrize(
    ("text", "not_places"),
    [
        ("Ohio State president Jane Roe said the report was fair.", ["Ohio"]),
        ("The Michigan State coach praised his players.", ["Michigan"]),
        ("The Saints play Detroit and Carolina in the last two games.", ["Carolina"]),
    ],
)
def test_colleges_and_teams_named_after_states_are_not_places(
    text: str, not_places: list[str]
) -> None:
    found = {m.text for m in _of(MentionKind.PLACE, text)}
    assert not found & set(not_places), found


def test_a_compass_word_before_a_country_makes_a_region() -> None:
    (place,) = _of(MentionKind.PLACE, "She moved to a small town in South Wales last year.")
    assert (place.text, place.detail["type"]) == ("South Wales", "region")
    assert place.detail["country"] == "GB"


def test_northern_ireland_is_a_region_of_the_united_kingdom() -> None:
    (place,) = _of(MentionKind.PLACE, "The talks in Northern Ireland resumed.")
    assert (place.text, place.detail["type"], place.detail["country"]) == (
        "Northern Ireland", "region", "GB")


def test_a_state_named_as_a_state_is_still_a_place() -> None:
    places = _of(MentionKind.PLACE, "Floods hit Ohio on Monday, officials said.")
    assert [(m.text, m.detail["type"]) for m in places] == [("Ohio", "region")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The guard who ran Dean Smith's offense retired.", "Dean Smith"),
    ],
)
def test_a_title_that_is_also_a_first_name_keeps_the_whole_name(text: str, name: str) -> None:
    people = [m.text for m in _of(MentionKind.PERSON, text)]
    assert people == [name], people


def test_a_repeated_surname_after_its_first_name_is_the_whole_name() -> None:
    text = "Polygamist Warren Jeffs sentenced to life\nThe judge said Warren Jeffs would appeal."
    people = [(m.text, m.value) for m in _of(MentionKind.PERSON, text)]
    assert people == [("Warren Jeffs", "Warren Jeffs")] * 2, people


def test_a_title_with_a_full_name_after_it_is_still_a_title() -> None:
    (person,) = _of(MentionKind.PERSON, "Dean John Smith said the school would reopen.")
    assert person.text == "John Smith"
